"""Every URL pattern × every role: the expected status. A new view without an entry fails here.

Objects belong to KPB A (Polizeipräsidium Dortmund); KPB B (Borken) must not see them (404),
read-only state bodies may not change them (403), anonymous visitors are sent to the login (302).
"""

import hashlib
import json
from collections import defaultdict
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from authorities.models import (
    Authority,
    ComparisonGroup,
    Contact,
    Exercise,
    Hospitation,
    PartnerAgency,
    User,
)
from conferences.enums import DocumentVisibility
from conferences.links import answer_token, overview_token
from conferences.models import Invitation
from conferences.uploads import upload_document
from followup.links import action_token
from followup.models import Action
from reports.annual.report import collect_report_data
from reports.models import AnnualReport, GenerationState, OutlineProposal, ReportStatus
from tests.conftest import ROLES
from tests.factories.conferences import make_conference
from tests.factories.cooperations import make_cooperation
from tests.factories.documents import pdf_bytes, upload
from tests.factories.practices import make_practice, pdf_upload

# Status per role, in the order of ROLES:
#            anonymous kpb_a kpb_b lzpd  lka   im    partner admin
ALL = lambda status: (status,) * len(ROLES)  # noqa: E731
LOGIN_REQUIRED_OK = (302, 200, 200, 200, 200, 200, 200, 200)
POLICE_OR_STATE = (302, 200, 200, 200, 200, 200, 403, 200)
OWN_AREA_READ = (302, 200, 404, 200, 200, 200, 403, 200)
OWN_AREA_CHANGE = (302, 200, 404, 200, 403, 403, 403, 200)
CONFERENCE_CHANGE = (302, 200, 404, 403, 403, 403, 403, 200)
CONFERENCE_POST_ONLY = (302, 405, 404, 403, 403, 403, 403, 405)
STATE_READ = (302, 403, 403, 200, 200, 200, 403, 200)
LZPD_ONLY = (302, 403, 403, 200, 403, 403, 403, 200)
LZPD_POST_ONLY = (302, 403, 403, 405, 403, 403, 403, 405)
# sta-dortmund covers four KPBs (Dortmund, Hamm, Unna, Recklinghausen): the LZPD keeps it.
SHARED_AGENCY_CHANGE = (302, 403, 404, 200, 403, 403, 403, 200)
OWN_AGENCY = "kommune-dortmund"  # covers Dortmund's area alone

API_DATA_URLS = (
    "api:body-list",
    "api:body-detail",
    "api:organization-list",
    "api:organization-detail",
    "api:meeting-list",
    "api:meeting-detail",
    "api:compliance-list",
    "api:report-list",
    "api:report-detail",
    "api:report-file",
)

