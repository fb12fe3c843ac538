import pytest
from django.core.management import call_command

from authorities.enums import DECREE_CATEGORIES, AuthorityKind, PartnerCategory
from authorities.models import Authority, Coverage, PartnerAgency
from authorities.seeding import seed_nrw

pytestmark = pytest.mark.django_db


def test_seed_loads_all_47_authorities_with_official_facts():
    assert Authority.objects.count() == 47
    assert Authority.objects.filter(kind=AuthorityKind.PP).count() == 18
    assert Authority.objects.filter(kind=AuthorityKind.LR).count() == 29
    dortmund = Authority.objects.get(slug="pp-dortmund")
    assert dortmund.official_name == "Polizeipräsidium Dortmund"
    assert dortmund.regierungsbezirk == "Arnsberg"
    assert dortmund.area_units == ["Dortmund", "Kreis Unna (nur Stadt Lünen)"]


def test_seed_marks_exactly_the_five_autobahnpolizei_authorities():
    slugs = set(Authority.objects.filter(has_autobahnpolizei=True).values_list("slug", flat=True))
    assert slugs == {"pp-bielefeld", "pp-muenster", "pp-dortmund", "pp-duesseldorf", "pp-koeln"}


def test_seed_gives_every_authority_a_partner_in_each_decree_category():
    for authority in Authority.objects.all():
        categories = set(
            Coverage.objects.filter(authority=authority).values_list("agency__category", flat=True)
        )
        missing = {c.value for c in DECREE_CATEGORIES} - categories
        assert not missing, f"{authority.slug} lacks {missing}"


def test_schulamt_is_routed_via_its_bezirksregierung():
    schulamt = PartnerAgency.objects.get(slug="sa-stadt-dortmund")
    assert schulamt.category == PartnerCategory.SCHULAMT
    assert schulamt.routed_via.slug == "br-arnsberg"


def test_uncertain_links_stay_visible_as_uncertain_coverage():
    coverage = Coverage.objects.get(agency__slug="bpoli-aachen", authority__slug="lr-dueren")
    assert coverage.certain is False
    assert Coverage.objects.get(agency__slug="bpoli-aachen", authority__slug="pp-aachen").certain


def test_municipal_partner_spanning_two_authorities_carries_the_partial_note():
    kreis_unna = PartnerAgency.objects.get(slug="kommune-kreis-unna")
    notes = dict(kreis_unna.coverages.values_list("authority__slug", "note"))
    assert notes == {"lr-unna": "ohne Stadt Lünen", "pp-dortmund": "nur Stadt Lünen"}
    assert PartnerAgency.objects.get(slug="kommune-bochum").name == "Stadt Bochum"


def test_second_seed_run_changes_nothing():
    before = {
        "authorities": list(Authority.objects.order_by("pk").values()),
        "agencies": list(PartnerAgency.objects.order_by("pk").values()),
        "coverages": list(Coverage.objects.order_by("pk").values()),
    }
    result = seed_nrw()
    after = {
        "authorities": list(Authority.objects.order_by("pk").values()),
        "agencies": list(PartnerAgency.objects.order_by("pk").values()),
        "coverages": list(Coverage.objects.order_by("pk").values()),
    }
    assert result.changes == 0
    assert after == before


def test_seed_restores_a_changed_fact():
    Authority.objects.filter(slug="pp-hagen").update(seat="Irgendwo")
    result = seed_nrw()
    assert result.updated == 1
    assert Authority.objects.get(slug="pp-hagen").seat == "Hagen"


def test_seed_nrw_command_reports_no_changes_on_second_run(capsys):
    call_command("seed_nrw")
    assert "0 neu, 0 geändert" in capsys.readouterr().out


def test_seed_demo_prints_one_user_per_role(capsys, settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    out = capsys.readouterr().out
    for username in ("kpb-dortmund", "lzpd", "lka", "im", "partner-sta-dortmund", "admin"):
        assert username in out
    assert "SiKo-Demo-2026!" in out
    from conferences.models import Conference

    held_years = set(Conference.objects.filter(status="held").values_list("start__year", flat=True))
    assert len(held_years) >= 3  # several years of conferences
    from reports.models import AnnualReport

    report = AnnualReport.objects.get()  # a generated draft of this year's report for the LKA
    assert report.status == "draft" and report.has_pdf
    assert "als Entwurf erzeugt" in out
    call_command("seed_demo")
    again = capsys.readouterr().out
    assert "0 Demo-Konferenzen angelegt." in again
    assert AnnualReport.objects.count() == 1
