"""The annual report's workflow: LZPD starts and generates a draft (Celery task, progress on the
row), the LKA agrees or comments, LZPD finalises; final versions never change, a correction is
version n+1; KPBs download only their own part of final versions."""

import hashlib
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from reports.annual import generation as report_generation
from reports.annual import workflow as report_workflow
from reports.annual.workflow import ReportError
from reports.models import AnnualReport, GenerationState, ReportFrozen, ReportReview, ReportStatus
from siko.audit import AuditEntry
from tests.conftest import client_for
from tests.factories.conferences import make_recorded_conference
from tests.factories.reports import agree_outline
from tests.helpers import assert_constant_queries, pdf_text

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
#: The workflow's tests need a PDF, not every section of it (those are tested on their own).
SHORT = [{"key": "summary", "intro": ""}, {"key": "methods", "intro": ""}]


def stored_pdf(report: AnnualReport) -> bytes:
    with report.pdf.open("rb") as handle:
        return handle.read()


@pytest.fixture
def generated(lzpd_user, kpb_a_user, django_capture_on_commit_callbacks):
    """A generated draft of the 2026 report (tasks run in-process on commit)."""
    make_recorded_conference(
        "pp-hagen",
        datetime(2025, 5, 6, 10, tzinfo=BERLIN),
        organiser=kpb_a_user,
        categories=["kommune", "zoll"],
        topics=["sicherheitslage"],
    )
    agree_outline(2026, SHORT)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_workflow.start_report(
            year=2026, by=lzpd_user, state_as_of=date(2026, 3, 1), outline=SHORT
        )
        report_workflow.request_generation(report, by=lzpd_user)
    report.refresh_from_db()
    return report


def agree_and_finalise(report, lka_user, lzpd_user, capture):
    report_workflow.record_review(report, by=lka_user, decision="agreed")
    with capture(execute=True):
        report_workflow.finalise(report, by=lzpd_user)
    report.refresh_from_db()
    return report


def test_draft_is_generated_with_progress_done_hash_and_entwurf_mark(generated):
    report = generated
    assert report.generation_state == GenerationState.DONE
    assert report.progress == 100
    content = stored_pdf(report)
    assert hashlib.sha256(content).hexdigest() == report.sha256
    text = pdf_text(content)
    assert "ENTWURF" in text
    assert "Fassung 1" in text
    assert report.data["period_year"] == 2025
    assert report_generation.verify_pdf(report)


def test_lka_agreement_then_final_version_without_entwurf_and_immutable(
    generated, lka_user, lzpd_user, django_capture_on_commit_callbacks
):
    draft_sha = generated.sha256
    report = agree_and_finalise(generated, lka_user, lzpd_user, django_capture_on_commit_callbacks)
    assert report.status == ReportStatus.FINAL
    assert report.agreed_sha256 == draft_sha
    assert report.finalised_by == lzpd_user and report.finalised_at is not None
    content = stored_pdf(report)
    assert hashlib.sha256(content).hexdigest() == report.sha256 != draft_sha
    text = pdf_text(content)
    assert "ENTWURF" not in text
    assert "Endfassung" in text
    # Every way of changing the final version is refused, the file keeps its hash.
    report.outline = [{"key": "methods", "intro": "geändert"}]
    with pytest.raises(ReportFrozen):
        report.save()
    with pytest.raises(ReportFrozen):
        report.delete()
    report.refresh_from_db()
    for step in (
        lambda: report_workflow.update_draft(
            report, by=lzpd_user, period_year=2025, state_as_of=None, outline=report.outline
        ),
        lambda: report_workflow.request_generation(report, by=lzpd_user),
        lambda: report_workflow.record_review(
            report, by=lka_user, decision="commented", comment="Noch etwas"
        ),
    ):
        with pytest.raises(ReportError):
            step()
    report.refresh_from_db()
    assert report.status == ReportStatus.FINAL and report_generation.verify_pdf(report)
    assert AuditEntry.objects.filter(action="annual_report.finalised").count() == 1


