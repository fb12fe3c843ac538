import pytest
from django.urls import reverse

from authorities import services
from authorities.models import Authority, Contact, Coverage, PartnerAgency
from siko.models import AuditEntry
from tests.conftest import client_for
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def test_kpb_user_lands_on_own_authority_with_partners_by_category(kpb_a_user):
    client = client_for(kpb_a_user)
    start = client.get("/", follow=True)
    # KPB staff start on their dashboard (reports), which links to the authority page.
    assert start.redirect_chain[-1][0] == "/lagebild/behoerde/"
    assert 'href="/verzeichnis/behoerden/pp-dortmund/"' in start.content.decode()
    response = client.get("/verzeichnis/behoerden/pp-dortmund/")
    html = response.content.decode()
    assert "Polizeipräsidium Dortmund" in html
    assert "Kreis Unna (nur Stadt Lünen)" in html
    for heading in (
        "Staatsanwaltschaft",
        "Gericht der ordentlichen Gerichtsbarkeit",
        "Kreis-, Stadt- oder Gemeindeverwaltung",
        "Bundespolizei",
        "Zollverwaltung",
        "Staatliches Schulamt",
    ):
        assert heading in html
    assert "Staatsanwaltschaft Dortmund" in html
    assert "Einladung über Bezirksregierung Arnsberg" in html


def test_kpb_user_sees_only_own_authority_in_the_list(kpb_a_user):
    response = client_for(kpb_a_user).get(reverse("authorities:authority_list"))
    assert [a.slug for a in response.context["authorities"]] == ["pp-dortmund"]


def test_lzpd_sees_all_47_authorities(lzpd_user):
    response = client_for(lzpd_user).get(reverse("authorities:authority_list"))
    assert len(response.context["authorities"]) == 47


def test_authority_list_filters_by_regierungsbezirk_and_search(lzpd_user):
    client = client_for(lzpd_user)
    detmold = client.get(reverse("authorities:authority_list"), {"regierungsbezirk": "Detmold"})
    assert len(detmold.context["authorities"]) == 7
    search = client.get(reverse("authorities:authority_list"), {"q": "Dortmund"})
    assert [a.slug for a in search.context["authorities"]] == ["pp-dortmund"]


def test_category_without_partner_is_shown_as_gap(kpb_a_user):
    Coverage.objects.filter(authority__slug="pp-dortmund", agency__category="zoll").delete()
    html = client_for(kpb_a_user).get("/verzeichnis/behoerden/pp-dortmund/").content.decode()
    assert "Kategorien ohne Partner" in html
    assert html.count("fehlt") == 1


def test_uncertain_coverage_is_marked_for_lzpd(lzpd_user):
    html = client_for(lzpd_user).get("/verzeichnis/behoerden/lr-dueren/").content.decode()
    assert "Zuständigkeit unsicher" in html
    assert "Datenlage" in html


def test_kpb_creates_partner_covering_own_authority(kpb_a_user):
    response = client_for(kpb_a_user).post(
        reverse("authorities:partner_create"),
        {"name": "Jugendamt der Stadt Dortmund", "category": "jugendamt", "active": "on"},
    )
    agency = PartnerAgency.objects.get(name="Jugendamt der Stadt Dortmund")
    assert response.status_code == 302
    assert list(agency.authorities.values_list("slug", flat=True)) == ["pp-dortmund"]
    assert AuditEntry.objects.filter(action="partner.created", object_id=str(agency.pk)).exists()


def test_new_partner_whose_slug_is_taken_gets_the_next_free_one(kpb_a_user):
    client = client_for(kpb_a_user)
    for name in ("Jugendamt Dortmund", "Jugendamt-Dortmund", "Jugendamt (Dortmund)"):
        client.post(
            reverse("authorities:partner_create"),
            {"name": name, "category": "jugendamt", "active": "on"},
        )
    slugs = PartnerAgency.objects.filter(name__startswith="Jugendamt").order_by("pk")
    assert list(slugs.values_list("slug", flat=True)) == [
        "jugendamt-dortmund",
        "jugendamt-dortmund-2",
        "jugendamt-dortmund-3",
    ]


def test_duplicate_partner_name_from_other_area_is_a_form_error(kpb_b_user):
    # "Staatsanwaltschaft Dortmund" exists but lies outside Borken's scope.
    response = client_for(kpb_b_user).post(
        reverse("authorities:partner_create"),
        {"name": "Staatsanwaltschaft Dortmund", "category": "staatsanwaltschaft"},
    )
    assert response.status_code == 200
    assert "ist aber nicht für den Bereich Ihrer Behörde zuständig" in response.content.decode()
    assert PartnerAgency.objects.filter(name="Staatsanwaltschaft Dortmund").count() == 1


