"""Who may do what: rules predicates shared by views (declared policy) and templates (buttons).

The role predicates accept any user; the others follow a role predicate with `&` (rules stops
at the first false one), so they see a signed-in member only. siko names no domain model: a
conference, an agency or an authority is a `models.Model` here, or `Any` where a predicate reads
a relation of it.
"""

from typing import Any

import rules
from django.contrib.auth.models import AnonymousUser
from django.db import models

from siko.organisations import OrganisationKind, OrganisationMember

AnyUser = OrganisationMember | AnonymousUser


@rules.predicate
def is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


@rules.predicate
def is_kpb_staff(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.organisation_kind == OrganisationKind.KPB)


@rules.predicate
def is_lzpd(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.organisation_kind == OrganisationKind.LZPD)


@rules.predicate
def is_lka(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.organisation_kind == OrganisationKind.LKA)


@rules.predicate
def is_im(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.organisation_kind == OrganisationKind.IM)


is_state_body = is_lzpd | is_lka | is_im


@rules.predicate
def is_partner_user(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.organisation_kind == OrganisationKind.PARTNER)


@rules.predicate
def is_own_authority(user: OrganisationMember, authority: models.Model | None) -> bool:
    return authority is None or user.authority_id == authority.pk


@rules.predicate
def agency_exclusive_to_own_area(user: OrganisationMember, agency: Any) -> bool:
    """The agency covers the user's authority and no other one. KPB staff keep only these: an
    agency shared by several KPBs (a Staatsanwaltschaft, the Bundespolizei) belongs to the
    state-wide directory, which the LZPD keeps, so that no KPB can redirect another KPB's mail
    to it (its contacts' addresses receive every KPB's invitations and its overview link)."""
    if agency is None:
        return True
    if user.authority_id is None:
        return False
    # One query: at most two coverages tell "only mine" from "mine and another's".
    covered = list(agency.coverages.values_list("authority_id", flat=True)[:2])
    return covered == [user.authority_id]


@rules.predicate
def is_own_agency(user: OrganisationMember, agency: models.Model | None) -> bool:
    return agency is None or user.partner_agency_id == agency.pk


def _conference_of(obj: models.Model) -> Any:
    """The conference an object belongs to (an action, invitation, …), or the conference."""
    return getattr(obj, "conference", obj)


@rules.predicate
def is_host_authority(user: OrganisationMember, obj: models.Model | None) -> bool:
    """The user's authority hosts the conference (of the object): only the host plans and follows
    up. A co-host's staff see the conference (it is in their scope) but change nothing."""
    if obj is None:
        return True
    return user.authority_id is not None and user.authority_id == _conference_of(obj).host_id


@rules.predicate
def is_co_host_authority(user: OrganisationMember, conference: Any) -> bool:
    """The user's authority takes part in the conference without hosting it."""
    if conference is None or user.authority_id is None:
        return False
    takes_part = conference.authorities.through.objects.filter(
        conference_id=conference.pk, authority_id=user.authority_id
    )
    return user.authority_id != conference.host_id and takes_part.exists()


state_or_admin = is_state_body | is_admin
police_or_state = is_kpb_staff | state_or_admin
own_authority_or_state = (is_kpb_staff & is_own_authority) | state_or_admin

rules.add_perm("siko.view_home", rules.is_authenticated)
rules.add_perm("siko.read_mailbox", is_admin)
rules.add_perm("siko.manage_personal_data", is_lzpd | is_admin)
rules.add_perm("siko.view_audit_log", police_or_state)
# Police and state staff log in with a second factor; partners answer through links.
rules.add_perm("siko.manage_second_factor", police_or_state)
rules.add_perm("authorities.list_authorities", police_or_state)
rules.add_perm("authorities.view_authority", own_authority_or_state)
rules.add_perm("authorities.view_directory", police_or_state)
rules.add_perm("authorities.view_partner", police_or_state | (is_partner_user & is_own_agency))
rules.add_perm("authorities.add_partner", is_kpb_staff | is_lzpd | is_admin)
rules.add_perm("authorities.set_start_year", is_lzpd | is_admin)
rules.add_perm(
    "authorities.change_partner",
    (is_kpb_staff & agency_exclusive_to_own_area) | is_lzpd | is_admin,
)
rules.add_perm("authorities.import_partners", is_kpb_staff | is_lzpd | is_admin)
rules.add_perm("authorities.import_staff", is_admin)
rules.add_perm("authorities.list_r7_records", police_or_state)
rules.add_perm("authorities.add_r7_record", is_kpb_staff)
rules.add_perm("authorities.change_r7_record", is_kpb_staff | is_admin)