EXPECTED: dict[str, tuple[int, ...]] = {
    "home": (302, 302, 302, 302, 302, 302, 302, 302),
    "healthz": ALL(200),
    "mailbox": (302, 403, 403, 403, 403, 403, 403, 200),
    "privacy": ALL(200),
    "accessibility": ALL(200),
    "personal_data": LZPD_ONLY,
    "audit_log": POLICE_OR_STATE,
    "login": (200, 302, 302, 302, 302, 302, 302, 302),
    "logout": ALL(405),
    "password_change": LOGIN_REQUIRED_OK,
    "password_change_done": LOGIN_REQUIRED_OK,
    "password_reset": ALL(200),
    "password_reset_done": ALL(200),
    "password_reset_confirm": ALL(200),
    "password_reset_complete": ALL(200),
    "otp_verify": (302, 302, 302, 302, 302, 302, 302, 302),
    "otp_setup": LOGIN_REQUIRED_OK,
    "otp_manage": POLICE_OR_STATE,
    # Passkey endpoints take only POST (JSON from the library's script): GET is 405 once allowed.
    **{
        f"otp_webauthn:credential-{step}": (302, 405, 405, 405, 405, 405, 403, 405)
        for step in (
            "registration-begin",
            "registration-complete",
            "authentication-begin",
            "authentication-complete",
        )
    },
    "otp_webauthn:js-i18n-catalog": ALL(200),
    "set_language": ALL(302),
    "authorities:authority_list": POLICE_OR_STATE,
    "authorities:authority_detail": OWN_AREA_READ,
    "authorities:partner_list": POLICE_OR_STATE,
    "authorities:partner_create": (302, 200, 200, 200, 403, 403, 403, 200),
    "authorities:partner_import": (302, 200, 200, 200, 403, 403, 403, 200),
    "authorities:partner_export": POLICE_OR_STATE,
    "authorities:authority_start_year": LZPD_ONLY,
    "authorities:partner_detail": (302, 200, 404, 200, 200, 200, 200, 200),
    "authorities:partner_update": OWN_AREA_CHANGE,
    "authorities:contact_create": OWN_AREA_CHANGE,
    "authorities:contact_update": OWN_AREA_CHANGE,
    "authorities:contact_delete": OWN_AREA_CHANGE,
    "authorities:hospitation_list": POLICE_OR_STATE,
    "authorities:hospitation_create": (302, 200, 200, 403, 403, 403, 403, 403),
    "authorities:hospitation_update": CONFERENCE_CHANGE,
    "authorities:exercise_list": POLICE_OR_STATE,
    "authorities:exercise_create": (302, 200, 200, 403, 403, 403, 403, 403),
    "authorities:exercise_update": CONFERENCE_CHANGE,
    "authorities:staff_import": (302, 403, 403, 403, 403, 403, 403, 200),
    "authorities:account_setup": ALL(404),  # a forged link; valid ones: test_staff_accounts
    "admin:index": (302, 302, 302, 302, 302, 302, 302, 200),
    "admin_login": ALL(302),
    "conferences:conference_list": POLICE_OR_STATE,
    "conferences:conference_create": (302, 200, 200, 403, 403, 403, 403, 403),
    "conferences:conference_record": (302, 200, 200, 403, 403, 403, 403, 403),
    "conferences:conference_detail": OWN_AREA_READ,
    "conferences:conference_update": CONFERENCE_CHANGE,
    # The clash warning while the dates are chosen (issue 15): like the forms it belongs to.
    "conferences:new_conference_clashes": (302, 200, 200, 403, 403, 403, 403, 403),
    "conferences:conference_clashes": CONFERENCE_CHANGE,
    "conferences:conference_cancel": CONFERENCE_CHANGE,
    # Only a co-host may leave (test_co_host_reads_but_does_not_change: 200 for KPB B).
    "conferences:conference_leave": (302, 403, 404, 403, 403, 403, 403, 403),
    "conferences:agenda": CONFERENCE_CHANGE,
    "conferences:agenda_item_update": CONFERENCE_CHANGE,
    "conferences:agenda_item_action": CONFERENCE_POST_ONLY,
    "conferences:invitations": CONFERENCE_CHANGE,
    "conferences:invitation_remove": CONFERENCE_POST_ONLY,
    "conferences:send": CONFERENCE_CHANGE,
    "conferences:invitation_letter_sent": CONFERENCE_POST_ONLY,
    "conferences:mail_log": OWN_AREA_READ,
    "conferences:send_progress": OWN_AREA_READ,
    "conferences:answer": ALL(200),
    # Conference documents (issue 16, part 4): the organiser manages, police and state bodies
    # read; an invited agency downloads through its answer link (a genuine one: every role).
    "conferences:documents": CONFERENCE_CHANGE,
    "conferences:document_download": OWN_AREA_READ,
    "conferences:document_delete": CONFERENCE_CHANGE,
    "conferences:document_announce": CONFERENCE_POST_ONLY,
    "conferences:answer_document": ALL(200),
    "conferences:answers_panel": OWN_AREA_READ,
    "conferences:remind_now": CONFERENCE_POST_ONLY,
    "conferences:record_answer": CONFERENCE_CHANGE,
    "conferences:participants_csv": OWN_AREA_READ,
    "conferences:participants_pdf": OWN_AREA_READ,
    "conferences:partner_overview_request": ALL(200),
    "conferences:partner_overview": ALL(200),
    "conferences:partner_invitations": (302, 403, 403, 403, 403, 403, 200, 403),
    "conferences:invitation_letter": OWN_AREA_READ,
    "conferences:conference_ics": OWN_AREA_READ,
    "conferences:calendar_feeds": (302, 200, 200, 200, 403, 403, 200, 200),
    "conferences:calendar_replies_unmatched": (302, 200, 200, 200, 403, 403, 403, 200),
    "conferences:calendar_feed": ALL(404),  # an unknown token; valid ones: test_letters_feeds
    "conferences:attendance": CONFERENCE_CHANGE,
    "conferences:agenda_actions": CONFERENCE_CHANGE,
    "conferences:minutes": OWN_AREA_READ,
    "conferences:minutes_edit": CONFERENCE_CHANGE,
    "conferences:minutes_circulate": CONFERENCE_CHANGE,
    "conferences:minutes_comment_resolve": CONFERENCE_POST_ONLY,
    "conferences:minutes_approve": CONFERENCE_CHANGE,
    "conferences:minutes_correction": CONFERENCE_CHANGE,
    # No approved version yet: 404 once allowed; the frozen PDF itself: test_minutes.
    "conferences:minutes_pdf": (302, 404, 404, 404, 404, 404, 403, 404),
    "conferences:minutes_comment": ALL(404),  # a forged token; valid ones: test_minutes
    "conferences:minutes_comment_pdf": ALL(404),  # a forged token; valid ones: test_minutes
    "conferences:action_list": POLICE_OR_STATE,
    "conferences:action_export": POLICE_OR_STATE,
    "conferences:action_detail": OWN_AREA_READ,
    "conferences:action_link": ALL(200),
    "conferences:conference_actions": OWN_AREA_READ,
    "reports:state": (302, 403, 403, 200, 200, 200, 403, 200),
    "reports:state_csv": (302, 403, 403, 200, 200, 200, 403, 200),
    "reports:state_xlsx": (302, 403, 403, 200, 200, 200, 403, 200),
    "reports:my_dashboard": (302, 200, 200, 302, 302, 302, 403, 302),
    "reports:authority_dashboard": OWN_AREA_READ,
    "reports:group_list": (302, 403, 403, 200, 200, 200, 403, 200),
    "reports:reminder_log": (302, 403, 403, 200, 200, 200, 403, 200),
    "reports:failed_mails": LZPD_ONLY,
    "reports:group_create": (302, 403, 403, 200, 403, 403, 403, 200),
    "reports:group_figures": POLICE_OR_STATE,
    "reports:group_update": (302, 403, 403, 200, 403, 403, 403, 200),
    "reports:group_delete": (302, 403, 403, 200, 403, 403, 403, 200),
    "reports:annual_report_list": POLICE_OR_STATE,
    "reports:annual_report_create": LZPD_ONLY,
    "reports:annual_report": STATE_READ,
    "reports:annual_report_progress": STATE_READ,
    "reports:annual_report_update": LZPD_ONLY,
    "reports:annual_report_generate": LZPD_POST_ONLY,
    "reports:annual_report_review": (302, 403, 403, 403, 200, 403, 403, 403),
    # DESIGN R8: only the LZPD (the admin account is one) proposes the outline, only IM decides.
    "reports:annual_report_outline_propose": LZPD_POST_ONLY,
    "reports:annual_report_outlines": (302, 403, 403, 403, 403, 200, 403, 403),
    "reports:annual_report_outline_decide": (302, 403, 403, 403, 403, 200, 403, 403),
    "reports:annual_report_finalise": LZPD_POST_ONLY,
    "reports:annual_report_correction": LZPD_ONLY,
    "reports:annual_report_pdf": STATE_READ,
    "reports:annual_report_part": OWN_AREA_READ,
    "reports:annual_report_csv": STATE_READ,
    "reports:annual_report_xlsx": STATE_READ,
    # Good practice (issue 16, part 2): the object is a draft of KPB A, so KPB B, LKA and IM do
    # not find it (only published practices are visible state-wide).
    "practices:list": POLICE_OR_STATE,
    "practices:create": (302, 200, 200, 403, 403, 403, 403, 403),
    "practices:proposals": POLICE_OR_STATE,
    "practices:detail": (302, 200, 404, 200, 404, 404, 403, 200),
    "practices:attachment": (302, 200, 404, 200, 404, 404, 403, 200),
    "practices:update": (302, 200, 404, 403, 404, 404, 403, 403),
    "practices:submit": (302, 405, 404, 403, 404, 404, 403, 403),
    "practices:decide": (302, 403, 404, 200, 404, 404, 403, 200),
    # Cooperation structures (issue 16, part 3): KPB staff keep their own, state bodies read.
    "cooperations:cooperation_list": POLICE_OR_STATE,
    "cooperations:cooperation_export": POLICE_OR_STATE,
    "cooperations:cooperation_create": (302, 200, 200, 403, 403, 403, 403, 403),
    "cooperations:cooperation_import": (302, 200, 200, 403, 403, 403, 403, 403),
    "cooperations:cooperation_update": (302, 200, 404, 403, 403, 403, 403, 403),
    "cooperations:agenda_offer": CONFERENCE_CHANGE,
    "cooperations:record_discussed": CONFERENCE_POST_ONLY,
    # The API takes no session: without a token every role gets 401 (API_TOKEN_EXPECTED below).
    **{name: ALL(401) for name in API_DATA_URLS},
    "api:schema": ALL(200),
    "api:docs": ALL(200),
}