def test_schulamt_without_bezirksregierung_is_refused(kpb_a_user):
    response = client_for(kpb_a_user).post(
        reverse("authorities:partner_create"), {"name": "Schulamt X", "category": "schulamt"}
    )
    assert "über seine Bezirksregierung" in response.content.decode()
    assert not PartnerAgency.objects.filter(name="Schulamt X").exists()


def test_kpb_adds_edits_and_deletes_contact(kpb_a_user):
    client = client_for(kpb_a_user)
    # The city of Dortmund lies in Dortmund's area alone: its KPB keeps it.
    create = reverse("authorities:contact_create", kwargs={"slug": "kommune-dortmund"})
    client.post(
        create,
        {
            "name": "Erika Beispiel",
            "function": "Leitende Oberstaatsanwältin",
            "email": "erika@example.org",
        },
    )
    contact = Contact.objects.get(name="Erika Beispiel")
    update = reverse(
        "authorities:contact_update", kwargs={"slug": "kommune-dortmund", "pk": contact.pk}
    )
    client.post(update, {"name": "Erika Beispiel", "function": "Behördenleitung", "email": "x"})
    contact.refresh_from_db()
    assert contact.function == "Leitende Oberstaatsanwältin"  # invalid e-mail: nothing changed
    client.post(update, {"name": "Erika Beispiel", "function": "Behördenleitung"})
    contact.refresh_from_db()
    assert contact.function == "Behördenleitung"
    client.post(
        reverse("authorities:contact_delete", kwargs={"slug": "kommune-dortmund", "pk": contact.pk})
    )
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_kpb_b_cannot_change_partner_of_kpb_a(kpb_b_user):
    response = client_for(kpb_b_user).post(
        reverse("authorities:partner_update", kwargs={"slug": "sta-dortmund"}),
        {"name": "Gekapert", "category": "staatsanwaltschaft"},
    )
    assert response.status_code == 404
    assert PartnerAgency.objects.filter(name="Staatsanwaltschaft Dortmund").exists()


SHARED_MESSAGE = (
    "Diese Behörde ist für mehrere Kreispolizeibehörden zuständig; Änderungen nimmt das LZPD vor."
)


def _shared_agency_with_contact() -> tuple[PartnerAgency, Contact]:
    # sta-dortmund covers Dortmund, Hamm, Unna and Recklinghausen: the LZPD keeps it.
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    contact = Contact.objects.create(
        agency=agency, name="Erika Beispiel", function="LOStA", email="erika@example.org"
    )
    return agency, contact


def _directory_state(agency: PartnerAgency) -> tuple:
    return (
        PartnerAgency.objects.filter(pk=agency.pk).values().get(),
        list(Contact.objects.filter(agency=agency).values().order_by("pk")),
    )