rules.add_perm("conferences.list_conferences", police_or_state)
rules.add_perm("conferences.view_conference", police_or_state)
rules.add_perm("conferences.add_conference", is_kpb_staff)
rules.add_perm("conferences.change_conference", (is_kpb_staff & is_host_authority) | is_admin)
rules.add_perm("conferences.leave_conference", is_kpb_staff & is_co_host_authority)
rules.add_perm("conferences.view_own_invitations", is_partner_user)
# The "nicht zugeordnet" list of calendar replies: KPB staff see their conferences' (scoped).
rules.add_perm("conferences.view_calendar_replies", is_kpb_staff | is_lzpd | is_admin)
rules.add_perm("conferences.list_actions", police_or_state)
rules.add_perm("conferences.view_action", police_or_state)
rules.add_perm("conferences.change_action", (is_kpb_staff & is_host_authority) | is_admin)
rules.add_perm(
    "conferences.manage_calendar_feeds", is_kpb_staff | is_lzpd | is_admin | is_partner_user
)
# An agency's feed carries its answer links: only the agency itself (its account; its overview
# link in conferences.views.partner) or LZPD/admin issue one, never a KPB of its area.
rules.add_perm(
    "conferences.manage_agency_feed", (is_partner_user & is_own_agency) | is_lzpd | is_admin
)

# Failed mails without a conference: LZPD and administrators see them and send them again.
rules.add_perm("notifications.resend_mail", is_lzpd | is_admin)

rules.add_perm("reports.view_state", state_or_admin)
rules.add_perm("reports.view_authority_dashboard", own_authority_or_state)
rules.add_perm("reports.view_comparison_groups", state_or_admin)
# Vergleichsgruppenarbeit (R8): a KPB sees its own group's figures, the state bodies every group.
rules.add_perm("reports.view_group_figures", police_or_state)
rules.add_perm("reports.view_reminder_log", state_or_admin)
rules.add_perm("reports.change_comparison_groups", is_lzpd | is_admin)

# The annual report (R8): LZPD prepares and finalises, the LKA agrees, state bodies read every
# version, a KPB reads the part about itself in final versions.
rules.add_perm("reports.view_annual_reports", police_or_state)
rules.add_perm("reports.read_annual_report", state_or_admin)
rules.add_perm("reports.manage_annual_report", is_lzpd | is_admin)
rules.add_perm("reports.review_annual_report", is_lka)
# DESIGN R8: the LZPD proposes the report's outline, the ministry agrees it beforehand.
rules.add_perm("reports.propose_outline", is_lzpd)
rules.add_perm("reports.decide_outline", is_im)
rules.add_perm("reports.read_annual_report_part", own_authority_or_state)


@rules.predicate
def is_own_practice(user: OrganisationMember, practice: Any) -> bool:
    """A good practice of the user's own authority (issue 16, part 2)."""
    if practice is None:
        return True
    return user.authority_id is not None and user.authority_id == practice.authority_id


# The state-wide exchange of experience (R8): every KPB and state body reads published good
# practice (practices.selectors.visible_practices narrows drafts to their KPB and the LZPD);
# the KPB writes its own; the LZPD publishes or returns.
rules.add_perm("practices.list_practices", police_or_state)
rules.add_perm("practices.view_practice", police_or_state)
rules.add_perm("practices.add_practice", is_kpb_staff)
rules.add_perm("practices.change_practice", is_kpb_staff & is_own_practice)
rules.add_perm("practices.review_practice", is_lzpd)
