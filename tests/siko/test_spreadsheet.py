"""The formula guard: no CSV or XLSX export hands a spreadsheet a live formula.

Every text field that an export writes gets a value starting with a formula trigger; each export
is downloaded as its user would download it. No CSV cell may start with a trigger, no XLSX cell
may be a formula, and the planted text must still be there (behind the guard).
"""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from authorities.csv_io import parse_partner_csv
from authorities.models import Authority, ComparisonGroup, Contact, PartnerAgency
from conferences.models import Invitation, MandatedTopic
from followup.models import Action
from siko.spreadsheet import FORMULA_TRIGGERS, guard_cell, guard_row, unguard_cell
from tests.conftest import client_for
from tests.factories.conferences import make_conference, make_recorded_conference
from tests.factories.reports import make_final_report

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
PREFIXES = ("=", "+", "-", "@", "\t=", "\r=")


def hostile(label: str, number: int) -> str:
    return f'{PREFIXES[number % len(PREFIXES)]}HYPERLINK("http://evil.example","{label}")'


@pytest.mark.parametrize(
    "value",
    [hostile("x", n) for n in range(len(PREFIXES))]
    + ["'=1+1", "''@x", "'", "=", "-", "Kreis Borken", "", "'Zitat'"],
)
def test_guard_then_unguard_gives_back_the_value(value):
    guarded = guard_cell(value)

    assert not guarded.startswith(FORMULA_TRIGGERS)
    assert unguard_cell(guarded) == value


def test_guard_leaves_numbers_and_plain_text_alone():
    assert guard_row([-5, 3.5, None, "Saal 1", "=1+1"]) == [-5, 3.5, None, "Saal 1", "'=1+1"]


@pytest.fixture
def planted(kpb_a_user) -> dict[str, list[str]]:
    """Hostile text in every field an export writes, for Dortmund; export → planted values."""
    values = iter(range(100))

    def plant(label: str) -> str:
        return hostile(label, next(values))

    dortmund = Authority.objects.get(slug="pp-dortmund")
    dortmund.short_name = plant("Kurzname")
    dortmund.save()
    group = ComparisonGroup.objects.create(name=plant("Vergleichsgruppe"))
    Authority.objects.filter(pk=dortmund.pk).update(comparison_group=group)
    MandatedTopic.objects.filter(key="sicherheitslage").update(title=plant("Thema"))

    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    router = PartnerAgency.objects.get(slug="br-arnsberg")
    router.name = plant("Weiterleitung")
    router.save()
    agency.name = plant("Partner")
    agency.seat = plant("Sitz")
    agency.address = plant("Anschrift")
    agency.responsibility = plant("Zuständigkeit")
    agency.routed_via = router
    agency.save()
    contact = Contact.objects.create(
        agency=agency,
        name=plant("Ansprechperson"),
        function=plant("Funktion"),
        email="=1+1@evil.example",
        phone="+49 231 132-0",
    )

    conference = make_conference(kpb_a_user, title=plant("Titel"), place=plant("Ort"))
    invitation = Invitation.objects.create(
        conference=conference,
        agency=agency,
        state="delegated",
        delegate_name=plant("Vertretung"),
        delegate_function=plant("VertretungFunktion"),
        comment=plant("Anmerkung"),
    )
    due = conference.start.date() + timedelta(days=30)
    partner_action = Action.objects.create(
        conference=conference,
        text=plant("Maßnahme"),
        owner_agency=agency,
        due_date=due,
        state="open",
    )
    police_action = Action.objects.create(
        conference=conference,
        text=plant("Polizeimaßnahme"),
        owner_is_police=True,
        due_date=due,
        state="open",
    )

    held = make_recorded_conference(
        "pp-dortmund",
        datetime(2025, 5, 6, 10, tzinfo=BERLIN),
        organiser=kpb_a_user,
        categories=["staatsanwaltschaft"],
        topics=["sicherheitslage"],
    )
    held.title = plant("Titel2025")
    held.save()

    return {
        "participants": [
            agency.name,
            f"{invitation.delegate_name} ({invitation.delegate_function})",
        ],
        "actions": [
            dortmund.short_name,
            conference.title,
            partner_action.text,
            police_action.text,
            agency.name,
        ],
        "partners": [
            agency.name,
            agency.seat,
            agency.address,
            agency.responsibility,
            router.name,
            contact.name,
            contact.function,
            contact.email,
            contact.phone,
        ],
        "report": [
            dortmund.short_name,
            group.name,
            MandatedTopic.objects.get(key="sicherheitslage").title,
        ],
    }


def csv_cells(content: bytes) -> list[str]:
    text = content.decode("utf-8-sig")
    return [
        cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") for cell in row
    ]


def assert_guarded_csv(content: bytes, expected: list[str]) -> None:
    cells = csv_cells(content)
    assert [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)] == []
    shown = {unguard_cell(cell) for cell in cells}
    assert [value for value in expected if value not in shown] == []


def annual_report_pk() -> int:
    report = make_final_report()
    return report.pk


def test_no_csv_export_contains_a_live_formula(planted, kpb_a_user, lzpd_user):
    kpb, lzpd = client_for(kpb_a_user), client_for(lzpd_user)
    conference = Action.objects.get(owner_is_police=True).conference
    report = annual_report_pk()

    downloads = {
        "participants": kpb.get(
            reverse("conferences:participants_csv", kwargs={"pk": conference.pk})
        ),
        "actions": kpb.get(reverse("conferences:action_export")),
        "partners": kpb.get(reverse("authorities:partner_export")),
        "report": lzpd.get(reverse("reports:annual_report_csv", args=[report])),
    }

    for export, response in downloads.items():
        assert response.status_code == 200, export
        assert_guarded_csv(response.content, planted[export])


def test_xlsx_export_stores_hostile_text_as_text_cells(planted, lzpd_user):
    report = annual_report_pk()
    response = client_for(lzpd_user).get(reverse("reports:annual_report_xlsx", args=[report]))

    workbook = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    triggered = [
        cell
        for cell in cells
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS)
    ]
    assert [
        (c.coordinate, c.data_type, c.quotePrefix)
        for c in triggered
        if (c.data_type, c.quotePrefix) != ("s", True)
    ] == []
    shown = {cell.value for cell in cells}
    assert [value for value in planted["report"] if value not in shown] == []


def test_guarded_partner_export_imports_back_unchanged(kpb_a_user):
    # Values as the directory form stores them (stripped), one of them starting with an
    # apostrophe before a trigger, which the guard must keep apart from its own apostrophe.
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    agency.name = hostile("Partner", 0)
    agency.seat = hostile("Sitz", 1)
    agency.address = "'=1+1"
    agency.responsibility = hostile("Zuständigkeit", 3)
    agency.save()
    Contact.objects.create(
        agency=agency,
        name=hostile("Ansprechperson", 2),
        function=hostile("Funktion", 3),
        email="=1+1@evil.example",
        phone="+49 231 132-0",
    )
    exported = client_for(kpb_a_user).get(reverse("authorities:partner_export")).content
    assert ";''=1+1;" in exported.decode("utf-8-sig")

    preview = parse_partner_csv(exported, user=kpb_a_user)

    assert preview.file_errors == []
    assert [
        (row.name, row.errors, row.changes) for row in preview.rows if row.action != "unchanged"
    ] == []
