"""The audit trail: one registry of action types with their German text."""

from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from siko.models import AuditEntry

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

ACTIONS: "dict[str, StrPromise]" = {
    "partner.created": _("Partnerbehörde angelegt"),
    "partner.changed": _("Partnerbehörde geändert"),
    "partner.imported": _("Partnerbehörde per CSV importiert"),
    "authority.start_year_set": _("Startjahr der SiKo-Nutzung gesetzt"),
    "contact.created": _("Ansprechperson angelegt"),
    "contact.changed": _("Ansprechperson geändert"),
    "contact.deleted": _("Ansprechperson gelöscht"),
    "conference.created": _("Konferenz angelegt"),
    "conference.changed": _("Konferenz geändert"),
    "conference.cancelled": _("Konferenz abgesagt"),
    "conference.entered_afterwards": _("Konferenz nachgetragen"),
    "conference.co_host_named": _("Mitveranstalter eingetragen"),
    "conference.co_host_left": _("Mitveranstalter hat die Konferenz verlassen"),
    "agenda.changed": _("Tagesordnung geändert"),
    "agenda.update_sent": _("Änderung der Tagesordnung an die Eingeladenen versandt"),
    "invitations.added": _("Partner eingeladen"),
    "invitations.removed": _("Einladung entfernt"),
    "invitations.sent": _("Einladungen versendet"),
    "invitation.answered": _("Einladung beantwortet"),
    "invitation.sent_by_letter": _("Einladung per Brief versendet"),
    "invitations.reminded": _("Erinnerung an Eingeladene versendet"),
    "conference_document.uploaded": _("Konferenzunterlage hochgeladen"),
    "conference_document.deleted": _("Konferenzunterlage gelöscht"),
    "conference_document.announced": _("Konferenzunterlage an die Eingeladenen angekündigt"),
    "partner.overview_link_sent": _("Link zur Einladungsübersicht versendet"),
    "calendar_feed.created": _("Kalender-Abo angelegt"),
    "calendar_feed.revoked": _("Kalender-Abo widerrufen"),
    "comparison_group.created": _("Vergleichsgruppe angelegt"),
    "comparison_group.changed": _("Vergleichsgruppe geändert"),
    "comparison_group.deleted": _("Vergleichsgruppe gelöscht"),
    "attendance.recorded": _("Anwesenheit erfasst"),
    "minutes.created": _("Protokollentwurf angelegt"),
    "minutes.saved": _("Protokollentwurf gespeichert"),
    "minutes.circulated": _("Protokollentwurf zur Abstimmung versandt"),
    "minutes.commented": _("Protokoll kommentiert"),
    "minutes.comment_resolved": _("Kommentar zum Protokoll erledigt"),
    "minutes.approved": _("Protokoll freigegeben"),
    "minutes.correction_started": _("Korrekturfassung des Protokolls angelegt"),
    "minutes.uploaded": _("Protokoll als PDF hochgeladen"),
    "action.created": _("Maßnahme angelegt"),
    "action.state_changed": _("Status einer Maßnahme geändert"),
    "hospitation.saved": _("Hospitation gespeichert"),
    "exercise.saved": _("Krisenstabsübung gespeichert"),
    "cooperation.created": _("Kooperation angelegt"),
    "cooperation.changed": _("Kooperation geändert"),
    "cooperation.status_changed": _("Status einer Kooperation geändert"),
    "cooperation.discussed": _("Kooperation als in einer Konferenz besprochen vermerkt"),
    "annual_report.started": _("Jahresbericht angelegt"),
    "annual_report.changed": _("Zeitraum oder Gliederung des Jahresberichts geändert"),
    "annual_report.generation_requested": _("Jahresbericht-Entwurf zur Erzeugung angestoßen"),
    "annual_report.commented": _("Anmerkungen des LKA zum Jahresbericht"),
    "annual_report.agreed": _("Einvernehmen des LKA zum Jahresbericht"),
    "annual_report.finalise_requested": _("Abschluss des Jahresberichts angestoßen"),
    "annual_report.finalised": _("Endfassung des Jahresberichts gespeichert"),
    "annual_report.correction_started": _("Korrekturfassung des Jahresberichts angelegt"),
    "annual_report.outline_proposed": _("Gliederung des Jahresberichts dem Ministerium vorgelegt"),
    "annual_report.outline_agreed": _(
        "Zustimmung des Ministeriums zur Gliederung des Jahresberichts"
    ),
    "annual_report.outline_changes_requested": _(
        "Änderungen an der Gliederung des Jahresberichts erbeten"
    ),
    "practice.created": _("Gute Praxis angelegt"),
    "practice.changed": _("Gute Praxis geändert"),
    "practice.submitted": _("Gute Praxis zur Prüfung eingereicht"),
    "practice.published": _("Gute Praxis veröffentlicht"),
    "practice.returned": _("Gute Praxis zurückgegeben"),
    "personal_data.exported": _("Auskunft über personenbezogene Daten erteilt"),
    "personal_data.erased": _("Personenbezogene Daten gelöscht"),
    "account.created": _("Benutzerkonto angelegt"),
    "account.setup_link_sent": _("Einrichtungs-Link erneut an ein Benutzerkonto gesandt"),
    "account.deactivated": _("Benutzerkonto deaktiviert"),
    "account.second_factor_reset": _("Zweiter Faktor eines Benutzerkontos zurückgesetzt"),
    "api_token.created": _("API-Schlüssel angelegt"),
    "api_token.revoked": _("API-Schlüssel widerrufen"),
}


def log_action(
    action: str,
    obj: models.Model,
    *,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    authority: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record an action; unknown action types are a programming error."""
    if action not in ACTIONS:
        raise KeyError(f"Unbekannte Aktion {action!r}: in siko.audit.ACTIONS eintragen.")
    # By id: siko names neither the user model nor Authority (its foreign keys are by label).
    return AuditEntry.objects.create(
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        authority_id=authority.pk if authority is not None else None,
        data=data or {},
    )