def test_kpb_cannot_change_an_agency_shared_with_other_kpbs(kpb_a_user):
    agency, contact = _shared_agency_with_contact()
    before = _directory_state(agency)
    client = client_for(kpb_a_user)
    contact_data = {"name": "Erika Beispiel", "function": "LOStA", "email": "pp@example.org"}
    responses = [
        client.post(
            reverse("authorities:partner_update", kwargs={"slug": agency.slug}),
            {"name": "Gekapert", "category": agency.category, "active": "on"},
        ),
        client.post(
            reverse("authorities:contact_create", kwargs={"slug": agency.slug}), contact_data
        ),
        client.post(
            reverse("authorities:contact_update", kwargs={"slug": agency.slug, "pk": contact.pk}),
            contact_data,
        ),
        client.post(
            reverse("authorities:contact_delete", kwargs={"slug": agency.slug, "pk": contact.pk})
        ),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert _directory_state(agency) == before
    assert not AuditEntry.objects.filter(object_id=str(agency.pk)).exists()


def test_services_refuse_a_kpb_for_a_shared_agency_with_a_german_message(kpb_a_user):
    agency, contact = _shared_agency_with_contact()
    before = _directory_state(agency)
    contact.email = "pp@example.org"
    attempts = [
        lambda: services.update_partner(agency, data={"seat": "Gekapert"}, by=kpb_a_user),
        lambda: services.save_contact(
            Contact(agency=agency, name="Neu", function="Leitung"), by=kpb_a_user
        ),
        lambda: services.save_contact(contact, by=kpb_a_user),
        lambda: services.delete_contact(contact, by=kpb_a_user),
    ]
    for attempt in attempts:
        with pytest.raises(services.DirectoryError) as refused:
            attempt()
        assert str(refused.value) == SHARED_MESSAGE
    assert _directory_state(agency) == before


def test_lzpd_changes_the_contacts_of_a_shared_agency(lzpd_user):
    agency, contact = _shared_agency_with_contact()
    response = client_for(lzpd_user).post(
        reverse("authorities:contact_update", kwargs={"slug": agency.slug, "pk": contact.pk}),
        {"name": "Erika Beispiel", "function": "LOStA", "email": "neu@example.org"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.email == "neu@example.org"


def test_partner_page_offers_changes_only_to_whom_keeps_the_agency(kpb_a_user, lzpd_user):
    shared, contact = _shared_agency_with_contact()
    own = PartnerAgency.objects.get(slug="kommune-dortmund")  # Dortmund's area alone
    own_contact = Contact.objects.create(agency=own, name="Max Muster", function="OB")

    def page(user, agency):
        return client_for(user).get(agency.get_absolute_url()).content.decode()

    def edit_links(agency, contact):
        return [
            reverse("authorities:partner_update", kwargs={"slug": agency.slug}),
            reverse("authorities:contact_create", kwargs={"slug": agency.slug}),
            reverse("authorities:contact_update", kwargs={"slug": agency.slug, "pk": contact.pk}),
            reverse("authorities:contact_delete", kwargs={"slug": agency.slug, "pk": contact.pk}),
        ]

    kpb_shared, lzpd_shared = page(kpb_a_user, shared), page(lzpd_user, shared)
    kpb_own = page(kpb_a_user, own)
    assert [link in kpb_shared for link in edit_links(shared, contact)] == [False] * 4
    assert [link in lzpd_shared for link in edit_links(shared, contact)] == [True] * 4
    assert [link in kpb_own for link in edit_links(own, own_contact)] == [True] * 4
    shared_keeper = (
        "LZPD (landesweites Partnerverzeichnis) – die Behörde ist für mehrere "
        "Kreispolizeibehörden zuständig"
    )
    assert shared_keeper in kpb_shared
    assert shared_keeper in lzpd_shared
    assert (
        "Änderungen an dieser Partnerbehörde und ihren Ansprechpersonen nimmt das LZPD vor."
        in kpb_shared
    )
    assert f'Gepflegt von</dt><dd class="col-sm-9">{kpb_a_user.authority.short_name}' in kpb_own
    assert "nimmt das LZPD vor" not in kpb_own


def test_kpb_may_change_partner_costs_one_query(kpb_a_user, django_assert_num_queries):
    shared = PartnerAgency.objects.get(slug="bpold-sankt-augustin")  # covers all 47 KPBs
    own = PartnerAgency.objects.get(slug="kommune-dortmund")
    with django_assert_num_queries(2):
        seen = [kpb_a_user.has_perm("authorities.change_partner", a) for a in (shared, own)]
    assert seen == [False, True]


def test_unknown_url_gets_german_404(kpb_a_user):
    response = client_for(kpb_a_user).get("/gibt-es-nicht/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()


def _add_contacts(count: int) -> None:
    agencies = list(PartnerAgency.objects.filter(coverages__authority__slug="pp-dortmund"))
    Contact.objects.bulk_create(
        Contact(agency=agencies[i % len(agencies)], name=f"Person {i}", function="Leitung")
        for i in range(count)
    )


def test_authority_page_queries_do_not_grow_with_contacts(kpb_a_user):
    assert_constant_queries(
        client_for(kpb_a_user), "/verzeichnis/behoerden/pp-dortmund/", lambda: _add_contacts(60)
    )


def test_partner_list_queries_do_not_grow(lzpd_user):
    def grow() -> None:
        dortmund = Authority.objects.get(slug="pp-dortmund")
        for i in range(30):
            agency = PartnerAgency.objects.create(
                slug=f"neu-{i}", name=f"Neu {i}", category="sonstige"
            )
            Coverage.objects.create(agency=agency, authority=dortmund)
        _add_contacts(30)

    assert_constant_queries(client_for(lzpd_user), reverse("authorities:partner_list"), grow)


def test_authority_list_queries_do_not_grow(lzpd_user):
    assert_constant_queries(
        client_for(lzpd_user), reverse("authorities:authority_list"), lambda: _add_contacts(50)
    )