def url_kwargs(name: str, objects: dict[str, Any]) -> dict[str, Any]:
    """Arguments for each URL: always objects of KPB A's area."""
    kwargs: dict[str, dict[str, Any]] = {
        "password_reset_confirm": {"uidb64": "MQ", "token": "ungueltig"},
        "authorities:authority_detail": {"slug": "pp-dortmund"},
        "authorities:partner_detail": {"slug": "sta-dortmund"},
        # An agency of Dortmund's area alone: KPB A keeps it (a shared one: SHARED_AGENCY_CHANGE).
        "authorities:partner_update": {"slug": OWN_AGENCY},
        "authorities:contact_create": {"slug": OWN_AGENCY},
        "authorities:contact_update": {"slug": OWN_AGENCY, "pk": objects["own_contact"].pk},
        "authorities:authority_start_year": {"slug": "pp-dortmund"},
        "authorities:contact_delete": {"slug": OWN_AGENCY, "pk": objects["own_contact"].pk},
        "authorities:hospitation_update": {"pk": objects["hospitation"].pk},
        "authorities:exercise_update": {"pk": objects["exercise"].pk},
        "authorities:account_setup": {"token": "gefaelscht"},
        "conferences:conference_detail": {"pk": objects["conference"].pk},
        "conferences:conference_update": {"pk": objects["conference"].pk},
        "conferences:conference_clashes": {"pk": objects["conference"].pk},
        "conferences:conference_cancel": {"pk": objects["conference"].pk},
        "conferences:conference_leave": {"pk": objects["conference"].pk},
        "conferences:agenda": {"pk": objects["conference"].pk},
        "conferences:agenda_item_update": {
            "pk": objects["conference"].pk,
            "item_pk": objects["agenda_item"].pk,
        },
        "conferences:agenda_item_action": {
            "pk": objects["conference"].pk,
            "item_pk": objects["agenda_item"].pk,
        },
        "conferences:invitations": {"pk": objects["conference"].pk},
        "conferences:invitation_remove": {
            "pk": objects["conference"].pk,
            "invitation_pk": objects["invitation"].pk,
        },
        "conferences:send": {"pk": objects["conference"].pk},
        "conferences:invitation_letter_sent": {
            "pk": objects["conference"].pk,
            "invitation_pk": objects["invitation"].pk,
        },
        "conferences:mail_log": {"pk": objects["conference"].pk},
        "conferences:send_progress": {"pk": objects["conference"].pk},
        "conferences:answer": {"token": objects["answer_token"]},
        **{
            f"conferences:document_{name}": {
                "pk": objects["conference"].pk,
                "document_pk": objects["document"].pk,
            }
            for name in ("download", "delete", "announce")
        },
        "conferences:documents": {"pk": objects["conference"].pk},
        "conferences:answer_document": {
            "token": objects["answer_token"],
            "document_pk": objects["document"].pk,
        },
        "conferences:answers_panel": {"pk": objects["conference"].pk},
        "conferences:remind_now": {"pk": objects["conference"].pk},
        "conferences:record_answer": {
            "pk": objects["conference"].pk,
            "invitation_pk": objects["invitation"].pk,
        },
        "conferences:participants_csv": {"pk": objects["conference"].pk},
        "conferences:participants_pdf": {"pk": objects["conference"].pk},
        "conferences:partner_overview": {"token": objects["overview_token"]},
        "conferences:invitation_letter": {
            "pk": objects["conference"].pk,
            "invitation_pk": objects["invitation"].pk,
        },
        "conferences:conference_ics": {"pk": objects["conference"].pk},
        "conferences:calendar_feed": {"token": "unbekanntes-abo"},
        "conferences:attendance": {"pk": objects["conference"].pk},
        "conferences:agenda_actions": {"pk": objects["conference"].pk},
        "conferences:minutes": {"pk": objects["conference"].pk},
        "conferences:minutes_edit": {"pk": objects["conference"].pk},
        "conferences:minutes_circulate": {"pk": objects["conference"].pk},
        "conferences:minutes_comment_resolve": {"pk": objects["conference"].pk, "comment_pk": 1},
        "conferences:minutes_approve": {"pk": objects["conference"].pk},
        "conferences:minutes_correction": {"pk": objects["conference"].pk},
        "conferences:minutes_pdf": {"pk": objects["conference"].pk, "version": 1},
        "conferences:minutes_comment": {"token": "gefaelscht:abc"},
        "conferences:minutes_comment_pdf": {"token": "gefaelscht:abc"},
        "conferences:action_detail": {"pk": objects["action"].pk},
        "conferences:action_link": {"token": objects["action_token"]},
        "conferences:conference_actions": {"pk": objects["conference"].pk},
        "reports:authority_dashboard": {"slug": "pp-dortmund"},
        "reports:group_update": {"pk": objects["comparison_group"].pk},
        "reports:group_delete": {"pk": objects["comparison_group"].pk},
        "reports:annual_report": {"pk": objects["final_report"].pk},
        "reports:annual_report_progress": {"pk": objects["final_report"].pk},
        "reports:annual_report_update": {"pk": objects["draft_report"].pk},
        "reports:annual_report_generate": {"pk": objects["draft_report"].pk},
        "reports:annual_report_review": {"pk": objects["draft_report"].pk},
        "reports:annual_report_outline_propose": {"pk": objects["draft_report"].pk},
        "reports:annual_report_outline_decide": {"pk": objects["outline_proposal"].pk},
        "reports:annual_report_finalise": {"pk": objects["draft_report"].pk},
        "reports:annual_report_correction": {"pk": objects["final_report"].pk},
        "reports:annual_report_pdf": {"pk": objects["final_report"].pk},
        "reports:annual_report_part": {"pk": objects["final_report"].pk, "slug": "pp-dortmund"},
        "reports:annual_report_csv": {"pk": objects["final_report"].pk},
        "reports:annual_report_xlsx": {"pk": objects["final_report"].pk},
        "api:body-detail": {"slug": "pp-dortmund"},
        "api:organization-detail": {"slug": "sta-dortmund"},
        "api:meeting-detail": {"pk": objects["conference"].pk},
        **{
            f"practices:{name}": {"pk": objects["practice"].pk}
            for name in ("detail", "attachment", "update", "submit", "decide")
        },
        "cooperations:cooperation_update": {"pk": objects["cooperation"].pk},
        "cooperations:agenda_offer": {"pk": objects["conference"].pk},
        "cooperations:record_discussed": {
            "pk": objects["conference"].pk,
            "cooperation_pk": objects["cooperation"].pk,
        },
        "api:report-detail": {"pk": objects["final_report"].pk},
        "api:report-file": {"pk": objects["final_report"].pk},
    }
    return kwargs.get(name, {})


