"""Demo data: a few published practices of the demo KPBs, seeded once."""

import pytest

from authorities.demo import seed_demo_users
from practices.demo import seed_demo_practices
from practices.enums import PracticeState
from practices.models import GoodPractice

pytestmark = pytest.mark.django_db


def test_demo_practices_are_published_once(django_capture_on_commit_callbacks):
    seed_demo_users()

    first = seed_demo_practices()
    second = seed_demo_practices()

    assert (first, second) == (4, 0)
    published = GoodPractice.objects.filter(state=PracticeState.PUBLISHED)
    assert sorted(published.values_list("authority__slug", flat=True)) == [
        "lr-borken",
        "pp-dortmund",
        "pp-dortmund",
    ]
