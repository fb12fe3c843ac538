"""Cooperation structures (R6 topic 6): writes, their rules and audit entries."""

from datetime import date

import pytest

from authorities.models import PartnerAgency
from conferences.services import cancel_conference
from cooperations import services
from cooperations.models import Cooperation
from cooperations.selectors import cooperation_figures
from siko.models import AuditEntry
from tests.factories.conferences import make_conference
from tests.factories.cooperations import make_cooperation

pytestmark = pytest.mark.django_db


def audit(action: str, cooperation: Cooperation) -> int:
    return AuditEntry.objects.filter(action=action, object_id=str(cooperation.pk)).count()


def test_create_cooperation_stores_partners_of_the_area_and_audits(kpb_a_user):
    cooperation = make_cooperation(kpb_a_user, partners=("kommune-dortmund", "sta-dortmund"))

    assert cooperation.authority.slug == "pp-dortmund"
    assert cooperation.status == "aktiv"
    assert sorted(cooperation.partners.values_list("slug", flat=True)) == [
        "kommune-dortmund",
        "sta-dortmund",
    ]
    assert audit("cooperation.created", cooperation) == 1


def test_create_cooperation_refuses_a_partner_outside_the_area(kpb_a_user):
    with pytest.raises(services.CooperationError, match="Nicht für den Bereich"):
        make_cooperation(kpb_a_user, partners=("kommune-dortmund", "bpoli-kleve"))
    assert Cooperation.objects.count() == 0


def test_create_cooperation_refuses_state_bodies_and_other_kpbs(kpb_a_user, kpb_b_user, lzpd_user):
    for user in (lzpd_user, kpb_b_user):
        with pytest.raises(services.CooperationError, match="Kreispolizeibehörde"):
            services.create_cooperation(
                kpb_a_user.authority,
                data={"name": "OP", "kind": "ordnungspartnerschaft", "since": date(2024, 1, 1)},
                by=user,
            )
    assert Cooperation.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "  ", "kind": "praeventionsrat", "since": date(2024, 1, 1)}, "Bezeichnung"),
        ({"name": "Rat", "kind": "verein", "since": date(2024, 1, 1)}, "Art"),
        ({"name": "Rat", "kind": "praeventionsrat", "since": None}, "seit wann"),
        ({"name": "Rat", "kind": "praeventionsrat", "since": date(2999, 1, 1)}, "nicht plausibel"),
    ],
)
def test_create_cooperation_refuses_bad_values(kpb_a_user, data, message):
    with pytest.raises(services.CooperationError, match=message):
        services.create_cooperation(kpb_a_user.authority, data=data, by=kpb_a_user)
    assert Cooperation.objects.count() == 0


def test_a_name_is_used_once_per_authority_but_again_by_another(kpb_a_user, kpb_b_user):
    make_cooperation(kpb_a_user, name="Präventionsrat Innenstadt")

    with pytest.raises(services.CooperationError, match="bereits"):
        make_cooperation(kpb_a_user, name="präventionsrat  innenstadt")
    make_cooperation(kpb_b_user, name="Präventionsrat Innenstadt", partners=("sta-muenster",))

    assert Cooperation.objects.count() == 2


def test_update_cooperation_changes_and_audits_only_what_changed(kpb_a_user):
    cooperation = make_cooperation(kpb_a_user)

    changed = services.update_cooperation(
        cooperation,
        data={"name": "OP Hauptbahnhof", "notes": "Treffen monatlich"},
        partners=list(PartnerAgency.objects.filter(slug="sta-dortmund")),
        by=kpb_a_user,
    )
    repeated = services.update_cooperation(
        cooperation,
        data={"name": "OP Hauptbahnhof", "notes": "Treffen monatlich"},
        partners=list(PartnerAgency.objects.filter(slug="sta-dortmund")),
        by=kpb_a_user,
    )

    cooperation.refresh_from_db()
    assert sorted(changed) == ["name", "notes", "partners"]
    assert repeated == []
    assert cooperation.name == "OP Hauptbahnhof"
    assert list(cooperation.partners.values_list("slug", flat=True)) == ["sta-dortmund"]
    assert audit("cooperation.changed", cooperation) == 1


def test_change_status_is_audited_with_before_and_after(kpb_a_user):
    cooperation = make_cooperation(kpb_a_user)

    services.change_cooperation_status(cooperation, status="ruhend", by=kpb_a_user)
    services.change_cooperation_status(cooperation, status="ruhend", by=kpb_a_user)

    entry = AuditEntry.objects.get(action="cooperation.status_changed")
    assert entry.data == {"from": "aktiv", "to": "ruhend"}
    with pytest.raises(services.CooperationError, match="Unbekannter Status"):
        services.change_cooperation_status(cooperation, status="pausiert", by=kpb_a_user)
    cooperation.refresh_from_db()
    assert cooperation.status == "ruhend"


def test_record_discussed_links_once_on_a_double_click(kpb_a_user):
    cooperation = make_cooperation(kpb_a_user)
    conference = make_conference(kpb_a_user)

    first = services.record_discussed(cooperation, conference=conference, by=kpb_a_user)
    second = services.record_discussed(cooperation, conference=conference, by=kpb_a_user)

    assert (first, second) == (True, False)
    assert list(cooperation.discussed_at.all()) == [conference]
    assert audit("cooperation.discussed", cooperation) == 1


def test_record_discussed_refuses_another_authoritys_or_a_cancelled_conference(
    kpb_a_user, kpb_b_user
):
    cooperation = make_cooperation(kpb_a_user)
    foreign = make_conference(kpb_b_user)
    cancelled = make_conference(kpb_a_user, title="Abgesagte Konferenz")
    cancel_conference(cancelled, reason="Terminkollision", by=kpb_a_user)

    with pytest.raises(services.CooperationError, match="keine Konferenz Ihrer Behörde"):
        services.record_discussed(cooperation, conference=foreign, by=kpb_a_user)
    with pytest.raises(services.CooperationError, match="abgesagt"):
        services.record_discussed(cooperation, conference=cancelled, by=kpb_a_user)
    with pytest.raises(services.CooperationError, match="Kreispolizeibehörde"):
        services.record_discussed(cooperation, conference=foreign, by=kpb_b_user)
    assert cooperation.discussed_at.count() == 0


def test_record_discussed_refuses_an_ended_cooperation(kpb_a_user):
    cooperation = make_cooperation(kpb_a_user, status="beendet")

    with pytest.raises(services.CooperationError, match="beendet"):
        services.record_discussed(
            cooperation, conference=make_conference(kpb_a_user), by=kpb_a_user
        )


def test_figures_count_active_and_new_per_authority(kpb_a_user, kpb_b_user):
    make_cooperation(kpb_a_user, name="Alt und aktiv", since=date(2019, 5, 1))
    make_cooperation(kpb_a_user, name="Neu und aktiv", since=date(2025, 2, 1))
    make_cooperation(kpb_a_user, name="Neu, beendet", since=date(2025, 3, 1), status="beendet")
    make_cooperation(kpb_a_user, name="Ruhend", since=date(2020, 3, 1), status="ruhend")
    make_cooperation(kpb_a_user, name="Erst 2026", since=date(2026, 1, 10))
    make_cooperation(kpb_b_user, name="Borken", since=date(2025, 6, 1), partners=())

    figures = cooperation_figures(2025)

    assert figures[kpb_a_user.authority_id].active == 2
    assert figures[kpb_a_user.authority_id].new == 2
    assert figures[kpb_b_user.authority_id].active == 1
    assert figures[kpb_b_user.authority_id].new == 1