def all_url_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    resolver = resolver or get_resolver()
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace == "admin":
                names.add("admin:index")  # Django's admin brings its own policy (staff only)
                continue
            names |= all_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {pattern.pattern} has no name"
            names.add(namespace + pattern.name)
    return names


def declared_policy(name: str) -> str:
    from django.urls import resolve

    kwargs = url_kwargs(
        name,
        defaultdict(
            lambda: SimpleNamespace(pk=1), answer_token="x", overview_token="x", action_token="x"
        ),
    )
    callback = resolve(reverse(name, kwargs=kwargs)).func
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        if getattr(view_class, "public", False):
            return f"public: {view_class.public_reason}"
        return getattr(view_class, "permission_required", "") or ""
    return getattr(callback, "siko_policy", "")


def test_every_url_pattern_has_an_expected_status_per_role():
    assert all_url_names() == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if not n.startswith("admin:")))
def test_every_view_declares_a_policy(name):
    assert declared_policy(name), f"{name} declares neither permission_required nor public"


@pytest.fixture
def objects(db, kpb_a_user):
    kpb_a = kpb_a_user
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    contact = Contact.objects.create(
        agency=agency,
        name="Erika Beispiel",
        function="Leitende OStA",
        email="erika.beispiel@example.org",
    )
    conference = make_conference(kpb_a)
    invitation = Invitation.objects.create(conference=conference, agency=agency, contact=contact)
    action = Action.objects.create(
        conference=conference,
        text="Lagebild Innenstadt",
        owner_agency=agency,
        due_date=conference.start.date() + timedelta(days=30),
    )
    return {
        "contact": contact,
        "own_contact": Contact.objects.create(
            agency=PartnerAgency.objects.get(slug=OWN_AGENCY),
            name="Max Beispiel",
            function="Oberbürgermeister",
            email="max.beispiel@example.org",
        ),
        "conference": conference,
        "invitation": invitation,
        "agenda_item": conference.agenda_items.first(),
        "answer_token": answer_token(invitation),
        "overview_token": overview_token(agency),
        "comparison_group": ComparisonGroup.objects.create(name="Großstädte"),
        "action": action,
        "hospitation": Hospitation.objects.create(
            authority=kpb_a.authority,
            agency=agency,
            direction="outgoing",
            start_date=date(2026, 3, 2),
            end_date=date(2026, 3, 4),
            participants=2,
        ),
        "exercise": Exercise.objects.create(
            authority=kpb_a.authority,
            organiser="Stadt Dortmund",
            title="Stromausfall",
            date=date(2026, 5, 6),
            liaison_took_part=True,
        ),
        "action_token": action_token(action),
        "document": upload_document(
            conference,
            upload=upload("lagebild.pdf", pdf_bytes()),
            title="Lagebild",
            visibility=DocumentVisibility.PARTNERS,
            by=kpb_a,
        ).document,
        "practice": make_practice(kpb_a, attachment=pdf_upload()),
        "cooperation": make_cooperation(kpb_a),
        **annual_reports(),
    }


