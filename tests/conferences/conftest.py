"""Fixtures shared by the conference tests."""

import pytest

from authorities.models import User


@pytest.fixture
def organiser(kpb_a_user: User) -> User:
    """KPB A's staff member Petra Planer, who organises the conferences of these tests."""
    kpb_a_user.first_name, kpb_a_user.last_name = "Petra", "Planer"
    kpb_a_user.save()
    return kpb_a_user
