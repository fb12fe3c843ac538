"""The outline (Berichtsgliederung) of the annual report: which sections, in which order, with an
optional introductory text each (DESIGN R8). The cover always comes first and is not part of it.

An outline is stored as a list of {"key": section key, "intro": text}; a new report takes the
outline of the last agreed (or final) report, else DEFAULT_OUTLINE.
"""

from django.utils.translation import gettext_lazy as _

#: Every section the PDF can render, in the default order.
SECTIONS: dict[str, object] = {
    "summary": _("Zusammenfassung"),
    "chart": _("Entwicklung im Zeitverlauf"),
    "authorities": _("Kreispolizeibehörden im Einzelnen"),
    "participation": _("Beteiligung der Partner nach Kategorie"),
    "actions": _("Vereinbarte Maßnahmen"),
    "breaches": _("Kreispolizeibehörden ohne Sicherheitskonferenz"),
    "comparison_groups": _("Vergleichsgruppen"),
    "methods": _("Methodik"),
}

DEFAULT_OUTLINE: list[dict[str, str]] = [{"key": key, "intro": ""} for key in SECTIONS]

INTRO_MAX_LENGTH = 4000


class OutlineError(ValueError):
    pass


def clean_outline(outline: object) -> list[dict[str, str]]:
    """A valid outline (known keys, each once, text only) or OutlineError with a German message."""
    if not isinstance(outline, list) or not outline:
        raise OutlineError(str(_("Die Gliederung braucht mindestens einen Abschnitt.")))
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    for entry in outline:
        key = entry.get("key") if isinstance(entry, dict) else None
        if key not in SECTIONS:
            raise OutlineError(
                str(_("Unbekannter Abschnitt in der Gliederung: %(key)s")) % {"key": key}
            )
        if key in seen:
            raise OutlineError(
                str(_("Der Abschnitt %(title)s steht zweimal in der Gliederung."))
                % {"title": SECTIONS[key]}
            )
        intro = str(entry.get("intro") or "").strip()
        if len(intro) > INTRO_MAX_LENGTH:
            raise OutlineError(
                str(_("Einleitungstexte dürfen höchstens %(n)d Zeichen lang sein."))
                % {"n": INTRO_MAX_LENGTH}
            )
        seen.add(key)
        cleaned.append({"key": key, "intro": intro})
    return cleaned


def section_title(key: str) -> str:
    return str(SECTIONS[key])