def test_correction_is_version_two_and_leaves_the_final_version(
    generated, lka_user, lzpd_user, django_capture_on_commit_callbacks
):
    final = agree_and_finalise(generated, lka_user, lzpd_user, django_capture_on_commit_callbacks)
    with pytest.raises(ReportError, match="Grund"):
        report_workflow.start_correction(final, by=lzpd_user, reason="  ")
    correction = report_workflow.start_correction(final, by=lzpd_user, reason="Zahl in Hagen")
    assert (correction.version, correction.status) == (2, ReportStatus.DRAFT)
    assert correction.outline == final.outline
    with pytest.raises(ReportError, match="neuere Fassung"):
        report_workflow.start_correction(final, by=lzpd_user, reason="noch einmal")
    with django_capture_on_commit_callbacks(execute=True):
        report_workflow.request_generation(correction, by=lzpd_user)
    correction.refresh_from_db()
    assert "Fassung 2" in pdf_text(stored_pdf(correction))
    final.refresh_from_db()
    assert final.status == ReportStatus.FINAL and report_generation.verify_pdf(final)
    assert list(AnnualReport.objects.filter(year=2026).values_list("version", flat=True)) == [2, 1]


def test_lka_comment_needs_text_and_keeps_the_draft(generated, lka_user, lzpd_user):
    with pytest.raises(ReportError, match="Anmerkungen"):
        report_workflow.record_review(generated, by=lka_user, decision="commented", comment="")
    report_workflow.record_review(
        generated, by=lka_user, decision="commented", comment="Bitte Tabelle 2 erläutern."
    )
    report_workflow.record_review(
        generated, by=lka_user, decision="commented", comment="Bitte Tabelle 2 erläutern."
    )  # double submission
    generated.refresh_from_db()
    assert generated.status == ReportStatus.DRAFT
    assert ReportReview.objects.filter(report=generated).count() == 1
    with pytest.raises(ReportError, match="Einvernehmen des LKA"):
        report_workflow.finalise(generated, by=lzpd_user)


def test_no_agreement_before_the_draft_exists(lzpd_user, lka_user):
    report = report_workflow.start_report(year=2026, by=lzpd_user)
    with pytest.raises(ReportError, match="noch nicht erzeugt"):
        report_workflow.record_review(report, by=lka_user, decision="agreed")


def test_a_stale_generation_is_dropped_and_a_second_request_is_a_no_op(
    lzpd_user, django_capture_on_commit_callbacks
):
    agree_outline(2026, SHORT)
    report = report_workflow.start_report(year=2026, by=lzpd_user, outline=SHORT)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report_workflow.request_generation(report, by=lzpd_user)
        report_workflow.request_generation(report, by=lzpd_user)  # double click
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert (report.generation, report.generation_state) == (1, GenerationState.PENDING)
    assert report_generation.run_generation(report.pk, generation=0) is False
    report.refresh_from_db()
    assert report.generation_state == GenerationState.PENDING and not report.pdf
    assert report_generation.run_generation(report.pk, generation=1) is True
    assert report_generation.run_generation(report.pk, generation=1) is False  # re-delivered
    report.refresh_from_db()
    assert report.generation_state == GenerationState.DONE


def test_a_broken_snapshot_marks_the_generation_failed_in_german(
    generated, lka_user, lzpd_user, django_capture_on_commit_callbacks
):
    report_workflow.record_review(generated, by=lka_user, decision="agreed")
    AnnualReport.objects.filter(pk=generated.pk).update(data={"rows": "kaputt"})
    with django_capture_on_commit_callbacks(execute=True):
        report_workflow.finalise(generated, by=lzpd_user)
    generated.refresh_from_db()
    assert generated.generation_state == GenerationState.FAILED
    assert generated.status == ReportStatus.AGREED
    assert "fehlgeschlagen" in generated.generation_error
    page = client_for(lzpd_user).get(generated.get_absolute_url())
    assert "Die Erzeugung ist fehlgeschlagen" in page.content.decode()


def test_start_refuses_bad_periods_and_a_second_report_of_the_year(lzpd_user):
    with pytest.raises(ReportError, match="vor dem Berichtsjahr"):
        report_workflow.start_report(year=2026, period_year=2026, by=lzpd_user)
    with pytest.raises(ReportError, match="im Jahr 2026"):
        report_workflow.start_report(year=2026, state_as_of=date(2025, 12, 1), by=lzpd_user)
    report_workflow.start_report(year=2026, by=lzpd_user)
    with pytest.raises(ReportError, match="bereits"):
        report_workflow.start_report(year=2026, by=lzpd_user)
    assert AnnualReport.objects.count() == 1


