"""Demo data: a few cooperations of the demo KPBs with partners of their area, seeded once."""

import pytest

from authorities.demo import seed_demo_users
from authorities.models import User
from cooperations.demo import seed_demo_cooperations
from cooperations.models import Cooperation
from tests.factories.conferences import make_conference

pytestmark = pytest.mark.django_db


def test_demo_cooperations_are_seeded_once_with_partners_of_the_area():
    seed_demo_users()
    dortmund = User.objects.get(username="kpb-dortmund")
    conference = make_conference(dortmund)

    first = seed_demo_cooperations()
    second = seed_demo_cooperations()

    assert (first, second) == (4, 0)
    assert sorted(Cooperation.objects.values_list("authority__slug", flat=True)) == [
        "lr-borken",
        "pp-dortmund",
        "pp-dortmund",
        "pp-dortmund",
    ]
    for cooperation in Cooperation.objects.all():
        assert cooperation.partners.exists()
        assert not cooperation.partners.exclude(coverages__authority=cooperation.authority).exists()
    innenstadt = Cooperation.objects.get(name="Ordnungspartnerschaft Innenstadt")
    assert list(innenstadt.discussed_at.all()) == [conference]
