"""Issue 4 journey in a real browser: attendance, minutes, approval round and the action table —
with axe-core on every page.

The conference is planned and its invitations answered in the arrange step (services), then moved
into the past. The comment mail really goes out (outbox task in-process, local mailbox backend);
the partner opens the link from that mail on a phone. The end of the comment period is a time
jump: the deadline is put into the past.
"""

import hashlib
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from authorities.models import Contact, PartnerAgency, User
from conferences import services
from conferences.enums import AnswerChannel, ConferenceStatus, InvitationState
from conferences.models import Conference
from followup.models import Minutes
from siko.models import LocalMail
from tests.browser.conftest import DESKTOP, PHONE, assert_accessible, login, url
from tests.factories.conferences import make_conference

pytestmark = pytest.mark.browser

TITLE = "Sicherheitskonferenz Dortmund Herbst"
PROSECUTOR = "Staatsanwaltschaft Dortmund"
CITY = "Stadt Dortmund"
DELEGATE = "Dr. Jana Berger"
COMMENT = "Bitte das Datum der gemeinsamen Streife ergänzen."
ACTION_TEXT = "Gemeinsame Streife am Hauptbahnhof einrichten"


@pytest.fixture
def mail_delivered_in_process(settings, live_server, tmp_path, tasks_run_eagerly) -> None:
    """Mails reach the local mailbox from the live server's thread, their links point at the
    live server, and the frozen PDF lands in a temporary media folder."""
    settings.EMAIL_BACKEND = "siko.mail.LocalMailboxBackend"
    settings.SITE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def held_yesterday(dortmund_user: User, mail_delivered_in_process: None) -> Conference:
    """Planned, invited (prosecutor sends a delegate, the city accepts), and over since
    yesterday."""
    conference = make_conference(dortmund_user, title=TITLE)
    agencies = []
    for slug, name in [
        ("sta-dortmund", "Dr. Klaus Hartmann"),
        ("kommune-dortmund", "Petra Lindner"),
    ]:
        agency = PartnerAgency.objects.get(slug=slug)
        Contact.objects.create(
            agency=agency, name=name, function="Leitung", email=f"{slug}@example.org"
        )
        agencies.append(agency)
    services.add_invitations(conference, agencies=agencies, by=dortmund_user)
    services.send_invitations(conference, by=dortmund_user)
    services.record_answer(
        conference.invitations.get(agency__slug="sta-dortmund"),
        state=InvitationState.DELEGATED,
        via=AnswerChannel.LINK,
        delegate_name=DELEGATE,
        delegate_function="Oberstaatsanwältin",
    )
    services.record_answer(
        conference.invitations.get(agency__slug="kommune-dortmund"),
        state=InvitationState.ACCEPTED,
        via=AnswerChannel.LINK,
    )
    start = timezone.now() - timedelta(days=1, hours=4)
    Conference.objects.filter(pk=conference.pk).update(start=start, end=start + timedelta(hours=3))
    LocalMail.objects.all().delete()
    return conference