def test_new_report_takes_the_outline_of_the_last_agreed_one(
    generated, lka_user, lzpd_user, django_capture_on_commit_callbacks
):
    outline = [{"key": "methods", "intro": "Vorab die Methodik."}, {"key": "summary", "intro": ""}]
    report_workflow.update_draft(
        generated, by=lzpd_user, period_year=2025, state_as_of=None, outline=outline
    )
    agree_outline(2026, outline)
    with django_capture_on_commit_callbacks(execute=True):
        report_workflow.request_generation(generated, by=lzpd_user)
    generated.refresh_from_db()
    agree_and_finalise(generated, lka_user, lzpd_user, django_capture_on_commit_callbacks)
    # 2026 is still running in December 2026: the report 2027 judges the closed year 2025 here.
    next_year = report_workflow.start_report(year=2027, period_year=2025, by=lzpd_user)
    assert next_year.outline == outline
    text = pdf_text(stored_pdf(generated))
    assert text.index("Methodik") < text.index("Zusammenfassung")


# --- pages --------------------------------------------------------------------------------


def form_data(**overrides):
    data = {"year": "2026", "period_year": "2025", "state_as_of": "2026-03-01"}
    for number, key in enumerate(["summary", "authorities", "methods"], start=1):
        data.update({f"{key}_include": "on", f"{key}_order": str(number), f"{key}_intro": ""})
    for key in ("chart", "participation", "actions", "breaches", "comparison_groups"):
        data.update({f"{key}_order": "8", f"{key}_intro": ""})
    data.update(overrides)
    return data


