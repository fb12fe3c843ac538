"""Issue 15: the clash warning appears on the conference form as soon as a date is chosen."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from authorities.models import PartnerAgency, User
from conferences import services
from conferences.enums import ConferenceStatus
from conferences.models import Conference
from siko.organisations import OrganisationKind
from tests.browser.conftest import assert_accessible, login, url
from tests.conftest import make_user
from tests.factories.conferences import make_conference

pytestmark = pytest.mark.browser


def test_choosing_a_date_shows_the_clash_with_another_kpbs_conference(
    page: Page, live_server, dortmund_user: User
) -> None:
    essen = make_user("kpb-essen", OrganisationKind.KPB, authority="pp-essen")
    theirs = make_conference(essen, days_ahead=30, title="Titel der Essener Konferenz")
    services.add_invitations(
        theirs, agencies=[PartnerAgency.objects.get(slug="bpold-sankt-augustin")], by=essen
    )
    Conference.objects.filter(pk=theirs.pk).update(status=ConferenceStatus.SCHEDULED)
    day = timezone.localtime(theirs.start)

    login(page, live_server, dortmund_user)
    page.goto(url(live_server, "conferences:conference_create"))
    region = page.locator("#date-clashes")
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_be_empty()

    page.get_by_label(re.compile(r"^\s*Beginn\*?\s*$")).fill(
        day.replace(hour=10, minute=0).strftime("%Y-%m-%dT%H:%M")
    )

    expect(region).to_contain_text("Terminüberschneidungen bei Partnern Ihres Bereichs")
    expect(region).to_contain_text(
        f"Am {day:%d.%m.%Y} plant auch das Polizeipräsidium Essen eine Konferenz mit: "
        "Bundespolizeidirektion Sankt Augustin."
    )
    expect(region).not_to_contain_text("Titel der Essener Konferenz")
    assert_accessible(page)

    page.get_by_label(re.compile(r"^\s*Beginn\*?\s*$")).fill(
        (day + timedelta(days=1)).replace(hour=10, minute=0).strftime("%Y-%m-%dT%H:%M")
    )

    expect(region).to_contain_text("Keine Terminüberschneidung mit Konferenzen anderer Behörden")
