"""Issue 3 journey in a real browser: plan, invite, answer — with axe-core on every page.

The invitation mail really goes out: the outbox task runs in-process and the local mailbox
backend delivers it as a LocalMail row; the partner opens the link from that mail's text.
"""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from authorities.models import Contact, PartnerAgency, User
from conferences.models import MandatedTopic
from siko.models import LocalMail
from tests.browser.conftest import DESKTOP, PHONE, assert_accessible, login, url

pytestmark = pytest.mark.browser

PROSECUTOR = "Staatsanwaltschaft Dortmund"
CITY = "Stadt Dortmund"
TITLE = "Sicherheitskonferenz Dortmund 2026"
DELEGATE = "Dr. Jana Berger"
DELEGATE_FUNCTION = "Ständige Vertreterin des Leitenden Oberstaatsanwalts"


@pytest.fixture
def mail_delivered_in_process(settings, live_server, tasks_run_eagerly) -> None:
    """Mails reach the local mailbox from the live server's thread, also where REDIS_URL is set
    (CI), and the links in them point at the live server."""
    settings.EMAIL_BACKEND = "siko.mail.LocalMailboxBackend"
    settings.SITE_URL = live_server.url


@pytest.fixture
def dortmund_partners_with_contacts(seeded: None) -> None:
    for slug, name, function in [
        ("sta-dortmund", "Dr. Klaus Hartmann", "Leitender Oberstaatsanwalt"),
        ("kommune-dortmund", "Petra Lindner", "Beigeordnete für öffentliche Ordnung"),
    ]:
        agency = PartnerAgency.objects.get(slug=slug)
        Contact.objects.create(
            agency=agency, name=name, function=function, email=f"{slug}@example.org"
        )


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _field(page: Page, label: str) -> Locator:
    """The input labelled exactly `label` (required fields add an asterisk to the label)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\*?\s*$"))


def _invitation_row(page: Page, agency: str) -> Locator:
    return (
        page.get_by_role("table", name="Einladungen")
        .get_by_role("row")
        .filter(has=page.get_by_role("cell", name=agency, exact=True))
    )


def test_kpb_plans_and_invites_partner_delegates_organiser_sees_answer(
    page: Page,
    phone_page: Page,
    live_server,
    dortmund_user: User,
    dortmund_partners_with_contacts: None,
    mail_delivered_in_process: None,
) -> None:
    start = (timezone.localtime() + timedelta(days=45)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )

    # The organiser plans the conference.
    login(page, live_server, dortmund_user)
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Konferenzen"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konferenzen")
    assert_accessible(page)

    page.get_by_role("link", name="Konferenz planen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konferenz planen")
    assert_accessible(page)
    _field(page, "Titel").fill(TITLE)
    _field(page, "Beginn").fill(_local(start))
    _field(page, "Ende").fill(_local(start + timedelta(hours=3)))
    _field(page, "Ort").fill("Polizeipräsidium Dortmund, Markgrafenstraße 102, Saal 1")
    page.get_by_role("button", name="Als Entwurf speichern").click()

    expect(page.get_by_role("status")).to_contain_text("Entwurf gespeichert")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert_accessible(page)

    # The agenda already holds every mandated topic; a free item is added.
    page.get_by_role("link", name="Tagesordnung", exact=True).click()
    items = page.get_by_role("main").get_by_role("listitem")
    for topic in MandatedTopic.objects.active():
        expect(items.filter(has_text=topic.title).first).to_contain_text("Pflichtthema")
    assert_accessible(page)
    page.get_by_label("Pflichtthema", exact=True).select_option(label="freier Tagesordnungspunkt")
    _field(page, "Titel").fill("Sicherheit im Umfeld des Hauptbahnhofs")
    page.get_by_label("Dauer (Minuten)").fill("30")
    page.get_by_role("button", name="Speichern").click()

    expect(page.get_by_role("status")).to_contain_text("Tagesordnungspunkt hinzugefügt")
    expect(items.filter(has_text="Sicherheit im Umfeld des Hauptbahnhofs")).to_contain_text(
        "freier Punkt"
    )
    assert_accessible(page)

    # Invitation list: partners from two categories; the missing categories are named.
    page.get_by_role("link", name="Zurück zur Konferenz").click()
    page.get_by_role("link", name="Einladungsliste").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Einladungsliste")
    assert_accessible(page)
    page.get_by_role("group", name=re.compile("^Staatsanwaltschaft")).get_by_label(
        PROSECUTOR
    ).check()
    page.get_by_role(
        "group", name=re.compile("^Kreis-, Stadt- oder Gemeindeverwaltung")
    ).get_by_label(CITY).check()
    page.get_by_role("button", name="Zur Einladungsliste hinzufügen").click()

    expect(page.get_by_role("status")).to_contain_text(
        "2 Partnerbehörden zur Einladungsliste hinzugefügt. Versendet ist noch nichts"
    )
    warning = page.get_by_role("alert").filter(has_text="noch niemand eingeladen")
    expect(warning).to_contain_text("Bundespolizei")
    expect(warning).to_contain_text("Zoll")
    expect(warning).not_to_contain_text("Staatsanwaltschaft")
    assert_accessible(page)

    # Preview, then send.
    page.get_by_role("link", name="Weiter zum Versand").click()
    expect(page.get_by_role("heading", level=2, name="2 Einladungen per E-Mail")).to_be_visible()
    recipients = page.get_by_role("main").get_by_role("list").first.get_by_role("listitem")
    expect(recipients).to_have_count(2)
    assert sorted(recipients.all_inner_texts()) == [
        f"{PROSECUTOR} → sta-dortmund@example.org",
        f"{CITY} → kommune-dortmund@example.org",
    ]
    assert_accessible(page)
    page.get_by_role("button", name="Jetzt versenden").click()

    # The message, and the sending progress beside it (the mails went out in-process).
    expect(
        page.get_by_role("status").filter(has_text="2 Einladungen werden versendet")
    ).to_be_visible()
    expect(
        page.get_by_role("status").filter(has_text="2 von 2 Einladungen versendet")
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(_invitation_row(page, PROSECUTOR).locator(".state")).to_have_text("offen")
    expect(_invitation_row(page, CITY).locator(".state")).to_have_text("offen")
    assert_accessible(page)

    # The partner opens the link from the delivered mail on a phone, without an account.
    mail = LocalMail.objects.get(recipients="sta-dortmund@example.org")
    answer_link = re.search(rf"{re.escape(live_server.url)}/\S+", mail.body).group(0)
    partner = phone_page
    assert partner.viewport_size == PHONE
    partner.goto(answer_link)
    expect(partner.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(partner.get_by_text("Sicherheit im Umfeld des Hauptbahnhofs")).to_be_visible()
    assert_accessible(partner)
    overflow = partner.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the answer page scrolls sideways by {overflow}px at phone size"

    partner.get_by_label("Vertretung – eine andere Person nimmt für uns teil").check()
    partner.get_by_label("Name der Vertretung").fill(DELEGATE)
    partner.get_by_label("Funktion der Vertretung").fill(DELEGATE_FUNCTION)
    partner.get_by_label("Anmerkung (freiwillig)").fill("Der Behördenleiter ist im Urlaub.")
    partner.get_by_role("button", name="Antwort senden").click()

    expect(partner.get_by_role("status")).to_contain_text(
        "Vielen Dank. Ihre Antwort „Vertretung benannt“ ist gespeichert"
    )
    expect(partner.get_by_text(f"{DELEGATE} ({DELEGATE_FUNCTION})")).to_be_visible()
    assert_accessible(partner)
    partner.set_viewport_size(DESKTOP)
    assert_accessible(partner)

    # The organiser sees the answer.
    page.reload()
    row = _invitation_row(page, PROSECUTOR)
    expect(row.locator(".state")).to_have_text("vertreten")  # the badge of the state
    expect(row).to_contain_text(f"{DELEGATE} ({DELEGATE_FUNCTION})")
    expect(row).to_contain_text("Der Behördenleiter ist im Urlaub.")
    expect(_invitation_row(page, CITY).locator(".state")).to_have_text("offen")
    assert_accessible(page)


def test_login_starts_at_skip_link_and_announces_failed_login(
    page: Page, live_server, dortmund_user: User
) -> None:
    page.goto(url(live_server, "login"))

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Zum Inhalt springen")).to_be_focused()

    _field(page, "Benutzername").fill(dortmund_user.username)
    _field(page, "Passwort").fill("falsch")
    page.get_by_role("button", name="Anmelden").click()

    expect(page.get_by_role("alert")).to_have_text(
        "Benutzername oder Passwort ist falsch. Achten Sie auf Groß- und Kleinschreibung."
    )
    expect(_field(page, "Benutzername")).to_have_value(dortmund_user.username)
    assert_accessible(page)


def test_select_all_proposals_per_category_and_overall(
    page: Page, live_server, dortmund_user: User
) -> None:
    from tests.factories.conferences import make_conference

    conference = make_conference(dortmund_user, title=TITLE)
    login(page, live_server, dortmund_user)
    page.goto(url(live_server, "conferences:invitations", conference.pk))
    police = page.get_by_role("group", name=re.compile("Bundespolizei"))
    boxes = police.get_by_role("checkbox")
    assert boxes.count() > 1

    police.get_by_role("button", name=re.compile("^alle vorgeschlagenen auswählen")).click()

    for box in boxes.all():
        expect(box).to_be_checked()
    form_boxes = page.locator("#invite-form input[type=checkbox]:not(:disabled)")
    assert form_boxes.count() > boxes.count()
    expect(form_boxes.first).not_to_be_checked()  # another category stays as it was
    assert_accessible(page)

    page.get_by_role("button", name="Alle vorgeschlagenen auswählen", exact=True).click()

    for box in form_boxes.all():
        expect(box).to_be_checked()
    proposed = form_boxes.count()
    page.get_by_role("button", name="Zur Einladungsliste hinzufügen").click()
    expect(page.locator(".alert-success[role=status]")).to_contain_text(
        f"{proposed} Partnerbehörden zur Einladungsliste hinzugefügt"
    )
    assert conference.invitations.count() == proposed
