"""CSV import and export of cooperations, like the partner directory's: German columns,
partners by their directory key, every row's errors in German, nothing stored on any error."""

import re
from datetime import date
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cooperations.models import Cooperation
from siko.models import AuditEntry
from tests.conftest import client_for
from tests.factories.cooperations import make_cooperation
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db
IMPORT_URL = reverse("cooperations:cooperation_import")
EXPORT_URL = reverse("cooperations:cooperation_export")
HEADER = "Bezeichnung;Art;seit;Status;Partner;Bemerkungen\n"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode("utf-8")


def upload(client, data: bytes):
    return client.post(
        IMPORT_URL, {"file": SimpleUploadedFile("kooperationen.csv", data, "text/csv")}
    )


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "preview page without confirmation token"
    return unescape(match.group(1))


def import_file(client, data: bytes):
    preview = upload(client, data)
    assert preview.status_code == 200
    return client.post(IMPORT_URL, {"token": token_of(preview)}, follow=True)


def snapshot() -> list[tuple]:
    return sorted(
        (
            c.authority.slug,
            c.name,
            c.kind,
            c.since,
            c.status,
            c.notes,
            tuple(sorted(p.slug for p in c.partners.all())),
        )
        for c in Cooperation.objects.all()
    )


def test_import_creates_cooperations_with_partners_after_the_preview(kpb_a_user):
    client = client_for(kpb_a_user)
    data = csv_bytes(
        "OP Innenstadt;Ordnungspartnerschaft;01.03.2019;aktiv;"
        "kommune-dortmund|sta-dortmund;Begehung",
        "Präventionsrat Nord;praeventionsrat;2024-06-15;;;",
    )

    preview = upload(client, data)
    assert Cooperation.objects.count() == 0
    assert "Vorschau des CSV-Imports" in preview.content.decode()
    response = client.post(IMPORT_URL, {"token": token_of(preview)}, follow=True)

    assert "Import abgeschlossen: 2 neu angelegt, 0 geändert, 0 unverändert." in (
        response.content.decode()
    )
    assert snapshot() == [
        (
            "pp-dortmund",
            "OP Innenstadt",
            "ordnungspartnerschaft",
            date(2019, 3, 1),
            "aktiv",
            "Begehung",
            ("kommune-dortmund", "sta-dortmund"),
        ),
        (
            "pp-dortmund",
            "Präventionsrat Nord",
            "praeventionsrat",
            date(2024, 6, 15),
            "aktiv",
            "",
            (),
        ),
    ]
    assert AuditEntry.objects.filter(action="cooperation.created").count() == 2


def test_export_then_import_round_trips_unchanged(kpb_a_user):
    make_cooperation(kpb_a_user, partners=("kommune-dortmund", "sta-dortmund"), notes="=1+1")
    make_cooperation(
        kpb_a_user,
        name="Sicherheitspartnerschaft Hafen",
        kind="sicherheitspartnerschaft",
        status="ruhend",
        partners=(),
    )
    client = client_for(kpb_a_user)
    before = snapshot()

    export = client.get(EXPORT_URL)
    preview = upload(client, export.content)

    assert export["Content-Disposition"].startswith(
        'attachment; filename="kooperationen-pp-dortmund-'
    )
    text = export.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Bezeichnung;Art;seit;Status;Partner;Bemerkungen;KPB"
    assert "'=1+1" in text  # a formula is guarded in the file
    page = preview.content.decode()
    assert "Die Datei enthält keine Änderung." in page
    assert 'name="token"' not in page
    assert snapshot() == before


def test_a_changed_row_updates_the_cooperation(kpb_a_user):
    make_cooperation(kpb_a_user)

    response = import_file(
        client_for(kpb_a_user),
        csv_bytes(
            "Ordnungspartnerschaft Innenstadt;Ordnungspartnerschaft;01.03.2024;ruhend;"
            "sta-dortmund;neu"
        ),
    )

    assert "1 geändert" in response.content.decode()
    cooperation = Cooperation.objects.get()
    assert (cooperation.status, cooperation.notes) == ("ruhend", "neu")
    assert list(cooperation.partners.values_list("slug", flat=True)) == ["sta-dortmund"]


