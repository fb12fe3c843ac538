"""The compliance dashboards: a KPB's start page, the state view, the comparison groups."""

import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import Authority, ComparisonGroup
from reports.charts import Bar, share_columns_svg, share_rows_svg
from siko.models import AuditEntry
from tests.conftest import client_for
from tests.factories.conferences import make_recorded_conference
from tests.helpers import assert_constant_queries, count_queries

pytestmark = pytest.mark.django_db

STATE_URL = reverse("reports:state")
MY_URL = reverse("reports:my_dashboard")


def this_year() -> int:
    return timezone.localdate().year


def conference(
    slug,
    year,
    organiser,
    *,
    status="held",
    kind="siko",
    month=3,
    days=0,
    co_hosts=(),
    categories=(),
    topics=(),
):
    """A conference of `slug` in `year` (or `days` from now when year is None)."""
    tz = timezone.get_default_timezone()
    start = (
        (timezone.now() + timedelta(days=days))
        if year is None
        else datetime(year, month, 10, 10, 0, tzinfo=tz)
    )
    return make_recorded_conference(
        slug,
        start,
        organiser=organiser,
        status=status,
        kind=kind,
        co_hosts=co_hosts,
        categories=categories,
        topics=topics,
    )


def matrix_rows(html: str) -> list[str]:
    body = html.split('class="table table-sm table-bordered caption-top matrix"', 1)[1].split(
        "</tbody>"
    )[0]
    return re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", body, flags=re.S)


def row_for(html: str, name: str) -> str:
    [row] = [r for r in matrix_rows(html) if f">{name}</a>" in r]
    return row


# State view -------------------------------------------------------------------------------------


def test_state_view_shows_all_47_authorities_for_the_last_5_years(lzpd_user, kpb_a_user):
    year = this_year()
    conference("pp-dortmund", year - 1, kpb_a_user)

    html = client_for(lzpd_user).get(STATE_URL).content.decode()

    assert len(matrix_rows(html)) == 47
    header = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert re.findall(r"<th scope=\"col\"[^>]*><a [^>]*>(\d{4})", header) == [
        str(y) for y in range(year, year - 5, -1)
    ]  # newest year first (issue 15: the running year is what a phone shows without scrolling)
    row = row_for(html, "Polizeipräsidium Dortmund")
    dashboard = reverse("reports:authority_dashboard", args=["pp-dortmund"])
    link = f'<a class="status status-compliant" href="{dashboard}?jahr={year - 1}#konferenzen">'
    hidden = f'<span class="visually-hidden">Polizeipräsidium Dortmund {year - 1}: </span>'
    assert f"{link}{hidden}erfüllt</a>" in row
    assert ">nicht erfüllt</a>" in row_for(html, "Kreispolizeibehörde Borken")


def test_state_view_cell_says_siko_ap_where_required(lzpd_user, kpb_a_user):
    year = this_year() - 1
    conference("pp-dortmund", year, kpb_a_user, kind="siko_ap")

    html = client_for(lzpd_user).get(STATE_URL).content.decode()

    assert "Siko-AP: erfüllt" in row_for(html, "Polizeipräsidium Dortmund")
    assert "Siko-AP" not in row_for(html, "Kreispolizeibehörde Borken")


def test_state_view_matrix_scrolls_in_a_labelled_region(lzpd_user):
    html = client_for(lzpd_user).get(STATE_URL).content.decode()

    assert (
        '<div class="table-responsive matrix-region" role="region" '
        'aria-labelledby="matrix-caption" tabindex="0">'
    ) in html
    assert '<caption id="matrix-caption">' in html


def test_state_view_filters_by_regierungsbezirk_and_kind(lzpd_user):
    client = client_for(lzpd_user)

    html = client.get(STATE_URL, {"regierungsbezirk": "Münster", "art": "PP"}).content.decode()

    names = [re.search(r">([^<]+)</a>", row).group(1) for row in matrix_rows(html)]
    expected = list(
        Authority.objects.filter(regierungsbezirk="Münster", kind="PP")
        .order_by("short_name")
        .values_list("short_name", flat=True)
    )
    assert names == expected
    assert "Polizeipräsidium Münster" in names


