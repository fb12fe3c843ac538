"""No dead ends: every link and form a role is shown on the main pages lets that role in.

The crawler opens the main pages as each persona, collects every `<a href>` and `<form action>`
that points into SiKo, and requests each once: none may answer 403 (a button whose permission
the role lacks must not be shown at all). A POST-only target answers 405 to the GET, which is
fine: the role passed the permission check before the method was looked at. Links to one view
that differ only in their object (the 47 authorities' parts of a report) are requested up to
PER_VIEW times: the rule is the same, and each request may render a PDF.
"""

from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from authorities.models import Authority, Contact, Exercise, Hospitation, PartnerAgency
from conferences import services
from conferences.models import Invitation
from followup.models import Action
from siko.organisations import OrganisationKind
from tests.conftest import ROLES, client_for, make_user
from tests.factories.conferences import make_conference, make_recorded_conference
from tests.test_access import annual_reports

#: Targets that are no page of SiKo's own: static files, Django's admin of the admin persona.
SKIPPED_PREFIXES = ("/static/", "/media/", "/admin/")
PER_VIEW = 3


class _Targets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []  # (tag, target)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.found.append(("a", values["href"] or ""))
        elif tag == "form":
            self.found.append(("form", values.get("action") or ""))


def targets(page: str, html: str) -> set[str]:
    """Internal paths (with query) that the page links to or submits to."""
    parser = _Targets()
    parser.feed(html)
    paths = set()
    for _tag, target in parser.found:
        if target.startswith(("mailto:", "tel:", "#", "javascript:")):
            continue
        absolute = urljoin(f"http://testserver{page}", target)
        parts = urlsplit(absolute)
        if parts.netloc != "testserver" or parts.path.startswith(SKIPPED_PREFIXES):
            continue
        paths.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


@pytest.fixture
def world(db: None, kpb_a_user: Any) -> dict[str, Any]:
    """KPB A's planned conference (KPB B co-hosts it) with an invitation, a held one with an
    action, R7 records and annual reports: every button of the main pages has a reason to show."""
    sta = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(
        agency=sta, name="Erika Beispiel", function="LOStA", email="erika.beispiel@example.org"
    )
    borken = Authority.objects.get(slug="lr-borken")
    planned = make_conference(kpb_a_user)
    services.update_conference(planned, data={}, co_hosts=[borken], by=kpb_a_user)
    services.add_invitations(planned, agencies=[sta], by=kpb_a_user)
    held = make_recorded_conference(
        "pp-dortmund",
        timezone.now() - timedelta(days=20),
        organiser=kpb_a_user,
        co_hosts=["lr-borken"],
        categories=["staatsanwaltschaft"],
    )
    Invitation.objects.filter(conference=held).update(attended=True)
    Action.objects.create(
        conference=held,
        text="Lagebild Innenstadt",
        owner_agency=None,
        owner_is_police=True,
        due_date=date.today() + timedelta(days=30),
    )
    Hospitation.objects.create(
        authority=kpb_a_user.authority,
        agency=sta,
        direction="outgoing",
        start_date=date(2026, 3, 2),
        end_date=date(2026, 3, 4),
        participants=2,
    )
    Exercise.objects.create(
        authority=kpb_a_user.authority,
        organiser="Stadt Dortmund",
        title="Stromausfall",
        date=date(2026, 5, 6),
        liaison_took_part=True,
    )
    return {"planned": planned, "held": held, **annual_reports()}


def main_pages(world: dict[str, Any]) -> list[str]:
    planned, held = world["planned"].pk, world["held"].pk
    return [
        reverse("conferences:conference_list"),
        reverse("conferences:conference_detail", args=[planned]),
        reverse("conferences:conference_detail", args=[held]),
        reverse("conferences:minutes", args=[held]),
        reverse("conferences:conference_actions", args=[held]),
        reverse("conferences:action_list"),
        reverse("authorities:hospitation_list"),
        reverse("authorities:exercise_list"),
        reverse("reports:annual_report_list"),
        reverse("reports:annual_report", args=[world["final_report"].pk]),
        reverse("reports:annual_report", args=[world["draft_report"].pk]),
        reverse("reports:state"),
        reverse("reports:my_dashboard"),
        reverse("reports:authority_dashboard", args=["pp-dortmund"]),
        reverse("conferences:partner_invitations"),
        reverse("conferences:calendar_feeds"),
        reverse("authorities:authority_list"),
        reverse("authorities:authority_detail", args=["pp-dortmund"]),
        reverse("authorities:partner_list"),
        reverse("authorities:partner_detail", args=["sta-dortmund"]),
    ]


def view_name(target: str) -> str:
    try:
        return resolve(urlsplit(target).path).view_name
    except Resolver404:
        return target


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_every_link_and_form_on_the_main_pages_lets_the_role_in(role, personas, world):
    client = personas[role]
    seen: dict[str, str] = {}  # target → the page that showed it
    opened = 0
    for page in main_pages(world):
        response = client.get(page)
        if response.status_code != 200:
            continue  # a page the role may not open offers it nothing
        opened += 1
        for target in targets(page, response.content.decode()):
            seen.setdefault(target, page)

    dead_ends = {}
    per_view: dict[str, int] = {}
    for target, page in sorted(seen.items()):
        name = view_name(target)
        per_view[name] = per_view.get(name, 0) + 1
        if per_view[name] > PER_VIEW:
            continue
        status = client.get(target).status_code
        if status == 403:
            dead_ends[target] = page
    assert opened > 0
    assert dead_ends == {}, f"{role}: links leading to 403 (target → page showing it)"


def test_a_schulamt_account_sees_its_bezirksregierung_and_kpbs_without_dead_links(db):
    schulamt = PartnerAgency.objects.get(slug="sa-stadt-essen")
    client = client_for(make_user("schulamt", OrganisationKind.PARTNER, agency=schulamt.slug))
    page = reverse("authorities:partner_detail", args=[schulamt.slug])

    response = client.get(page)

    html = response.content.decode()
    assert response.status_code == 200
    assert schulamt.routed_via.name in html
    assert schulamt.routed_via.get_absolute_url() not in html
    assert "Polizeipräsidium Essen" in html
    assert reverse("authorities:authority_detail", args=["pp-essen"]) not in html
    assert [t for t in sorted(targets(page, html)) if client.get(t).status_code == 403] == []
