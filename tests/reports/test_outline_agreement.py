"""The ministry agrees the report's outline beforehand (DESIGN R8): the LZPD proposes, IM agrees
or asks for changes with a comment, only then does the draft go to the LKA; an agreed outline is
frozen for its year; mails go once each; the LZPD is reminded after the due day."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutgoingMail, Reminder
from notifications.reminders import run_reminder_job
from reports.annual import outline_agreement
from reports.annual import workflow as report_workflow
from reports.annual.outline_agreement import OutlineAgreementError
from reports.annual.outline_reminders import OUTLINE_DUE, plan_outline_reminders
from reports.annual.workflow import ReportError
from reports.models import AnnualReport, OutlineProposal, OutlineState, ReportStatus
from tests.conftest import client_for
from tests.helpers import assert_constant_queries, pdf_text

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
SHORT = [{"key": "summary", "intro": ""}, {"key": "methods", "intro": ""}]
CHANGED = [{"key": "methods", "intro": "Zuerst die Methodik."}, {"key": "summary", "intro": ""}]


def stored_pdf(report: AnnualReport) -> bytes:
    with report.pdf.open("rb") as handle:
        return handle.read()


def mails_to(user) -> list[str]:
    return list(OutgoingMail.objects.filter(to=user.email).values_list("subject", flat=True))


@pytest.fixture
def draft(lzpd_user):
    return report_workflow.start_report(year=2026, by=lzpd_user, outline=SHORT)


def propose(report, user):
    proposal, _created = outline_agreement.propose_outline(
        year=report.year, outline=report.outline, by=user
    )
    return proposal


def test_happy_path_propose_agree_then_the_draft_goes_to_the_lka_and_the_annex_names_it(
    draft, lzpd_user, im_user, lka_user, django_capture_on_commit_callbacks
):
    with pytest.raises(ReportError, match="erst vorgelegt werden, wenn das Ministerium"):
        report_workflow.request_generation(draft, by=lzpd_user)
    proposal = propose(draft, lzpd_user)
    assert mails_to(im_user) == ["Jahresbericht 2026: Gliederung zur Abstimmung"]
    with pytest.raises(ReportError, match="liegt dem Ministerium des Innern zur Abstimmung vor"):
        report_workflow.request_generation(draft, by=lzpd_user)

    outline_agreement.decide_outline(proposal, by=im_user, agree=True)
    assert mails_to(lzpd_user) == ["Jahresbericht 2026: Gliederung vom Ministerium abgestimmt"]
    with django_capture_on_commit_callbacks(execute=True):
        report_workflow.request_generation(draft, by=lzpd_user)
    draft.refresh_from_db()
    assert mails_to(lka_user) == [
        "Jahresbericht 2026, Fassung 1: Entwurf zur Prüfung durch das LKA"
    ]
    text = " ".join(pdf_text(stored_pdf(draft)).split())
    agreed_on = timezone.localdate(OutlineProposal.objects.get().decided_at)
    assert ("zugestimmt hat das Ministerium des Innern am " + f"{agreed_on:%d.%m.%Y}") in text
    report_workflow.record_review(draft, by=lka_user, decision="agreed")
    assert AnnualReport.objects.get().status == ReportStatus.AGREED


def test_annex_says_when_the_outline_is_not_agreed(draft):
    from datetime import date

    from reports.annual.generation import _outline_agreement
    from reports.annual.report import annual_report_html, collect_report_data

    html = annual_report_html(
        collect_report_data(2026, as_of=date(2026, 3, 1)),
        outline=SHORT,
        outline_agreement=_outline_agreement(draft),
    )
    assert "noch nicht mit dem Ministerium des Innern abgestimmt" in html


def test_changes_requested_need_a_comment_and_the_lzpd_proposes_again(draft, lzpd_user, im_user):
    proposal = propose(draft, lzpd_user)
    with pytest.raises(OutlineAgreementError, match="welche Änderungen"):
        outline_agreement.decide_outline(proposal, by=im_user, agree=False, comment="  ")
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by, mails_to(lzpd_user)) == (
        OutlineState.PROPOSED,
        None,
        [],
    )

    outline_agreement.decide_outline(
        proposal, by=im_user, agree=False, comment="Bitte die Methodik an den Anfang."
    )
    assert mails_to(lzpd_user) == ["Jahresbericht 2026: Änderungen an der Gliederung erbeten"]
    assert (
        "Bitte die Methodik an den Anfang."
        in OutgoingMail.objects.get(to=lzpd_user.email).body_text
    )
    with pytest.raises(ReportError, match="um Änderungen an der Gliederung"):
        report_workflow.request_generation(draft, by=lzpd_user)

    # Editing the outline once it is with the ministry is the new proposal.
    report_workflow.update_draft(
        draft, by=lzpd_user, period_year=2025, state_as_of=None, outline=CHANGED
    )
    second = outline_agreement.current_proposal(2026)
    assert (second.pk != proposal.pk, second.sections, second.state) == (
        True,
        CHANGED,
        OutlineState.PROPOSED,
    )
    assert len(mails_to(im_user)) == 2
    outline_agreement.decide_outline(second, by=im_user, agree=True)
    report_workflow.check_outline_agreed(AnnualReport.objects.get())  # no error


def test_an_agreed_outline_is_frozen_a_change_is_a_new_proposal(
    draft, lzpd_user, im_user, lka_user, django_capture_on_commit_callbacks
):
    agreed = propose(draft, lzpd_user)
    outline_agreement.decide_outline(agreed, by=im_user, agree=True)
    report_workflow.update_draft(
        draft, by=lzpd_user, period_year=2025, state_as_of=None, outline=CHANGED
    )
    agreed.refresh_from_db()
    assert (agreed.sections, agreed.state) == (SHORT, OutlineState.AGREED)  # unchanged
    assert OutlineProposal.objects.count() == 2
    assert outline_agreement.current_proposal(2026).state == OutlineState.PROPOSED
    with pytest.raises(ReportError, match="zur Abstimmung vor"):
        report_workflow.request_generation(draft, by=lzpd_user)
    # The old, agreed proposal is no longer the one to decide on.
    with pytest.raises(OutlineAgreementError, match="neuere Gliederung"):
        outline_agreement.decide_outline(agreed, by=im_user, agree=False, comment="Doch nicht.")

    outline_agreement.decide_outline(
        outline_agreement.current_proposal(2026), by=im_user, agree=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        report_workflow.request_generation(draft, by=lzpd_user)
    draft.refresh_from_db()
    assert draft.has_pdf


def test_the_lka_cannot_agree_a_draft_whose_outline_is_not_agreed(
    lzpd_user, im_user, lka_user, django_capture_on_commit_callbacks
):
    report = report_workflow.start_report(year=2026, by=lzpd_user, outline=SHORT)
    proposal = propose(report, lzpd_user)
    outline_agreement.decide_outline(proposal, by=im_user, agree=True)
    with django_capture_on_commit_callbacks(execute=True):
        report_workflow.request_generation(report, by=lzpd_user)
    report.refresh_from_db()
    # An administrator changes the outline directly: no new proposal, and the LKA is refused.
    AnnualReport.objects.filter(pk=report.pk).update(outline=CHANGED)
    report.refresh_from_db()
    with pytest.raises(ReportError, match="Ministerium"):
        report_workflow.record_review(report, by=lka_user, decision="agreed")
    assert AnnualReport.objects.get().status == ReportStatus.DRAFT


def test_double_submits_mail_once_each(draft, lzpd_user, im_user):
    first, created = outline_agreement.propose_outline(year=2026, outline=SHORT, by=lzpd_user)
    again, created_again = outline_agreement.propose_outline(year=2026, outline=SHORT, by=lzpd_user)
    assert (again.pk, created, created_again) == (first.pk, True, False)
    outline_agreement.decide_outline(first, by=im_user, agree=True)
    outline_agreement.decide_outline(first, by=im_user, agree=True)
    outline_agreement.propose_outline(year=2026, outline=SHORT, by=lzpd_user)  # agreed already
    assert (len(mails_to(im_user)), len(mails_to(lzpd_user))) == (1, 1)
    assert OutlineProposal.objects.count() == 1


def test_only_the_lzpd_proposes_and_only_the_ministry_decides(
    draft, lzpd_user, im_user, lka_user, kpb_a_user
):
    for user in (im_user, lka_user, kpb_a_user):
        with pytest.raises(OutlineAgreementError, match="legt das LZPD"):
            outline_agreement.propose_outline(year=2026, outline=SHORT, by=user)
    proposal = propose(draft, lzpd_user)
    for user in (lzpd_user, lka_user, kpb_a_user):
        with pytest.raises(OutlineAgreementError, match="entscheidet das Ministerium"):
            outline_agreement.decide_outline(proposal, by=user, agree=True)
    proposal.refresh_from_db()
    assert proposal.state == OutlineState.PROPOSED


# --- reminder ------------------------------------------------------------------------------


def at(month, day, hour=6):
    return datetime(2027, month, day, hour, 0, tzinfo=BERLIN)


def outline_reminders():
    return Reminder.objects.filter(rule=OUTLINE_DUE)


def test_reminder_after_the_due_day_when_not_agreed_once_per_lzpd_user(
    lzpd_user, django_capture_on_commit_callbacks
):
    assert plan_outline_reminders(now=at(5, 31)) == 0
    for hour in (6, 18):
        with django_capture_on_commit_callbacks(execute=True):
            run_reminder_job(now=at(6, 1, hour))
    sent = outline_reminders().filter(sent_at__isnull=False)
    assert list(sent.values_list("recipient", flat=True)) == [lzpd_user.email]
    delivered = [m for m in django_mail.outbox if "Gliederung" in m.subject]
    assert [m.subject for m in delivered] == [
        "Jahresbericht 2027: Gliederung noch nicht mit dem Ministerium abgestimmt"
    ]
    assert "Bisher wurde keine Gliederung vorgelegt." in delivered[0].body


def test_no_reminder_when_agreed_and_a_planned_one_is_cancelled(
    lzpd_user, im_user, django_capture_on_commit_callbacks
):
    assert plan_outline_reminders(now=at(6, 2)) == 1
    proposal, _ = outline_agreement.propose_outline(year=2027, outline=SHORT, by=lzpd_user)
    outline_agreement.decide_outline(proposal, by=im_user, agree=True)
    with django_capture_on_commit_callbacks(execute=True):
        run_reminder_job(now=at(6, 2, 7))
    reminder = outline_reminders().get()
    assert (reminder.sent_at, reminder.cancelled_at is not None) == (None, True)
    assert plan_outline_reminders(now=at(6, 3)) == 0


# --- pages ---------------------------------------------------------------------------------


def test_pages_lzpd_proposes_and_the_ministry_agrees(draft, lzpd_user, im_user):
    lzpd, ministry = client_for(lzpd_user), client_for(im_user)
    page = lzpd.get(draft.get_absolute_url()).content.decode()
    assert "noch nicht vorgelegt" in page and "Gliederung dem Ministerium vorlegen" in page
    url = reverse("reports:annual_report_outline_propose", args=[draft.pk])
    lzpd.post(url)
    lzpd.post(url)  # double click
    proposal = OutlineProposal.objects.get()

    listing = ministry.get(reverse("reports:annual_report_outlines")).content.decode()
    assert "Gliederung des Jahresberichts 2026" in listing
    decide = reverse("reports:annual_report_outline_decide", args=[proposal.pk])
    refused = ministry.post(decide, {"decision": "changes", "comment": ""})
    assert refused.status_code == 200
    assert "welche Änderungen Sie an der Gliederung erbitten" in refused.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == OutlineState.PROPOSED
    done = ministry.post(decide, {"decision": "agree", "comment": ""})
    assert done.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == OutlineState.AGREED
    page = lzpd.get(draft.get_absolute_url()).content.decode()
    assert "Das Ministerium des Innern hat dieser Gliederung am" in page
    assert len(mails_to(im_user)) == 1


def test_bad_decision_input_changes_nothing(draft, lzpd_user, im_user):
    proposal = propose(draft, lzpd_user)
    decide = reverse("reports:annual_report_outline_decide", args=[proposal.pk])
    response = client_for(im_user).post(decide, {"decision": "vielleicht"})
    assert response.status_code == 200
    proposal.refresh_from_db()
    assert (proposal.state, mails_to(lzpd_user)) == (OutlineState.PROPOSED, [])


def test_the_ministry_list_needs_a_constant_number_of_queries(draft, lzpd_user, im_user):
    proposal = propose(draft, lzpd_user)
    outline_agreement.decide_outline(proposal, by=im_user, agree=False, comment="Bitte kürzen.")

    def more_years():
        for year in (2024, 2025):
            outline_agreement.propose_outline(year=year, outline=SHORT, by=lzpd_user)
        outline_agreement.propose_outline(year=2026, outline=CHANGED, by=lzpd_user)

    assert_constant_queries(
        client_for(im_user), reverse("reports:annual_report_outlines"), more_years
    )
    listing = client_for(im_user).get(reverse("reports:annual_report_outlines")).content.decode()
    assert listing.count("entscheiden</a>") == 3 and "Bitte kürzen." in listing