_REPORT_DATA: dict[str, Any] = {}


def annual_reports() -> dict[str, Any]:
    """A final report of 2025 and a generated draft of 2026 (files stored; the figures are
    computed once per test session and reused), and the draft's outline proposed to IM."""
    if not _REPORT_DATA:
        _REPORT_DATA.update(
            json.loads(
                json.dumps(collect_report_data(2026, as_of=date(2026, 3, 1)), cls=DjangoJSONEncoder)
            )
        )
    reports = {}
    for name, year, status in (
        ("final_report", 2025, ReportStatus.FINAL),
        ("draft_report", 2026, ReportStatus.DRAFT),
    ):
        report = AnnualReport(
            year=year,
            period_year=year - 1,
            status=status,
            generation_state=GenerationState.DONE,
            data=_REPORT_DATA,
            sha256=hashlib.sha256(b"%PDF-1.7 test").hexdigest(),
        )
        report.pdf.save("bericht.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
        report.save()
        reports[name] = report
    proposer = User.objects.create(username="lzpd-gliederung", organisation_kind="lzpd")
    reports["outline_proposal"] = OutlineProposal.objects.create(
        year=2026, sections=reports["draft_report"].outline, proposed_by=proposer
    )
    return reports


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_status_for_every_role(name, personas, objects):
    url = reverse(name, kwargs=url_kwargs(name, objects))
    seen = {role: personas[role].get(url).status_code for role in ROLES}
    expected = dict(zip(ROLES, EXPECTED[name], strict=True))
    assert seen == expected, url


# The API with a token of each role's account (partners get none: no token, 401). A KPB reads
# its own authority's objects; B's token meets A's as 404. Each KPB downloads its own part of a
# final report, the state bodies the whole report.
#                  anonymous kpb_a kpb_b lzpd  lka   im   partner admin
API_OWN_AREA_READ = (401, 200, 404, 200, 200, 200, 401, 200)
API_READ = (401, 200, 200, 200, 200, 200, 401, 200)
API_TOKEN_EXPECTED = {
    "api:body-list": API_READ,
    "api:body-detail": API_OWN_AREA_READ,
    "api:organization-list": API_READ,
    "api:organization-detail": API_OWN_AREA_READ,  # sta-dortmund covers Dortmund, not Borken
    "api:meeting-list": API_READ,
    "api:meeting-detail": API_OWN_AREA_READ,
    "api:compliance-list": API_READ,
    "api:report-list": API_READ,
    "api:report-detail": API_READ,
    "api:report-file": API_READ,
}
API_QUERIES = {"api:compliance-list": "?year=2026"}


def test_every_api_url_has_an_expected_status_per_token_role():
    assert set(API_TOKEN_EXPECTED) == set(API_DATA_URLS)


@pytest.mark.parametrize("name", sorted(API_TOKEN_EXPECTED))
def test_api_status_for_every_role_with_its_token(name, personas, objects):
    from authorities.models import User
    from tests.factories.api import token_client

    url = reverse(name, kwargs=url_kwargs(name, objects)) + API_QUERIES.get(name, "")
    users = {role: User.objects.filter(username=role.replace("_", "-")).first() for role in ROLES}
    seen = {
        role: (
            token_client(users[role]).get(url)
            if role not in ("anonymous", "partner")
            else personas[role].get(url)
        ).status_code
        for role in ROLES
    }
    assert seen == dict(zip(ROLES, API_TOKEN_EXPECTED[name], strict=True)), url


SHARED_AGENCY_PAGES = (
    "authorities:partner_update",
    "authorities:contact_create",
    "authorities:contact_update",
    "authorities:contact_delete",
)


@pytest.mark.parametrize("name", SHARED_AGENCY_PAGES)
def test_shared_agency_is_changed_by_the_lzpd_not_by_a_kpb_of_its_area(name, personas, objects):
    kwargs = {"slug": "sta-dortmund"}
    if name in ("authorities:contact_update", "authorities:contact_delete"):
        kwargs["pk"] = objects["contact"].pk
    url = reverse(name, kwargs=kwargs)
    seen = {role: personas[role].get(url).status_code for role in ROLES}
    assert seen == dict(zip(ROLES, SHARED_AGENCY_CHANGE, strict=True)), url


# KPB B co-hosts KPB A's conference: it reads every page of it, changes nothing, and may leave.
CO_HOST_STATUS = {OWN_AREA_READ: 200, CONFERENCE_CHANGE: 403, CONFERENCE_POST_ONLY: 403}
CO_HOST_EXPECTED = {
    **{
        name: CO_HOST_STATUS[statuses]
        for name, statuses in EXPECTED.items()
        if name.startswith("conferences:") and statuses in CO_HOST_STATUS
    },
    "conferences:conference_leave": 200,
}


@pytest.mark.parametrize("name", sorted(CO_HOST_EXPECTED))
def test_co_host_reads_but_does_not_change(name, personas, objects):
    objects["conference"].authorities.add(Authority.objects.get(slug="lr-borken"))
    url = reverse(name, kwargs=url_kwargs(name, objects))
    assert personas["kpb_b"].get(url).status_code == CO_HOST_EXPECTED[name], url


def test_navigation_links_follow_the_permissions(personas, settings):
    """The main navigation offers a page exactly to the roles the page lets in."""
    settings.EMAIL_BACKEND = "siko.mail.LocalMailboxBackend"  # the mailbox link needs it
    feeds, mailbox, reports = "conferences:calendar_feeds", "mailbox", "reports:annual_report_list"
    logged_in = [role for role in ROLES if role not in ("anonymous", "partner")]
    seen = {
        role: [
            name
            for name in (feeds, mailbox, reports)
            if f'href="{reverse(name)}"'
            in personas[role].get(reverse("password_change")).content.decode()
        ]
        for role in logged_in
    }
    assert seen == {
        "kpb_a": [feeds, reports],
        "kpb_b": [feeds, reports],
        "lzpd": [feeds, reports],
        "lka": [reports],
        "im": [reports],
        "admin": [feeds, mailbox, reports],
    }