def test_state_view_filters_by_comparison_group(lzpd_user):
    group = ComparisonGroup.objects.create(name="Großstädte")
    Authority.objects.filter(slug__in=["pp-dortmund", "pp-koeln"]).update(comparison_group=group)

    html = client_for(lzpd_user).get(STATE_URL, {"gruppe": group.pk}).content.decode()

    assert len(matrix_rows(html)) == 2
    assert "(gefiltert)" in html


@pytest.mark.parametrize(("years", "columns"), [("1", 1), ("3", 3), ("10", 9)])
def test_state_view_years_filter_never_before_the_decree(lzpd_user, years, columns):
    html = client_for(lzpd_user).get(STATE_URL, {"jahre": years}).content.decode()

    header = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    shown = [int(y) for y in re.findall(r"<th scope=\"col\"[^>]*><a [^>]*>(\d{4})", header)]
    assert shown == list(range(this_year(), max(2018, this_year() - int(years) + 1) - 1, -1))
    assert len(shown) == min(columns, this_year() - 2017)


@pytest.mark.parametrize("bad", ["0", "11", "zehn"])
def test_state_view_bad_years_value_gets_german_message(lzpd_user, bad):
    response = client_for(lzpd_user).get(STATE_URL, {"jahre": bad, "art": "LR"})
    html = response.content.decode()

    assert response.status_code == 200
    assert "Bitte eine ganze Zahl von 1 bis 10 angeben." in html
    assert len(matrix_rows(html)) == Authority.objects.filter(kind="LR").count()


def test_state_view_unknown_group_gets_german_message(lzpd_user):
    response = client_for(lzpd_user).get(STATE_URL, {"gruppe": "9999"})

    assert response.status_code == 200
    assert "Bitte eine gültige Auswahl treffen." in response.content.decode()


def test_state_view_chart_and_table_give_share_compliant_per_year(lzpd_user, kpb_a_user):
    year = this_year() - 1
    conference("pp-dortmund", year, kpb_a_user)
    conference("pp-bochum", year, kpb_a_user, co_hosts=["pp-hagen"])

    html = client_for(lzpd_user).get(STATE_URL).content.decode()

    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert '<title id="chart-years-title">' in html
    assert f"<title>{year}: 6\u202f% (3 von 47 Behörden)</title>" in html
    table = html.split("Zahlen zum Diagramm: Jahrespflicht je Jahr", 1)[1].split("</table>", 1)[0]
    row = re.search(rf"<th scope=\"row\">{year}</th>(.*?)</tr>", table, flags=re.S).group(1)
    assert re.findall(r"<td>(.*?)</td>", row) == ["6\u202f%", "3", "0", "0", "44", "0", "47"]


def test_state_view_compares_groups_for_the_comparison_year(lzpd_user, kpb_a_user):
    year = this_year() - 2
    big = ComparisonGroup.objects.create(name="Großstädte")
    rural = ComparisonGroup.objects.create(name="Flächenkreise")
    Authority.objects.filter(slug__in=["pp-dortmund", "pp-koeln"]).update(comparison_group=big)
    Authority.objects.filter(slug__in=["lr-borken", "lr-coesfeld"]).update(comparison_group=rural)
    conference("pp-dortmund", year, kpb_a_user)

    html = client_for(lzpd_user).get(STATE_URL, {"vergleichsjahr": year}).content.decode()

    section = html.split('id="groups-heading"', 1)[1]
    assert f"Vergleichsgruppen {year} (landesweit)" in section
    rows = re.findall(
        r"<th scope=\"row\">(?:<a [^>]+>)?([^<]+)(?:</a>)?</th>\s*"
        r"<td>(\d+)</td><td>(\d+)</td><td>([^<]+)</td>",
        section,
    )
    assert rows == [
        ("Flächenkreise", "0", "2", "0\u202f%"),
        ("Großstädte", "1", "2", "50\u202f%"),
        ("ohne Vergleichsgruppe", "0", "43", "0\u202f%"),
        ("NRW insgesamt", "1", "47", "2\u202f%"),
    ]
    assert '<title id="chart-groups-title">' in section