def test_bad_rows_are_each_reported_in_german_and_nothing_is_stored(kpb_a_user):
    client = client_for(kpb_a_user)
    data = csv_bytes(
        "Gute Zeile;Ordnungspartnerschaft;01.03.2019;aktiv;kommune-dortmund;",
        "Falsche Art;Stammtisch;01.03.2019;;;",
        "Falsches Datum;praeventionsrat;31.02.2019;;;",
        "Fremder Partner;praeventionsrat;01.01.2020;;bpoli-kleve;",
        "Unbekannter Status;praeventionsrat;01.01.2020;pausiert;;",
        ";praeventionsrat;01.01.2020;;;",
        "Gute Zeile;Ordnungspartnerschaft;01.03.2019;aktiv;;",
    )

    response = upload(client, data)

    page = unescape(response.content.decode())
    assert "6 Zeilen enthalten Fehler" in page
    assert "Unbekannte Art „Stammtisch“" in page
    assert "Das Datum „31.02.2019“ ist ungültig; erwartet wird TT.MM.JJJJ." in page
    # Borken's agency is outside Dortmund's scope: unknown, its name is not shown.
    assert "Die Partnerbehörde mit der Kennung „bpoli-kleve“ steht nicht im Verzeichnis." in page
    assert "Unbekannter Status „pausiert“" in page
    assert "Die Bezeichnung fehlt." in page
    assert "„Gute Zeile“ steht bereits in Zeile 2" in page
    assert 'name="token"' not in page
    assert Cooperation.objects.count() == 0


def test_a_row_with_more_values_than_columns_is_an_error_and_nothing_is_stored(kpb_a_user):
    data = csv_bytes("Rat Süd;praeventionsrat;01.01.2020;aktiv;;Notiz;überzählig")

    page = unescape(upload(client_for(kpb_a_user), data).content.decode())

    assert "1 Zeile enthält Fehler" in page
    assert "Die Zeile hat mehr Werte als die Kopfzeile Spalten." in page
    assert 'name="token"' not in page
    assert Cooperation.objects.count() == 0


def test_a_row_of_another_authority_is_refused(kpb_a_user):
    data = csv_bytes(
        "OP Bocholt;Ordnungspartnerschaft;01.03.2019;aktiv;;;lr-borken",
        header="Bezeichnung;Art;seit;Status;Partner;Bemerkungen;KPB\n",
    )

    page = unescape(upload(client_for(kpb_a_user), data).content.decode())

    assert "Die Zeile gehört zur KPB „lr-borken“" in page
    assert Cooperation.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "leer"),
        (
            b"Bezeichnung;Art\nOP;praeventionsrat\n",
            "In der Kopfzeile fehlen die Pflichtspalten seit.",
        ),
        (
            "Bezeichnung;Art;seit\nRat Süd;praeventionsrat;01.01.2020\n".encode("latin-1"),
            "nicht UTF-8",
        ),
    ],
)
def test_a_bad_file_gets_a_german_message_and_no_preview(kpb_a_user, data, message):
    response = upload(client_for(kpb_a_user), data)

    assert message in unescape(response.content.decode())
    assert 'name="token"' not in response.content.decode()
    assert Cooperation.objects.count() == 0


def test_tampered_or_foreign_preview_token_is_refused(kpb_a_user, kpb_b_user):
    preview = upload(client_for(kpb_a_user), csv_bytes("Rat;praeventionsrat;01.01.2020;;;"))
    token = token_of(preview)

    tampered = client_for(kpb_a_user).post(IMPORT_URL, {"token": token[:-3] + "abc"})
    foreign = client_for(kpb_b_user).post(IMPORT_URL, {"token": token})

    assert tampered.status_code == 400
    assert "ungültig oder wurde verändert" in tampered.content.decode()
    assert foreign.status_code == 400
    assert "gehört nicht zu Ihrer Anmeldung" in foreign.content.decode()
    assert Cooperation.objects.count() == 0


def test_confirming_twice_imports_once(kpb_a_user):
    client = client_for(kpb_a_user)
    preview = upload(client, csv_bytes("Rat;praeventionsrat;01.01.2020;;;"))
    token = token_of(preview)

    client.post(IMPORT_URL, {"token": token})
    second = client.post(IMPORT_URL, {"token": token}, follow=True)

    assert Cooperation.objects.count() == 1
    assert "0 neu angelegt, 0 geändert, 1 unverändert" in second.content.decode()


def test_export_of_a_kpb_holds_only_its_own_and_state_bodies_get_all(
    kpb_a_user, kpb_b_user, lzpd_user
):
    make_cooperation(kpb_a_user)
    make_cooperation(kpb_b_user, name="OP Bocholt", partners=())

    own = client_for(kpb_b_user).get(EXPORT_URL).content.decode("utf-8-sig")
    state = client_for(lzpd_user).get(EXPORT_URL).content.decode("utf-8-sig")

    assert "OP Bocholt" in own
    assert "Ordnungspartnerschaft Innenstadt" not in own
    assert "OP Bocholt" in state and "Ordnungspartnerschaft Innenstadt" in state


def test_export_needs_a_constant_number_of_queries(kpb_a_user, lzpd_user):
    make_cooperation(kpb_a_user, name="Erste")

    def grow() -> None:
        for number in range(10):
            make_cooperation(
                kpb_a_user,
                name=f"Kooperation {number}",
                partners=("kommune-dortmund", "sta-dortmund"),
            )

    assert_constant_queries(client_for(lzpd_user), EXPORT_URL, grow)
