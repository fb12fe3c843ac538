"""CSV import and export of the partner directory: preview, row errors, scope, round trip."""

import csv
import re
import time
from html import unescape

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from authorities.csv_io import apply_partner_import, export_partner_csv, parse_partner_csv
from authorities.models import Authority, Contact, Coverage, PartnerAgency
from siko.models import AuditEntry
from tests.conftest import client_for
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("authorities:partner_import")
EXPORT_URL = reverse("authorities:partner_export")
HEADER = "name;category;seat;contact_name;contact_function;contact_email\n"


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode(encoding)


def upload(client, data: bytes, filename: str = "partner.csv"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(filename, data, "text/csv")})


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "preview page without confirmation token"
    return unescape(match.group(1))


def import_file(client, data: bytes):
    """Upload, then confirm the preview as a user would; returns the final response."""
    preview = upload(client, data)
    assert preview.status_code == 200
    return client.post(IMPORT_URL, {"token": token_of(preview)}, follow=True)


def snapshot() -> list[tuple]:
    agencies = PartnerAgency.objects.values_list(
        "name", "category", "seat", "address", "responsibility", "routed_via_id"
    ).order_by("pk")
    contacts = Contact.objects.values_list("agency_id", "name", "function", "email").order_by("pk")
    coverages = Coverage.objects.values_list("agency_id", "authority_id").order_by("pk")
    return [*agencies, *contacts, *coverages]


def test_valid_import_creates_agencies_and_contacts_covered_by_own_authority(kpb_a_user):
    data = csv_bytes(
        "Jugendamt Dortmund;jugendamt;Dortmund;Erika Muster;Amtsleitung;erika@example.org",
        "Johanniter Dortmund;Hilfsorganisation;Dortmund;;;",
    )
    response = import_file(client_for(kpb_a_user), data)
    html = response.content.decode()
    assert "Import abgeschlossen: 2 neu angelegt, 0 geändert, 0 unverändert" in html
    jugendamt = PartnerAgency.objects.get(name="Jugendamt Dortmund")
    assert jugendamt.category == "jugendamt"
    assert [c.authority.slug for c in jugendamt.coverages.all()] == ["pp-dortmund"]
    assert [(c.name, c.function, c.email) for c in jugendamt.contacts.all()] == [
        ("Erika Muster", "Amtsleitung", "erika@example.org")
    ]
    johanniter = PartnerAgency.objects.get(name="Johanniter Dortmund")
    assert johanniter.category == "hilfsorganisation"
    assert johanniter.contacts.count() == 0
    audit = AuditEntry.objects.filter(action="partner.imported").order_by("pk")
    assert [e.object_repr for e in audit] == ["Jugendamt Dortmund", "Johanniter Dortmund"]
    assert "erika" not in str([e.data for e in audit]).lower()