def test_state_view_without_groups_invites_lzpd_to_create_them(lzpd_user, lka_user):
    assert "Vergleichsgruppen bearbeiten" in client_for(lzpd_user).get(STATE_URL).content.decode()
    html = client_for(lka_user).get(STATE_URL).content.decode()
    assert "Noch keine Vergleichsgruppe angelegt." in html
    assert "Vergleichsgruppen ansehen" in html


def test_state_view_is_forbidden_for_kpb_staff(kpb_a_user):
    assert client_for(kpb_a_user).get(STATE_URL).status_code == 403


def _spread_conferences(organiser, years: range, *, per_year: int = 47) -> None:
    slugs = list(Authority.objects.order_by("slug").values_list("slug", flat=True))[:per_year]
    topics = ["sicherheitslage", "brennpunkte"]
    for year in years:
        for n, slug in enumerate(slugs):
            conference(
                slug,
                year,
                organiser,
                month=1 + n % 11,
                categories=["kommune"] if n % 2 else [],
                topics=topics if n % 3 else [],
            )


def test_state_view_needs_the_same_queries_for_1_and_10_years(lzpd_user, kpb_a_user):
    year = this_year()
    _spread_conferences(kpb_a_user, range(year - 9, year), per_year=10)
    client = client_for(lzpd_user)
    client.get(STATE_URL)

    one = count_queries(client, f"{STATE_URL}?jahre=1")
    ten = count_queries(client, f"{STATE_URL}?jahre=10&vergleichsjahr={year - 9}")

    assert one == ten


def test_state_view_queries_do_not_grow_with_the_data(lzpd_user, kpb_a_user):
    year = this_year()
    ComparisonGroup.objects.create(name="Großstädte")
    _spread_conferences(kpb_a_user, range(year - 1, year), per_year=3)

    assert_constant_queries(
        client_for(lzpd_user),
        f"{STATE_URL}?jahre=10",
        lambda: _spread_conferences(kpb_a_user, range(year - 9, year + 1)),
    )


# Authority dashboard ----------------------------------------------------------------------------


def test_kpb_user_lands_on_own_dashboard_with_link_to_authority_page(kpb_a_user):
    response = client_for(kpb_a_user).get("/", follow=True)
    html = response.content.decode()

    assert response.redirect_chain[-1][0] == MY_URL
    assert '<h1 class="h3">Polizeipräsidium Dortmund</h1>' in html
    assert f"Lagebild {this_year()} (laufendes Jahr)" in html
    assert 'href="/verzeichnis/behoerden/pp-dortmund/"' in html


def test_dashboard_running_year_held_lists_missing_categories_and_topics(kpb_a_user):
    year = this_year()
    conference(
        "pp-dortmund",
        year,
        kpb_a_user,
        month=1,
        categories=["kommune", "bundespolizei", "staatsanwaltschaft"],
        topics=["sicherheitslage", "brennpunkte", "strategien"],
    )

    html = client_for(kpb_a_user).get(MY_URL).content.decode()

    duty = html.split('id="duty-heading"', 1)[1].split("</section>", 1)[0]
    assert '<span class="status status-lg status-compliant">erfüllt</span>' in duty
    missing = html.split('id="missing-heading"', 1)[1].split('id="next-heading"', 1)[0]
    items = [
        re.sub(r"<[^>]+>", "", li).strip()
        for li in re.findall(r"<li>(.*?)</li>", missing, flags=re.S)
    ]
    assert (
        "Gericht der ordentlichen Gerichtsbarkeit – Hinweis: nach Anlass einzuladen, "
        "kein Verstoß" in items
    )
    assert "Zollverwaltung – vom Erlass gefordert" in items
    assert "Staatliches Schulamt – vom Erlass gefordert" in items
    assert not any(item.startswith("Bundespolizei") for item in items)
    assert "Banden- und Intensivtäterstrukturen, Clankriminalität" in items
    assert "Sicherheit von Großveranstaltungen" in items
    assert "Räumliche Brennpunkte" not in items


