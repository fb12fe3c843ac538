"""German by default, English on request; the English catalogue is complete and compiled.

When a test below fails after you added or changed text, run `make messages` (makemessages +
compilemessages), translate the new entries in locale/en/LC_MESSAGES/django.po and commit
both django.po and django.mo.
"""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import translation as django_translation
from django.utils.translation import override
from django.views.defaults import server_error

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES"
SOURCE_DIRS = (
    "siko",
    "notifications",
    "authorities",
    "conferences",
    "followup",
    "reports",
    "api",
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")


@dataclass
class PoEntry:
    msgctxt: str = ""
    msgid: str = ""
    msgid_plural: str = ""
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


def _parse_po(path: Path) -> list[PoEntry]:
    """The active entries of a .po file, without the header and obsolete (#~) entries."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry, key, obsolete = PoEntry(), "", False
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                obsolete = obsolete or line.startswith("#~")
            elif line.startswith('"'):
                if key == "msgstr":
                    entry.msgstr[-1] += ast.literal_eval(line)
                else:
                    setattr(entry, key, getattr(entry, key) + ast.literal_eval(line))
            else:
                keyword, _, literal = line.partition(" ")
                key = "msgstr" if keyword.startswith("msgstr") else keyword
                if key == "msgstr":
                    entry.msgstr.append(ast.literal_eval(literal))
                else:
                    setattr(entry, key, ast.literal_eval(literal))
        if entry.msgid and not obsolete:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[PoEntry]:
    return _parse_po(CATALOGUE / "django.po")


@pytest.mark.django_db
def test_login_page_is_german_without_language_choice(client: Client) -> None:
    response = client.get(reverse("login"))
    html = response.content.decode()

    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert '<h1 class="h3">Anmelden</h1>' in html
    assert "Passwort vergessen?" in html
    assert "Log in" not in html


@pytest.mark.django_db
def test_login_page_is_english_for_accept_language_en(client: Client) -> None:
    response = client.get(reverse("login"), headers={"accept-language": "en"})
    html = response.content.decode()

    assert '<html lang="en">' in html
    assert '<h1 class="h3">Log in</h1>' in html
    assert "Forgotten your password?" in html
    assert "Partner agencies answer invitations directly" in html
    assert "Anmelden" not in html


@pytest.mark.django_db
def test_login_page_is_english_after_switching_language(client: Client) -> None:
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True
    )
    html = response.content.decode()

    assert response.redirect_chain == [(reverse("login"), 302)]
    assert '<html lang="en">' in html
    assert '<h1 class="h3">Log in</h1>' in html
    # Each language is named in its own language, whatever the page's language.
    assert '<option value="de" lang="de">Deutsch</option>' in html
    assert '<option value="en" lang="en" selected>English</option>' in html


@pytest.mark.django_db
def test_login_page_switches_back_to_german(client: Client) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    client.post(reverse("set_language"), {"language": "de", "next": reverse("login")})

    html = client.get(reverse("login"), headers={"accept-language": "en"}).content.decode()

    assert '<h1 class="h3">Anmelden</h1>' in html


@pytest.mark.django_db
def test_login_error_is_english_for_english_user(client: Client) -> None:
    response = client.post(
        reverse("login"),
        {"username": "niemand", "password": "falsch-falsch-falsch"},
        headers={"accept-language": "en"},
    )

    assert "User name or password is wrong." in response.content.decode()


def test_server_error_page_is_german_and_stands_alone(rf) -> None:
    # No database access allowed (no django_db mark): the page must render when the database is
    # the cause of the error.
    with override("de"):  # what LocaleMiddleware has set when the error happens
        response = server_error(rf.get("/"))
    html = response.content.decode()

    assert response.status_code == 500
    assert '<html lang="de">' in html
    assert "<h1>Ein Fehler ist aufgetreten</h1>" in html


def test_po_has_no_untranslated_entries(po_entries: list[PoEntry]) -> None:
    untranslated = [entry.msgid for entry in po_entries if not all(entry.msgstr)]

    assert untranslated == [], "Translate these in locale/en/LC_MESSAGES/django.po"


def test_po_has_no_fuzzy_entries(po_entries: list[PoEntry]) -> None:
    fuzzy = [entry.msgid for entry in po_entries if "fuzzy" in entry.flags]

    assert fuzzy == [], "Check these guesses of msgmerge, then remove the fuzzy flag"


def test_po_translations_keep_placeholders(po_entries: list[PoEntry]) -> None:
    broken = []
    for entry in po_entries:
        # A plural's singular may say "one" instead of the number; only the plural must keep it.
        pairs = (
            [(entry.msgid_plural, entry.msgstr[-1])]
            if entry.msgid_plural
            else [(entry.msgid, entry.msgstr[0])]
        )
        for source, translation in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                broken.append((source, translation))

    assert broken == []


def test_mo_is_compiled_from_the_current_po(po_entries: list[PoEntry]) -> None:
    with open(CATALOGUE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    stale = []
    for entry in po_entries:
        if entry.msgid_plural and entry.msgctxt:
            actual = [
                compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                for n in (1, 2)
            ]
        elif entry.msgid_plural:
            actual = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
        elif entry.msgctxt:
            actual = [compiled.pgettext(entry.msgctxt, entry.msgid)]
        else:
            actual = [compiled.gettext(entry.msgid)]
        if actual != entry.msgstr:
            stale.append(entry.msgid)

    assert stale == [], "Run `make messages` (compilemessages) and commit django.mo"


def _marked_strings() -> set[str]:
    """Literal strings marked for translation in Python code and templates (the simple forms)."""
    marked: set[str] = set()
    python_call = re.compile(
        r"\b(?:_|gettext|gettext_lazy|ngettext|ngettext_lazy)\(\s*"
        r"((?:\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'))\s*[,)]"
    )
    template_tag = re.compile(
        r"{%\s*(?:translate|trans)\s+(\"[^\"\\]*\"|'[^'\\]*')(?:\s+as\s+\w+|\s+noop)?\s*%}"
    )
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                text = path.read_text(encoding="utf-8")
                marked |= {ast.literal_eval(m) for m in python_call.findall(text)}
    for path in (ROOT / "templates").rglob("*"):
        if path.suffix in {".html", ".txt"}:
            marked |= {m[1:-1] for m in template_tag.findall(path.read_text(encoding="utf-8"))}
    return {text for text in marked if text.strip()}


def test_po_covers_every_marked_string(po_entries: list[PoEntry]) -> None:
    known = {entry.msgid for entry in po_entries}

    missing = sorted(_marked_strings() - known)

    assert missing == [], "Run `make messages` and translate the new entries"


def test_german_pages_keep_djangos_own_form_messages() -> None:
    """An installed library's German catalogue outranks Django's own; Django REST framework's
    says "Gib eine gültige E-Mail Adresse an". The project catalogue (locale/de) restores
    Django's wording for every message a library translates differently."""
    django_de = gettext.GNUTranslations(
        (Path(django.__file__).parent / "conf/locale/de/LC_MESSAGES/django.mo").open("rb")
    )
    overridden = set()
    for app in apps.get_app_configs():
        mo = Path(app.path) / "locale" / "de" / "LC_MESSAGES" / "django.mo"
        if not mo.exists() or app.name.split(".")[0] in SOURCE_DIRS:
            continue
        library = gettext.GNUTranslations(mo.open("rb"))
        for msgid, text in library._catalog.items():  # type: ignore[attr-defined]
            if isinstance(msgid, str) and msgid and msgid in django_de._catalog:  # type: ignore[attr-defined]
                if django_de._catalog[msgid] != text:  # type: ignore[attr-defined]
                    overridden.add(msgid)

    assert "Enter a valid email address." in overridden
    with override("de"):
        for msgid in sorted(overridden):
            assert django_translation.gettext(msgid) == django_de.gettext(msgid), msgid