def test_preview_shows_each_row_and_changes_nothing(kpb_a_user):
    before = snapshot()
    response = upload(
        client_for(kpb_a_user),
        csv_bytes(
            "Jugendamt Dortmund;jugendamt;Dortmund;;;",
            "Stadt Dortmund;kommune;Dortmund-Mitte;;;",
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="token"' in html
    rows = [(row.number, row.name, row.action) for row in response.context["preview"].rows]
    assert rows == [(2, "Jugendamt Dortmund", "new"), (3, "Stadt Dortmund", "update")]
    assert snapshot() == before
    assert not AuditEntry.objects.filter(action="partner.imported").exists()


def test_reimport_of_the_same_file_is_unchanged(kpb_a_user):
    client = client_for(kpb_a_user)
    data = csv_bytes("Jugendamt Dortmund;jugendamt;Dortmund;Erika Muster;Amtsleitung;")
    import_file(client, data)
    before = snapshot()
    response = upload(client, data)
    assert [row.action for row in response.context["preview"].rows] == ["unchanged"]
    assert "Die Datei enthält keine Änderung" in response.content.decode()
    assert snapshot() == before


def test_semicolon_comma_and_bom_files_are_read_alike(kpb_a_user):
    semicolon = parse_partner_csv(
        csv_bytes("Jugendamt Dortmund;jugendamt;Dortmund;;;"), user=kpb_a_user
    )
    comma = parse_partner_csv(
        csv_bytes(
            '"Jugendamt Dortmund",jugendamt,"Dortmund, Stadt",,,', header=HEADER.replace(";", ",")
        ),
        user=kpb_a_user,
    )
    bom = parse_partner_csv(
        b"\xef\xbb\xbf" + csv_bytes("Jugendamt Dortmund;Jugendamt;;;;"), user=kpb_a_user
    )
    for preview in (semicolon, comma, bom):
        assert preview.file_errors == []
        assert [(row.name, row.action) for row in preview.rows] == [("Jugendamt Dortmund", "new")]
    assert comma.rows[0].values["seat"] == "Dortmund, Stadt"


def test_latin1_file_is_rejected_with_german_message_and_nothing_changes(kpb_a_user):
    before = snapshot()
    response = upload(
        client_for(kpb_a_user), csv_bytes("Jugendamt Lünen;jugendamt;Lünen;;;", encoding="latin-1")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "nicht UTF-8-kodiert" in html
    assert "Zeile 2" in html
    assert 'name="token"' not in html
    assert snapshot() == before


def test_missing_columns_are_named_and_nothing_changes(kpb_a_user):
    before = snapshot()
    response = upload(
        client_for(kpb_a_user), csv_bytes("Jugendamt Dortmund;Dortmund", header="name;seat\n")
    )
    html = unescape(response.content.decode())
    assert "In der Kopfzeile fehlen die Pflichtspalten category" in html
    assert 'name="token"' not in html
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Datei ist leer."),
        (b" \r\n\n", "Die Datei ist leer."),
        (b"name;category\n", "Die Datei enthält keine Datenzeilen."),
        (b"PK\x03\x04\x14\x00\x06\x00", "keine CSV-Datei"),
        (b"name;category\n" + b"x" * (2 * 1024 * 1024), "zu groß"),
        (b"name;category\n" + b"Amt;sonstige\n" * 5001, "mehr als 5000 Datenzeilen"),
        (b"name;Name;category\nA;A;sonstige\n", "mehrfach in der Kopfzeile"),
    ],
)
def test_malformed_file_gets_a_german_message_and_no_preview(kpb_a_user, data, message):
    response = upload(client_for(kpb_a_user), data)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert message in html
    assert 'name="token"' not in html


def test_duplicate_name_is_an_error_on_the_later_row_and_is_not_written(kpb_a_user):
    client = client_for(kpb_a_user)
    data = csv_bytes(
        "Jugendamt Dortmund;jugendamt;Dortmund;;;",
        "jugendamt  dortmund;jugendamt;Lünen;;;",
    )
    preview = upload(client, data)
    rows = preview.context["preview"].rows
    assert [(row.number, row.action) for row in rows] == [(2, "new"), (3, "error")]
    assert rows[1].errors == [
        "Der Name „jugendamt dortmund“ steht bereits in Zeile 2; jede "
        "Partnerbehörde darf nur einmal vorkommen."
    ]
    client.post(IMPORT_URL, {"token": token_of(preview)})
    assert list(
        PartnerAgency.objects.filter(name__iexact="Jugendamt Dortmund").values_list(
            "seat", flat=True
        )
    ) == ["Dortmund"]


def test_unknown_category_is_a_row_error_and_nothing_changes(kpb_a_user):
    before = snapshot()
    response = upload(client_for(kpb_a_user), csv_bytes("Tierheim Dortmund;tierschutz;;;;"))
    html = unescape(response.content.decode())
    assert "Unbekannte Kategorie „tierschutz“" in html
    assert 'name="token"' not in html
    assert "Die Datei enthält keine Änderung" in html
    assert snapshot() == before


def test_one_bad_row_is_reported_by_number_and_the_good_rows_are_imported(kpb_a_user):
    client = client_for(kpb_a_user)
    data = csv_bytes(
        "Jugendamt Dortmund;jugendamt;Dortmund;;;",
        "Verkehrsbetrieb DSW21;oepnv;Dortmund;Max Muster;Vorstand;keine-mail",
        "Johanniter Dortmund;hilfsorganisation;Dortmund;;;",
    )
    preview = upload(client, data)
    html = unescape(preview.content.decode())
    assert "1 Zeile enthält Fehler und wird nicht übernommen." in html
    bad = [row for row in preview.context["preview"].rows if row.errors]
    assert [(row.number, row.errors) for row in bad] == [
        (3, ["Ansprechperson: „keine-mail“ ist keine gültige E-Mail-Adresse."])
    ]
    response = client.post(IMPORT_URL, {"token": token_of(preview)}, follow=True)
    assert (
        "2 neu angelegt, 0 geändert, 0 unverändert, 1 Zeile(n) nicht übernommen"
        in response.content.decode()
    )
    imported = PartnerAgency.objects.filter(name__in=["Jugendamt Dortmund", "Johanniter Dortmund"])
    assert imported.count() == 2
    assert not PartnerAgency.objects.filter(name="Verkehrsbetrieb DSW21").exists()


def test_schulamt_needs_a_bezirksregierung_of_own_area(kpb_a_user):
    header = "name;category;routed_via\n"
    preview = parse_partner_csv(
        csv_bytes(
            "Schulamt A;schulamt;",
            "Schulamt B;Staatliches Schulamt;br-arnsberg",
            "Schulamt C;schulamt;Bezirksregierung Köln",
            "Schulamt D;schulamt;Bezirksregierung Nirgendwo",
            header=header,
        ),
        user=kpb_a_user,
    )
    rows = {row.name: row for row in preview.rows}
    assert rows["Schulamt A"].errors[0].startswith("Ein Schulamt wird über seine Bezirksregierung")
    assert rows["Schulamt B"].action == "new"
    assert rows["Schulamt B"].values["routed_via"].slug == "br-arnsberg"
    assert rows["Schulamt C"].errors == [
        "Spalte „routed_via“: die Bezirksregierung Köln ist nicht für den Bereich Ihrer Behörde "
        "zuständig."
    ]
    assert "keine Bezirksregierung „Bezirksregierung Nirgendwo“" in rows["Schulamt D"].errors[0]


def test_kpb_b_cannot_update_an_agency_outside_its_area(kpb_b_user):
    before = snapshot()
    preview = upload(
        client_for(kpb_b_user),
        csv_bytes("Staatsanwaltschaft Dortmund;staatsanwaltschaft;Borken;Max Muster;Leitung;"),
    )
    row = preview.context["preview"].rows[0]
    assert row.action == "error"
    assert row.errors == [
        "„Staatsanwaltschaft Dortmund“ steht bereits im Verzeichnis, ist aber "
        "nicht für den Bereich Ihrer Behörde zuständig. Änderungen daran nimmt "
        "das LZPD vor."
    ]
    assert 'name="token"' not in preview.content.decode()
    assert snapshot() == before


SHARED_MESSAGE = (
    "Diese Behörde ist für mehrere Kreispolizeibehörden zuständig; Änderungen nimmt das LZPD vor."
)


def test_kpb_import_row_changing_a_shared_agency_is_a_row_error(kpb_a_user):
    """sta-dortmund covers four KPBs: the LZPD keeps it, so Dortmund's change of its seat or
    contact is refused, while the other rows of the file are imported."""
    client = client_for(kpb_a_user)
    sta = PartnerAgency.objects.get(slug="sta-dortmund")
    before = snapshot()
    preview = upload(
        client,
        csv_bytes(
            "Staatsanwaltschaft Dortmund;staatsanwaltschaft;Dortmund;Max Muster;Leitung;pp@example.org",  # noqa: E501
            "Bundespolizeidirektion Sankt Augustin;bundespolizei;Anderswo;;;",
            "Jugendamt Dortmund;jugendamt;Dortmund;;;",
        ),
    )
    rows = [(row.name, row.action, row.errors) for row in preview.context["preview"].rows]
    assert rows == [
        ("Staatsanwaltschaft Dortmund", "error", [SHARED_MESSAGE]),
        ("Bundespolizeidirektion Sankt Augustin", "error", [SHARED_MESSAGE]),
        ("Jugendamt Dortmund", "new", []),
    ]
    assert snapshot() == before
    response = client.post(IMPORT_URL, {"token": token_of(preview)}, follow=True)
    assert (
        "1 neu angelegt, 0 geändert, 0 unverändert, 2 Zeile(n) nicht übernommen"
        in response.content.decode()
    )
    assert sta.contacts.count() == 0
    assert (
        PartnerAgency.objects.filter(pk=sta.pk).values_list("seat", flat=True).get() == "Dortmund"
    )
    assert PartnerAgency.objects.get(slug="bpold-sankt-augustin").seat == "Sankt Augustin"


def test_kpb_import_row_is_refused_when_the_agency_became_shared_since_the_preview(kpb_a_user):
    agency = PartnerAgency.objects.get(slug="kommune-dortmund")
    preview = parse_partner_csv(
        csv_bytes("Stadt Dortmund;kommune;Dortmund-Mitte;;;"), user=kpb_a_user
    )
    assert [row.action for row in preview.rows] == ["update"]
    Coverage.objects.create(agency=agency, authority=Authority.objects.get(slug="lr-borken"))

    result = apply_partner_import(preview, by=kpb_a_user)

    assert (result.updated, result.failed) == (0, 1)
    assert result.failures == [
        "Zeile 2 (Stadt Dortmund): nicht gespeichert – Diese Behörde ist für mehrere "
        "Kreispolizeibehörden zuständig; Änderungen nimmt das LZPD vor."
    ]
    agency.refresh_from_db()
    assert agency.seat == ""


def test_kpb_import_ignores_authorities_column_and_covers_own_authority(kpb_a_user):
    preview = parse_partner_csv(
        csv_bytes("Jugendamt Dortmund;jugendamt;lr-borken", header="name;category;authorities\n"),
        user=kpb_a_user,
    )
    assert "wird bei Importen einer KPB nicht ausgewertet" in preview.notices[0]
    result = apply_partner_import(preview, by=kpb_a_user)
    assert (result.created, result.failed) == (1, 0)
    agency = PartnerAgency.objects.get(name="Jugendamt Dortmund")
    assert [c.authority.slug for c in agency.coverages.all()] == ["pp-dortmund"]


def test_lzpd_import_adds_coverages_from_the_authorities_column(lzpd_user):
    preview = parse_partner_csv(
        csv_bytes(
            "Verkehrsverbund Rhein-Ruhr;oepnv;pp-dortmund|pp-essen",
            "Staatsanwaltschaft Dortmund;staatsanwaltschaft;lr-borken",
            "Neue Stelle;sonstige;",
            "Andere Stelle;sonstige;pp-nirgendwo",
            header="name;category;authorities\n",
        ),
        user=lzpd_user,
    )
    rows = {row.name: row for row in preview.rows}
    assert rows["Neue Stelle"].errors[0].startswith("Eine neue Partnerbehörde braucht mindestens")
    assert rows["Andere Stelle"].errors == [
        "Spalte „authorities“: unbekannte KPB-Kennung(en) pp-nirgendwo."
    ]
    result = apply_partner_import(preview, by=lzpd_user)
    assert (result.created, result.updated, result.failed) == (1, 1, 2)
    vrr = PartnerAgency.objects.get(name="Verkehrsverbund Rhein-Ruhr")
    assert sorted(c.authority.slug for c in vrr.coverages.all()) == ["pp-dortmund", "pp-essen"]
    sta = PartnerAgency.objects.get(name="Staatsanwaltschaft Dortmund")
    assert sta.coverages.filter(authority__slug="lr-borken").exists()


def test_import_updates_existing_contact_matched_by_name(kpb_a_user):
    agency = PartnerAgency.objects.get(slug="kommune-dortmund")  # Dortmund's area alone
    contact = Contact.objects.create(
        agency=agency, name="Erika Beispiel", function="OB", email="alt@example.org"
    )
    preview = parse_partner_csv(
        csv_bytes("Stadt Dortmund;kommune;;Erika Beispiel;OB;neu@example.org"), user=kpb_a_user
    )
    assert [(row.action, row.changes) for row in preview.rows] == [
        ("update", ["Ansprechperson: E-Mail"])
    ]
    apply_partner_import(preview, by=kpb_a_user)
    contact.refresh_from_db()
    assert (contact.email, agency.contacts.count()) == ("neu@example.org", 1)


def test_tampered_preview_token_is_rejected_with_a_german_400_page(kpb_a_user):
    client = client_for(kpb_a_user)
    preview = upload(client, csv_bytes("Jugendamt Dortmund;jugendamt;Dortmund;;;"))
    token = token_of(preview)
    forged = signing.dumps(
        {"user": kpb_a_user.pk, "csv": "name;category\nX;sonstige\n"},
        salt="anderer-zweck",
        compress=True,
    )
    for bad in (token[:-3] + "abc", forged, "kein-token"):
        response = client.post(IMPORT_URL, {"token": bad})
        assert response.status_code == 400
        assert "Die Vorschau ist ungültig oder wurde verändert" in response.content.decode()
    assert not PartnerAgency.objects.filter(name="Jugendamt Dortmund").exists()


def test_expired_preview_token_is_rejected_and_nothing_changes(kpb_a_user, monkeypatch):
    client = client_for(kpb_a_user)
    token = token_of(upload(client, csv_bytes("Jugendamt Dortmund;jugendamt;Dortmund;;;")))
    two_hours_later = time.time() + 2 * 3600
    monkeypatch.setattr(time, "time", lambda: two_hours_later)
    response = client.post(IMPORT_URL, {"token": token})
    assert response.status_code == 400
    assert "Die Vorschau ist abgelaufen" in response.content.decode()
    assert not PartnerAgency.objects.filter(name="Jugendamt Dortmund").exists()


def test_preview_token_of_another_user_is_rejected(kpb_a_user, kpb_b_user):
    preview = upload(client_for(kpb_a_user), csv_bytes("Jugendamt Dortmund;jugendamt;;;;"))
    response = client_for(kpb_b_user).post(IMPORT_URL, {"token": token_of(preview)})
    assert response.status_code == 400
    assert "gehört nicht zu Ihrer Anmeldung" in unescape(response.content.decode())
    assert not PartnerAgency.objects.filter(name="Jugendamt Dortmund").exists()


def test_export_then_import_round_trips_unchanged(kpb_a_user, lzpd_user):
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(
        agency=agency,
        name="Erika Beispiel",
        function="Leitende OStA",
        email="erika@example.org",
        phone="+49 231 926-0",
    )
    for user in (kpb_a_user, lzpd_user):
        exported = client_for(user).get(EXPORT_URL).content
        preview = parse_partner_csv(exported, user=user)
        assert preview.file_errors == []
        assert {row.action for row in preview.rows} == {"unchanged"}, [
            (row.name, row.errors, row.changes) for row in preview.rows if row.action != "unchanged"
        ]
        assert (
            len(preview.rows)
            == PartnerAgency.objects.filter(
                **({"coverages__authority": user.authority} if user.is_kpb else {})
            )
            .distinct()
            .count()
        )


def test_export_escapes_formulas_and_import_restores_them(lzpd_user):
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    agency.address = '=HYPERLINK("http://example.org")'
    agency.save()
    content = export_partner_csv(PartnerAgency.objects.filter(pk=agency.pk))
    assert "'=HYPERLINK" in content
    preview = parse_partner_csv(content.encode(), user=lzpd_user)
    assert [row.action for row in preview.rows] == ["unchanged"]


def test_export_of_kpb_contains_only_its_area(kpb_b_user):
    response = client_for(kpb_b_user).get(EXPORT_URL)
    content = response.content.decode("utf-8-sig")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "partnerverzeichnis-lr-borken-" in response["Content-Disposition"]
    names = [row[0] for row in csv.reader(content.splitlines()[1:], delimiter=";")]
    expected = PartnerAgency.objects.filter(coverages__authority__slug="lr-borken").distinct()
    assert sorted(names) == sorted(agency.name for agency in expected)
    assert "Staatsanwaltschaft Dortmund" not in content
    assert "Kreis Borken" in content


def test_export_needs_a_constant_number_of_queries(lzpd_user):
    essen = Authority.objects.get(slug="pp-essen")

    def grow() -> None:
        for number in range(3):
            agency = PartnerAgency.objects.create(
                slug=f"neu-{number}", name=f"Neue Stelle {number}", category="sonstige"
            )
            Coverage.objects.create(agency=agency, authority=essen)
            Contact.objects.create(agency=agency, name="Max Muster", function="Leitung")

    assert_constant_queries(client_for(lzpd_user), EXPORT_URL, grow)


def test_directory_list_shows_csv_buttons_by_permission(kpb_a_user, lka_user):
    kpb_html = client_for(kpb_a_user).get(reverse("authorities:partner_list")).content.decode()
    lka_html = client_for(lka_user).get(reverse("authorities:partner_list")).content.decode()
    assert "CSV importieren" in kpb_html and "CSV exportieren" in kpb_html
    assert "CSV importieren" not in lka_html and "CSV exportieren" in lka_html