def test_dashboard_scheduled_year_shows_next_conference(kpb_a_user):
    if timezone.localdate().month == 12 and timezone.localdate().day > 28:
        pytest.skip("no room left in the running year")
    upcoming = conference("pp-dortmund", None, kpb_a_user, status="scheduled", days=1)

    html = client_for(kpb_a_user).get(MY_URL).content.decode()

    assert '<span class="status status-lg status-scheduled">geplant</span>' in html
    next_section = html.split('id="next-heading"', 1)[1].split("</section>", 1)[0]
    assert f'<a href="{upcoming.get_absolute_url()}">{upcoming.title}</a>' in next_section


def test_dashboard_overdue_offers_to_plan_a_conference(kpb_a_user):
    html = client_for(kpb_a_user).get(MY_URL).content.decode()

    assert '<span class="status status-lg status-overdue">überfällig</span>' in html
    assert reverse("conferences:conference_create") in html
    assert "Keine Konferenz geplant." in html


def test_dashboard_shows_siko_ap_only_where_required(kpb_a_user, kpb_b_user):
    dortmund = client_for(kpb_a_user).get(MY_URL).content.decode()
    borken = client_for(kpb_b_user).get(MY_URL).content.decode()

    assert "Siko-AP (Autobahnpolizei):" in dortmund
    assert "Noch keine Siko-AP durchgeführt oder geplant." in dortmund
    assert "Siko-AP" not in borken.split("<main", 1)[1]


def test_dashboard_past_years_exercises_and_actions(kpb_a_user):
    year = this_year()
    conference("pp-dortmund", year - 2, kpb_a_user)

    html = client_for(kpb_a_user).get(MY_URL).content.decode()

    past = html.split('id="past-heading"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r"<th scope=\"col\">(\d{4})</th>", past) == [
        str(y) for y in range(year - 1, year - 6, -1)
    ]
    assert (
        f'<a class="status status-compliant" href="?jahr={year - 2}#konferenzen">'
        f'<span class="visually-hidden">{year - 2}: </span>erfüllt</a>'
    ) in past
    # The year before is a breach; the three before the first conference are "nicht erfasst".
    assert past.count(">nicht erfüllt</a>") == 1
    assert past.count(">nicht erfasst</a>") == 3
    assert "Keine offenen Maßnahmen." in html
    assert "Krisenstabsübungen mit polizeilicher Verbindungsperson: <strong>0</strong>" in html


def test_dashboard_for_a_past_year_lists_its_conferences(kpb_a_user, lzpd_user):
    year = this_year() - 3
    own = conference("pp-dortmund", year, kpb_a_user)
    joint = conference("pp-bochum", year, kpb_a_user, month=6, co_hosts=["pp-dortmund"])
    conference("pp-dortmund", year + 1, kpb_a_user)

    url = reverse("reports:authority_dashboard", args=["pp-dortmund"])
    html = client_for(lzpd_user).get(url, {"jahr": year}).content.decode()

    listed = html.split('id="konferenzen"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<a href="/konferenzen/(\d+)/">', listed) == [str(own.pk), str(joint.pk)]
    assert "Polizeipräsidium Bochum (gemeinsame Konferenz)" in listed
    assert f"Lagebild {year}</p>" in html
    assert "Lagebild NRW" in html