def test_lzpd_starts_a_report_in_the_browser_form(lzpd_user, django_capture_on_commit_callbacks):
    client = client_for(lzpd_user)
    page = client.get(reverse("reports:annual_report_create"))
    assert page.status_code == 200
    assert 'name="summary_intro"' in page.content.decode()
    agree_outline(
        2026,
        [
            {"key": "summary", "intro": "Der Bericht folgt dem Erlass."},
            {"key": "authorities", "intro": ""},
            {"key": "methods", "intro": ""},
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:annual_report_create"),
            form_data(summary_intro="Der Bericht folgt dem Erlass."),
        )
    report = AnnualReport.objects.get()
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    assert [e["key"] for e in report.outline] == ["summary", "authorities", "methods"]
    detail = client.get(report.get_absolute_url()).content.decode()
    assert "PDF herunterladen (Fassung 1)" in detail
    assert "Der Bericht folgt dem Erlass." in pdf_text(stored_pdf(report))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"period_year": "2026"}, "vor dem Berichtsjahr"),
        ({"state_as_of": "2025-05-01"}, "Tag im Berichtsjahr 2026"),
        ({"authorities_order": "1"}, "dieselbe Position"),
        (
            {"summary_include": "", "authorities_include": "", "methods_include": ""},
            "mindestens einen Abschnitt",
        ),
        ({"year": "zwanzig"}, "ganze Zahl"),
    ],
)
def test_bad_form_input_re_renders_with_a_german_message_and_creates_nothing(
    lzpd_user, overrides, message
):
    response = client_for(lzpd_user).post(
        reverse("reports:annual_report_create"), form_data(**overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AnnualReport.objects.exists()


def test_progress_fragment_polls_slower_and_stops_when_done(lzpd_user):
    report = report_workflow.start_report(year=2026, by=lzpd_user)
    AnnualReport.objects.filter(pk=report.pk).update(
        generation_state=GenerationState.RUNNING, progress=40, progress_step="PDF wird gesetzt"
    )
    client = client_for(lzpd_user)
    url = reverse("reports:annual_report_progress", args=[report.pk])
    first = client.get(url).content.decode()
    assert 'value="40"' in first and 'hx-trigger="load delay:1s"' in first
    later = client.get(url + "?n=6").content.decode()
    assert 'hx-trigger="load delay:8s"' in later
    assert "n=7" in later
    AnnualReport.objects.filter(pk=report.pk).update(
        generation_state=GenerationState.FAILED, generation_error="Fehlgeschlagen."
    )
    done = client.get(url).content.decode()
    assert "hx-trigger" not in done and "Fehlgeschlagen." in done


def test_progress_fragment_needs_a_constant_number_of_queries(lzpd_user):
    report = report_workflow.start_report(year=2026, by=lzpd_user)
    client = client_for(lzpd_user)
    url = reverse("reports:annual_report_progress", args=[report.pk])

    def more_reviews():
        ReportReview.objects.create(
            report=report, decision="commented", comment="x", sha256="0" * 64, created_by=lzpd_user
        )

    assert_constant_queries(client, url, more_reviews)


def test_lka_review_page_records_agreement(generated, lka_user):
    client = client_for(lka_user)
    url = reverse("reports:annual_report_review", args=[generated.pk])
    page = client.get(url).content.decode()
    assert f'value="{generated.sha256}"' in page  # the draft being read travels with the form
    bad = client.post(
        url, {"decision": "commented", "comment": "", "read_sha256": generated.sha256}
    )
    assert "Bitte schreiben Sie Ihre Anmerkungen." in bad.content.decode()
    response = client.post(
        url, {"decision": "agreed", "comment": "", "read_sha256": generated.sha256}
    )
    assert response.status_code == 302
    generated.refresh_from_db()
    assert generated.status == ReportStatus.AGREED and generated.agreed_by == lka_user
    assert "Einvernehmen erteilt" in client.get(generated.get_absolute_url()).content.decode()


def test_kpb_sees_only_final_versions_and_downloads_only_its_own_part(
    generated, lka_user, lzpd_user, kpb_a_user, django_capture_on_commit_callbacks
):
    client = client_for(kpb_a_user)
    part = reverse("reports:annual_report_part", args=[generated.pk, "pp-dortmund"])
    assert client.get(part).status_code == 404  # a draft is not for KPBs
    assert (
        "Es gibt noch keine Endfassung eines Jahresberichts."
        in client.get(reverse("reports:annual_report_list")).content.decode()
    )
    agree_and_finalise(generated, lka_user, lzpd_user, django_capture_on_commit_callbacks)
    listing = client.get(reverse("reports:annual_report_list")).content.decode()
    assert part in listing
    assert reverse("reports:annual_report_pdf", args=[generated.pk]) not in listing
    response = client.get(part)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert re.search(r"Dortmund", text)
    assert "Hagen" not in text
    other = reverse("reports:annual_report_part", args=[generated.pk, "pp-hagen"])
    assert client.get(other).status_code == 404
    assert client.get(reverse("reports:annual_report_pdf", args=[generated.pk])).status_code == 403


def test_state_bodies_download_pdf_csv_and_xlsx_of_every_version(generated, im_user):
    client = client_for(im_user)
    pdf = client.get(reverse("reports:annual_report_pdf", args=[generated.pk]))
    assert pdf.status_code == 200 and pdf.content == stored_pdf(generated)
    assert "entwurf" in pdf["Content-Disposition"]
    csv = client.get(reverse("reports:annual_report_csv", args=[generated.pk]))
    assert csv.status_code == 200 and "Hagen" in csv.content.decode("utf-8-sig")
    xlsx = client.get(reverse("reports:annual_report_xlsx", args=[generated.pk]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert (
        client.post(reverse("reports:annual_report_generate", args=[generated.pk])).status_code
        == 403
    )


def test_report_list_needs_a_constant_number_of_queries(lzpd_user, kpb_a_user):
    years = iter(range(2019, 2027))

    def another_final_report():
        AnnualReport.objects.create(
            year=next(years), period_year=2018, status="final", data={"rows": []}, sha256="0" * 64
        )

    for user in (lzpd_user, kpb_a_user):
        assert_constant_queries(
            client_for(user), reverse("reports:annual_report_list"), another_final_report
        )


def test_report_page_needs_a_constant_number_of_queries(generated, lzpd_user, lka_user):
    def another_review():
        ReportReview.objects.create(
            report=generated,
            decision="commented",
            comment="x",
            sha256=generated.sha256,
            created_by=lka_user,
        )

    assert_constant_queries(client_for(lzpd_user), generated.get_absolute_url(), another_review)


def test_only_the_lka_gives_the_agreement(generated, lzpd_user, admin_user):
    for user in (lzpd_user, admin_user):
        with pytest.raises(ReportError, match="Landeskriminalamt"):
            report_workflow.record_review(generated, by=user, decision="agreed")
        response = client_for(user).post(
            reverse("reports:annual_report_review", args=[generated.pk]), {"decision": "agreed"}
        )
        assert response.status_code == 403
    generated.refresh_from_db()
    assert generated.status == ReportStatus.DRAFT and not generated.reviews.exists()


def test_each_step_tells_the_next_one_by_mail_once(
    lzpd_user, lka_user, im_user, kpb_a_user, django_capture_on_commit_callbacks
):
    from notifications.models import OutgoingMail

    with django_capture_on_commit_callbacks(execute=True):
        agree_outline(2026, SHORT)
        report = report_workflow.start_report(year=2026, by=lzpd_user, outline=SHORT)
        report_workflow.request_generation(report, by=lzpd_user)
    report.refresh_from_db()
    ready = OutgoingMail.objects.get(to=lka_user.email)
    assert "Entwurf zur Prüfung" in ready.subject
    assert reverse("reports:annual_report_review", args=[report.pk]) in ready.body_text
    with django_capture_on_commit_callbacks(execute=True):
        report_workflow.record_review(
            report, by=lka_user, decision="commented", comment="Bitte Seite 3 prüfen."
        )
        report_workflow.record_review(
            report, by=lka_user, decision="commented", comment="Bitte Seite 3 prüfen."
        )  # double submission
    to_lzpd = OutgoingMail.objects.get(to=lzpd_user.email)
    assert "Anmerkungen" in to_lzpd.subject and "Bitte Seite 3 prüfen." in to_lzpd.body_text
    with django_capture_on_commit_callbacks(execute=True):
        report_workflow.record_review(report, by=lka_user, decision="agreed")
        report_workflow.finalise(report, by=lzpd_user)
    report.refresh_from_db()
    finals = OutgoingMail.objects.filter(subject__contains="Endfassung liegt vor")
    assert sorted(finals.values_list("to", flat=True)) == sorted([lka_user.email, im_user.email])
    assert report.sha256 in finals.first().body_text
    assert not OutgoingMail.objects.filter(to=kpb_a_user.email).exists()
    assert OutgoingMail.objects.filter(to=lzpd_user.email).count() == 2  # comment, agreement


def test_a_draft_generated_again_with_the_same_content_keeps_its_file_and_the_agreement(
    generated, lka_user, lzpd_user, django_capture_on_commit_callbacks
):
    read, file_name = generated.sha256, generated.pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        report_workflow.request_generation(generated, by=lzpd_user)
    generated.refresh_from_db()
    assert generated.generation_state == GenerationState.DONE
    assert (generated.sha256, generated.pdf.name) == (read, file_name)
    assert report_generation.verify_pdf(generated)
    report_workflow.record_review(generated, by=lka_user, decision="agreed", read_sha256=read)
    generated.refresh_from_db()
    assert generated.status == ReportStatus.AGREED and generated.agreed_sha256 == read


def test_an_agreement_to_a_draft_that_was_generated_again_meanwhile_is_refused(
    generated, lka_user, lzpd_user, django_capture_on_commit_callbacks
):
    read = generated.sha256
    report_workflow.update_draft(
        generated, by=lzpd_user, period_year=2025, state_as_of=date(2026, 3, 2), outline=SHORT
    )
    with django_capture_on_commit_callbacks(execute=True):
        report_workflow.request_generation(generated, by=lzpd_user)
    generated.refresh_from_db()
    assert generated.sha256 != read
    response = client_for(lka_user).post(
        reverse("reports:annual_report_review", args=[generated.pk]),
        {"decision": "agreed", "comment": "", "read_sha256": read},
    )
    assert response.status_code == 200
    assert "inzwischen neu erzeugt" in response.content.decode()
    generated.refresh_from_db()
    assert generated.status == ReportStatus.DRAFT and not generated.reviews.exists()


def test_changing_the_outline_during_a_generation_drops_the_stale_result(
    lzpd_user, django_capture_on_commit_callbacks
):
    agree_outline(2026, SHORT)
    report = report_workflow.start_report(year=2026, by=lzpd_user, outline=SHORT)
    with django_capture_on_commit_callbacks(execute=False):
        report_workflow.request_generation(report, by=lzpd_user)  # generation 1, not run yet
    report_workflow.update_draft(
        report,
        by=lzpd_user,
        period_year=2025,
        state_as_of=None,
        outline=[{"key": "methods", "intro": "Neu."}],
    )
    agree_outline(2026, [{"key": "methods", "intro": "Neu."}])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report_workflow.request_generation(report, by=lzpd_user)
    assert report_generation.run_generation(report.pk, generation=1) is False  # the old one
    for callback in callbacks:
        callback()
    report.refresh_from_db()
    assert report.generation_state == GenerationState.DONE
    text = pdf_text(stored_pdf(report))
    assert "Neu." in text and "Zusammenfassung" not in text


def test_a_double_submitted_start_lands_on_the_one_report(
    lzpd_user, django_capture_on_commit_callbacks
):
    client = client_for(lzpd_user)
    url = reverse("reports:annual_report_create")
    data = form_data()
    data.update({f"{key}_include": "" for key in ("authorities",)})
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, data)
        second = client.post(url, data)
    report = AnnualReport.objects.get()
    assert first.url == second.url == report.get_absolute_url()
    page = client.get(second.url).content.decode()
    assert "gibt es den Bericht bereits" in page
