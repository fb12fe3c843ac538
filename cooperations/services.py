"""Writes to cooperation structures. Each service checks its rule, writes atomically, audits.

Invariants kept here (not in forms, so the CSV import obeys them too): a cooperation's partners
cover its authority's area; the conferences it was discussed at are its authority's own (hosted
or co-hosted) and not cancelled; only KPB staff of the authority (or an administrator) write.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from authorities.models import Authority, Coverage, PartnerAgency, User
from conferences.enums import ConferenceStatus
from conferences.models import Conference
from cooperations.enums import CooperationKind, CooperationStatus
from cooperations.models import Cooperation
from siko.audit import log_action
from siko.validation import plausible_window

#: The fields a form or an import row sets directly (status has its own service).
FIELDS = ("name", "kind", "since", "notes")


class CooperationError(Exception):
    """A rule of cooperation structures was broken; the message is German and shown to users."""


def check_may_write(authority: Authority, *, by: User) -> None:
    if by.is_superuser:
        return
    if not by.is_kpb or by.authority_id != authority.pk:
        raise CooperationError(
            _("Kooperationen pflegt nur die Kreispolizeibehörde, zu der sie gehören.")
        )


def check_partners(authority: Authority, partners: Iterable[PartnerAgency]) -> None:
    """Only agencies responsible for the authority's area (as the partner directory scopes them)."""
    partners = list(partners)
    covered = set(
        Coverage.objects.filter(
            authority=authority, agency_id__in=[p.pk for p in partners]
        ).values_list("agency_id", flat=True)
    )
    outside = sorted(p.name for p in partners if p.pk not in covered)
    if outside:
        raise CooperationError(
            _("Nicht für den Bereich Ihrer Behörde zuständig: %(names)s.")
            % {"names": ", ".join(outside)}
        )


def check_conferences(authority: Authority, conferences: Iterable[Conference]) -> None:
    """Only the authority's own conferences (hosted or co-hosted), not cancelled; the status is
    read from the database, not from the objects given."""
    conferences = list(conferences)
    statuses = dict(
        Conference._base_manager.filter(
            pk__in=[c.pk for c in conferences], authorities=authority
        ).values_list("pk", "status")
    )
    for conference in conferences:
        if conference.pk not in statuses:
            raise CooperationError(
                _("Die Konferenz „%(title)s“ ist keine Konferenz Ihrer Behörde.")
                % {"title": conference.title}
            )
        if statuses[conference.pk] == ConferenceStatus.CANCELLED:
            raise CooperationError(
                _("Die Konferenz „%(title)s“ ist abgesagt; dort wurde nichts besprochen.")
                % {"title": conference.title}
            )


def _check_values(authority: Authority, data: dict[str, Any], *, exclude_pk: int | None) -> None:
    name = " ".join(str(data.get("name", "")).split())
    if not name:
        raise CooperationError(_("Bitte geben Sie die Bezeichnung der Kooperation an."))
    if len(name) > 200:
        raise CooperationError(_("Die Bezeichnung hat höchstens 200 Zeichen."))
    data["name"] = name
    if data.get("kind") not in CooperationKind.values:
        raise CooperationError(_("Bitte wählen Sie die Art der Kooperation."))
    since = data.get("since")
    latest = plausible_window()[1]
    if not isinstance(since, date):
        raise CooperationError(_("Bitte geben Sie an, seit wann die Kooperation besteht."))
    if since > latest or since.year < 1950:
        raise CooperationError(
            _("Das Datum „besteht seit“ %(day)s ist nicht plausibel.")
            % {"day": since.strftime("%d.%m.%Y")}
        )
    duplicates = Cooperation.objects.filter(authority=authority, name__iexact=name)
    if exclude_pk is not None:
        duplicates = duplicates.exclude(pk=exclude_pk)
    if duplicates.exists():
        raise CooperationError(
            _("Ihre Behörde hat bereits eine Kooperation „%(name)s“.") % {"name": name}
        )