def test_dashboard_bad_year_falls_back_with_german_message(kpb_a_user):
    response = client_for(kpb_a_user).get(MY_URL, {"jahr": "1999"})
    html = response.content.decode()

    assert response.status_code == 200
    assert f"Das Jahr „1999“ gibt es hier nicht; gezeigt wird {this_year()}." in html
    assert f"Lagebild {this_year()} (laufendes Jahr)" in html


def test_dashboard_of_another_kpb_is_not_found(kpb_b_user):
    url = reverse("reports:authority_dashboard", args=["pp-dortmund"])

    assert client_for(kpb_b_user).get(url).status_code == 404


def test_state_body_without_authority_goes_from_own_dashboard_to_state_view(im_user):
    response = client_for(im_user).get(MY_URL)

    assert response.status_code == 302
    assert response.url == STATE_URL


def test_dashboard_queries_do_not_grow_with_the_data(kpb_a_user):
    year = this_year()
    conference("pp-dortmund", year - 1, kpb_a_user, categories=["kommune"], topics=["brennpunkte"])

    def grow() -> None:
        for y in range(year - 5, year + 1):
            conference(
                "pp-dortmund",
                y,
                kpb_a_user,
                month=5,
                categories=["zoll", "kommune"],
                topics=["strategien"],
                co_hosts=["pp-bochum"],
            )

    assert_constant_queries(client_for(kpb_a_user), MY_URL, grow)


def test_dashboard_links_to_the_figures_of_the_authoritys_comparison_group(kpb_a_user):
    client = client_for(kpb_a_user)
    without = client.get(MY_URL).content.decode()
    ungrouped_queries = count_queries(client, MY_URL)
    group = ComparisonGroup.objects.create(name="Großstädte")
    Authority.objects.filter(slug="pp-dortmund").update(comparison_group=group)

    html = client.get(MY_URL).content.decode()

    figures = reverse("reports:group_figures")
    assert figures not in without
    assert (
        f'<a href="{figures}#group-{group.pk}">'
        "Zahlen der Vergleichsgruppe „Großstädte“ nebeneinander</a>"
    ) in html
    assert client.get(figures).status_code == 200
    # The group's name is read once when the page is rendered, then it comes from the cache
    # (the comparison groups are in the data version): one query more uncached, none cached.
    assert count_queries(client, MY_URL) == ungrouped_queries + 1


# Comparison groups ------------------------------------------------------------------------------


def test_lzpd_creates_group_with_authorities(lzpd_user):
    dortmund, koeln = Authority.objects.filter(slug__in=["pp-dortmund", "pp-koeln"])

    response = client_for(lzpd_user).post(
        reverse("reports:group_create"),
        {"name": "  Großstädte  ", "authorities": [dortmund.pk, koeln.pk]},
        follow=True,
    )

    group = ComparisonGroup.objects.get()
    assert group.name == "Großstädte"
    assert set(group.authorities.values_list("slug", flat=True)) == {"pp-dortmund", "pp-koeln"}
    assert "Vergleichsgruppe „Großstädte“ angelegt." in response.content.decode()
    entry = AuditEntry.objects.get(action="comparison_group.created")
    assert entry.actor == lzpd_user
    assert entry.data == {"authorities": ["pp-dortmund", "pp-koeln"]}


def test_lzpd_renames_group_and_moves_authorities(lzpd_user):
    big = ComparisonGroup.objects.create(name="Großstädte")
    other = ComparisonGroup.objects.create(name="Ruhrgebiet")
    Authority.objects.filter(slug="pp-dortmund").update(comparison_group=big)
    Authority.objects.filter(slug="pp-bochum").update(comparison_group=other)
    bochum = Authority.objects.get(slug="pp-bochum")

    response = client_for(lzpd_user).post(
        reverse("reports:group_update", args=[big.pk]),
        {"name": "Großstädte West", "authorities": [bochum.pk]},
    )

    assert response.status_code == 302
    big.refresh_from_db()
    assert big.name == "Großstädte West"
    assert list(big.authorities.values_list("slug", flat=True)) == ["pp-bochum"]
    assert Authority.objects.get(slug="pp-dortmund").comparison_group is None
    assert not other.authorities.exists()
    entry = AuditEntry.objects.get(action="comparison_group.changed")
    assert entry.data["name_before"] == "Großstädte"