def test_kpb_records_attendance_minutes_approval_and_follows_up_an_action(
    page: Page,
    phone_page: Page,
    live_server,
    dortmund_user: User,
    held_yesterday: Conference,
) -> None:
    conference = held_yesterday
    agenda = list(conference.agenda_items.order_by("order"))
    assert agenda, "the conference starts with the mandated topics on its agenda"

    # Attendance: the prosecutor's delegate was there, the city was not.
    login(page, live_server, dortmund_user)
    page.goto(url(live_server, "conferences:conference_detail", conference.pk))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("region", name="Nach der Konferenz")).to_contain_text(
        "noch nicht erfasst"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Anwesenheit erfassen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anwesenheit")
    assert_accessible(page)
    page.get_by_label(f"Anwesenheit: {PROSECUTOR}").select_option(label="anwesend")
    expect(page.get_by_label(f"Anwesend für {PROSECUTOR}")).to_have_value(
        f"{DELEGATE}, Oberstaatsanwältin"
    )  # proposed: the named delegate
    page.get_by_label(f"Anwesenheit: {CITY}").select_option(label="nicht anwesend")
    page.get_by_label(f"Anwesend für {CITY}").fill("")
    page.get_by_role("button", name="Anwesenheit speichern").click()

    expect(page.get_by_role("status")).to_contain_text("die Konferenz gilt als durchgeführt")
    counts = page.get_by_role("table", name=re.compile("^Anwesenheit nach Kategorie"))
    for category, numbers in [
        ("Staatsanwaltschaft", ["1", "1", "0", "0"]),
        ("Kreis-, Stadt- oder Gemeindeverwaltung", ["1", "0", "1", "0"]),
    ]:
        row = counts.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=re.compile(rf"^{re.escape(category)}"))
        )
        expect(row.get_by_role("cell")).to_have_text(numbers)
    assert_accessible(page)
    page.get_by_role("link", name=f"Zurück zu „{TITLE}“").click()
    expect(page.get_by_role("main")).to_contain_text("durchgeführt")
    after = page.get_by_role("region", name="Nach der Konferenz")
    expect(after).to_contain_text("1 von 2 eingeladenen Behörden anwesend")
    assert_accessible(page)
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.HELD

    # Minutes: one section per agenda item; the first ends in an action.
    after.get_by_role("link", name="Zum Protokoll").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Protokoll")
    assert_accessible(page)
    page.get_by_role("button", name="Protokoll beginnen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Protokoll bearbeiten")
    assert_accessible(page)
    page.get_by_label("Allgemeines").fill("**Begrüßung** durch die Behördenleitung.")
    for number, item in enumerate(agenda):
        section = page.get_by_role("group", name=f"{item.order}. {item.title}")
        section.get_by_label("Bericht", exact=True).fill(f"Lage zu „{item.title}“ vorgestellt.")
        if number == 0:
            section.get_by_label("Art des Ergebnisses").select_option(label="Maßnahme")
            section.get_by_label("Ergebnis", exact=True).fill(f"- {ACTION_TEXT}")
        else:
            section.get_by_label("Art des Ergebnisses").select_option(label="Information")
    page.get_by_role("button", name="Entwurf speichern").click()

    expect(page.get_by_role("status")).to_contain_text("Protokollentwurf gespeichert")
    main = page.get_by_role("main")
    expect(main.locator("strong", has_text="Begrüßung")).to_be_visible()  # Markdown rendered
    expect(main.get_by_role("listitem").filter(has_text=ACTION_TEXT)).to_be_visible()
    expect(main).to_contain_text("Fassung 1: Entwurf")
    assert_accessible(page)

    # Circulation to the attending agencies, with a comment deadline.
    page.get_by_role("link", name="Zur Abstimmung versenden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Protokoll zur Abstimmung versenden")
    recipients = page.get_by_role("main").get_by_role("list").first.get_by_role("listitem")
    expect(recipients).to_have_text([f"{PROSECUTOR} <sta-dortmund@example.org>"])
    assert_accessible(page)
    deadline = (timezone.localtime() + timedelta(days=10)).replace(hour=12, minute=0)
    page.get_by_label(re.compile(r"^\s*Kommentarfrist bis")).fill(
        deadline.strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Entwurf an die anwesenden Behörden versenden").click()

    expect(page.get_by_role("status")).to_contain_text("an die anwesenden Behörden versandt")
    expect(page.get_by_role("main")).to_contain_text(
        f"Kommentarfrist bis {deadline:%d.%m.%Y} 12:00 Uhr"
    )
    assert_accessible(page)

    # The prosecutor's office opens its link from the mail on a phone and comments.
    mail = LocalMail.objects.get(recipients="sta-dortmund@example.org")
    assert not LocalMail.objects.filter(recipients="kommune-dortmund@example.org").exists()
    assert "Lage zu" not in mail.body  # the mail carries the link, never the minutes
    link = re.search(rf"{re.escape(live_server.url)}/\S+", mail.body).group(0)
    partner = phone_page
    assert partner.viewport_size == PHONE
    partner.goto(link)
    expect(partner.get_by_role("heading", level=1)).to_have_text(f"Protokoll: {TITLE}")
    expect(partner.get_by_role("alert")).to_contain_text(
        f"Anmerkungen sind bis {deadline:%d.%m.%Y} 12:00 Uhr möglich"
    )
    expect(partner.get_by_text(ACTION_TEXT)).to_be_visible()
    assert_accessible(partner)
    overflow = partner.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the comment page scrolls sideways by {overflow}px at phone size"
    partner.get_by_label(re.compile(r"^\s*Ihr Kommentar")).fill(COMMENT)
    partner.get_by_role("button", name="Kommentar senden").click()

    expect(partner.get_by_role("status")).to_contain_text("Ihr Kommentar ist eingegangen")
    expect(partner.get_by_role("region", name="Anmerkung geben")).to_be_visible()
    expect(
        partner.get_by_role("main").get_by_role("listitem").filter(has_text=COMMENT)
    ).to_be_visible()
    assert_accessible(partner)
    partner.set_viewport_size(DESKTOP)
    assert_accessible(partner)

    # Time jump: the comment period is over.
    Minutes.objects.filter(conference=conference).update(
        comment_deadline=timezone.now() - timedelta(minutes=1)
    )

    # The organiser resolves the comment and approves.
    page.reload()
    comment = page.get_by_role("main").get_by_role("listitem").filter(has_text=COMMENT)
    expect(comment).to_contain_text(PROSECUTOR)
    assert_accessible(page)
    comment.get_by_label("Erledigung").fill("Datum (12. März) im Punkt 1 ergänzt.")
    comment.get_by_role("button", name="Als erledigt vermerken").click()

    expect(page.get_by_role("status")).to_contain_text("Kommentar als erledigt vermerkt")
    expect(comment).to_contain_text("Erledigt")
    expect(comment).to_contain_text("Datum (12. März) im Punkt 1 ergänzt.")
    assert_accessible(page)
    page.get_by_role("link", name="Freigeben", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Protokoll freigeben")
    expect(page.get_by_role("alert")).to_have_count(0)  # no open comment left
    assert_accessible(page)
    page.get_by_role("button", name="Fassung 1 freigeben").click()

    expect(page.get_by_role("status")).to_contain_text("freigegeben und als PDF gespeichert")
    expect(page.get_by_role("main")).to_contain_text("Fassung 1: freigegeben")
    expect(page.get_by_role("link", name="Entwurf bearbeiten")).to_have_count(0)
    minutes = Minutes.objects.get(conference=conference)
    pdf_bytes = minutes.pdf.read()
    assert pdf_bytes.startswith(b"%PDF")
    assert minutes.sha256 == hashlib.sha256(pdf_bytes).hexdigest()
    version_row = page.get_by_role("row").filter(has_text=minutes.sha256)
    expect(version_row).to_contain_text("freigegeben")
    pdf_link = version_row.get_by_role("link", name="PDF")
    expect(pdf_link).to_have_attribute("href", re.compile(r"/protokoll/fassung-1\.pdf$"))
    pdf = page.request.get(live_server.url + pdf_link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.body()).hexdigest() == minutes.sha256
    assert_accessible(page)

    # Follow-up: the action from item 1 gets an owner and a due date.
    page.get_by_role("link", name=f"Zurück zu „{TITLE}“").click()
    expect(page.get_by_role("region", name="Nach der Konferenz")).to_contain_text("freigegeben")
    assert_accessible(page)
    page.get_by_role("link", name="Vereinbarte Maßnahmen (Beschlusskontrolle)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vereinbarte Maßnahmen")
    assert_accessible(page)
    due = timezone.localdate() + timedelta(days=7)
    form = page.get_by_role("region", name="Neue Maßnahme")
    form.get_by_label(re.compile(r"^\s*Maßnahme")).fill(ACTION_TEXT)
    form.get_by_label(re.compile(r"^\s*Zuständig")).select_option(label=PROSECUTOR)
    form.get_by_label(re.compile(r"^\s*Fällig am")).fill(due.isoformat())
    form.get_by_role("button", name="Maßnahme anlegen").click()

    expect(page.get_by_role("status")).to_contain_text("Maßnahme angelegt")
    row = (
        page.get_by_role("table", name="Maßnahmen dieser Konferenz")
        .get_by_role("row")
        .filter(has_text=ACTION_TEXT)
    )
    expect(row).to_contain_text(PROSECUTOR)
    expect(row).to_contain_text("bald fällig")
    assert_accessible(page)

    # The action table of the authority shows it with its traffic light.
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role(
        "link", name="Maßnahmen"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beschlusskontrolle")
    row = (
        page.get_by_role("table", name="Maßnahmen").get_by_role("row").filter(has_text=ACTION_TEXT)
    )
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell").nth(0)).to_have_text("bald fällig")
    expect(row).to_contain_text(f"{due:%d.%m.%Y}")
    expect(row).to_contain_text(PROSECUTOR)
    expect(row).to_contain_text("offen")
    expect(row.get_by_role("link", name=TITLE)).to_be_visible()
    assert_accessible(page)