@transaction.atomic
def create_cooperation(
    authority: Authority,
    *,
    data: dict[str, Any],
    partners: Iterable[PartnerAgency] = (),
    conferences: Iterable[Conference] = (),
    status: str = CooperationStatus.AKTIV,
    by: User,
) -> Cooperation:
    """A new cooperation of `authority`; partners and conferences are checked as described."""
    check_may_write(authority, by=by)
    data = {name: data[name] for name in FIELDS if name in data}
    _check_values(authority, data, exclude_pk=None)
    if status not in CooperationStatus.values:
        raise CooperationError(_("Unbekannter Status."))
    partners, conferences = list(partners), list(conferences)
    check_partners(authority, partners)
    check_conferences(authority, conferences)
    cooperation = Cooperation.objects.create(authority=authority, status=status, **data)
    cooperation.partners.set(partners)
    cooperation.discussed_at.set(conferences)
    log_action("cooperation.created", cooperation, actor=by, authority=authority)
    return cooperation


@transaction.atomic
def update_cooperation(
    cooperation: Cooperation,
    *,
    data: dict[str, Any],
    partners: Iterable[PartnerAgency] | None = None,
    conferences: Iterable[Conference] | None = None,
    status: str | None = None,
    by: User,
) -> list[str]:
    """Changes the given fields (None: leave as is); returns the names of the changed ones.
    Nothing changed writes nothing and audits nothing (a repeated submission)."""
    authority = cooperation.authority
    check_may_write(authority, by=by)
    data = {name: data[name] for name in FIELDS if name in data}
    merged = {name: data.get(name, getattr(cooperation, name)) for name in FIELDS}
    _check_values(authority, merged, exclude_pk=cooperation.pk)
    changed = [name for name in data if getattr(cooperation, name) != merged[name]]
    for name in changed:
        setattr(cooperation, name, merged[name])
    if changed:
        cooperation.save(update_fields=[*changed, "updated"])
    if partners is not None:
        partners = list(partners)
        check_partners(authority, partners)
        if {p.pk for p in partners} != set(cooperation.partners.values_list("pk", flat=True)):
            cooperation.partners.set(partners)
            changed.append("partners")
    if conferences is not None:
        conferences = list(conferences)
        current = set(cooperation.discussed_at.values_list("pk", flat=True))
        # A link recorded before stays valid when its conference was cancelled afterwards.
        check_conferences(authority, [c for c in conferences if c.pk not in current])
        if {c.pk for c in conferences} != current:
            cooperation.discussed_at.set(conferences)
            changed.append("discussed_at")
    if changed:
        log_action(
            "cooperation.changed",
            cooperation,
            actor=by,
            authority=authority,
            data={"fields": sorted(changed)},
        )
    if status is not None and status != cooperation.status:
        change_cooperation_status(cooperation, status=status, by=by)
        changed.append("status")
    return changed


@transaction.atomic
def change_cooperation_status(cooperation: Cooperation, *, status: str, by: User) -> Cooperation:
    """aktiv, ruhend or beendet, in any direction (a dormant partnership is revived); the same
    status again changes nothing."""
    check_may_write(cooperation.authority, by=by)
    if status not in CooperationStatus.values:
        raise CooperationError(
            _("Unbekannter Status „%(value)s“. Zulässig sind: %(allowed)s.")
            % {"value": status, "allowed": ", ".join(str(s.label) for s in CooperationStatus)}
        )
    if status == cooperation.status:
        return cooperation
    before = cooperation.status
    cooperation.status = status
    cooperation.save(update_fields=["status", "updated"])
    log_action(
        "cooperation.status_changed",
        cooperation,
        actor=by,
        authority=cooperation.authority,
        data={"from": before, "to": status},
    )
    return cooperation


@transaction.atomic
def record_discussed(cooperation: Cooperation, *, conference: Conference, by: User) -> bool:
    """Records that the cooperation was discussed at the conference (of its own authority).
    True when newly recorded; recording it twice changes nothing and audits once."""
    check_may_write(cooperation.authority, by=by)
    check_conferences(cooperation.authority, [conference])
    if cooperation.status == CooperationStatus.BEENDET:
        raise CooperationError(
            _("Die Kooperation „%(name)s“ ist beendet.") % {"name": cooperation.name}
        )
    # Lock the cooperation row so that a double click records one link and one audit entry.
    Cooperation._base_manager.select_for_update().filter(pk=cooperation.pk).first()
    if cooperation.discussed_at.filter(pk=conference.pk).exists():
        return False
    cooperation.discussed_at.add(conference)
    log_action(
        "cooperation.discussed",
        cooperation,
        actor=by,
        authority=cooperation.authority,
        data={"conference_id": conference.pk},
    )
    return True