def test_group_form_shows_current_group_of_each_authority(lzpd_user):
    big = ComparisonGroup.objects.create(name="Großstädte")
    Authority.objects.filter(slug="pp-dortmund").update(comparison_group=big)

    html = client_for(lzpd_user).get(reverse("reports:group_create")).content.decode()

    assert "Polizeipräsidium Dortmund (Gruppe: Großstädte)</option>" in html
    edit = client_for(lzpd_user).get(reverse("reports:group_update", args=[big.pk]))
    assert re.search(
        r'<option value="\d+" selected>Polizeipräsidium Dortmund</option>', edit.content.decode()
    )


def test_group_name_must_be_unique(lzpd_user):
    ComparisonGroup.objects.create(name="Großstädte")

    response = client_for(lzpd_user).post(reverse("reports:group_create"), {"name": "großstädte"})

    assert response.status_code == 200
    assert "Eine Vergleichsgruppe mit diesem Namen gibt es bereits." in response.content.decode()
    assert ComparisonGroup.objects.count() == 1


def test_lzpd_deletes_group_and_authorities_stay(lzpd_user):
    group = ComparisonGroup.objects.create(name="Großstädte")
    Authority.objects.filter(slug="pp-dortmund").update(comparison_group=group)
    url = reverse("reports:group_delete", args=[group.pk])
    client = client_for(lzpd_user)

    assert "Polizeipräsidium Dortmund" in client.get(url).content.decode()
    response = client.post(url)

    assert response.status_code == 302
    assert not ComparisonGroup.objects.exists()
    assert Authority.objects.get(slug="pp-dortmund").comparison_group is None
    assert AuditEntry.objects.filter(action="comparison_group.deleted").count() == 1


def test_lka_and_im_see_groups_but_cannot_change_them(lka_user, im_user):
    group = ComparisonGroup.objects.create(name="Großstädte")
    for user in (lka_user, im_user):
        client = client_for(user)
        html = client.get(reverse("reports:group_list")).content.decode()
        assert "Großstädte" in html
        assert reverse("reports:group_create") not in html
        assert client.post(reverse("reports:group_create"), {"name": "X"}).status_code == 403
        assert client.post(reverse("reports:group_delete", args=[group.pk])).status_code == 403
    assert ComparisonGroup.objects.count() == 1


# Charts -----------------------------------------------------------------------------------------


def test_charts_escape_labels_and_name_themselves():
    bars = [Bar("<Gruppe & Co>", 0.5, hint="1 von 2"), Bar("leer", None)]

    for draw in (share_columns_svg, share_rows_svg):
        svg = draw(bars, chart_id="c", title="Titel <1>", description="Beschreibung")
        assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
        assert 'role="img" class="siko-chart" aria-labelledby="c-title c-desc"' in svg
        assert '<title id="c-title">Titel &lt;1&gt;</title>' in svg
        assert "<title>&lt;Gruppe &amp; Co&gt;: 50\u202f% (1 von 2)</title>" in svg
        assert "<title>leer: –</title>" in svg
        assert "<Gruppe" not in svg


def test_group_list_queries_do_not_grow_with_the_groups(lka_user):
    ComparisonGroup.objects.create(name="Großstädte")
    cologne = list(Authority.objects.filter(regierungsbezirk="Köln").values_list("pk", flat=True))

    def grow() -> None:
        for n in range(5):
            group = ComparisonGroup.objects.create(name=f"Gruppe {n}")
            Authority.objects.filter(pk__in=cologne[2 * n : 2 * n + 2]).update(
                comparison_group=group
            )

    assert_constant_queries(client_for(lka_user), reverse("reports:group_list"), grow)
