from datetime import date
from typing import Any

from authorities.models import PartnerAgency, User
from cooperations import services
from cooperations.enums import CooperationKind
from cooperations.models import Cooperation


def make_cooperation(
    author: User, *, partners: tuple[str, ...] = ("kommune-dortmund",), **data: Any
) -> Cooperation:
    """A cooperation of the author's authority with partners by directory key."""
    status = data.pop("status", "aktiv")
    conferences = data.pop("conferences", ())
    values = {
        "name": "Ordnungspartnerschaft Innenstadt",
        "kind": CooperationKind.ORDNUNGSPARTNERSCHAFT,
        "since": date(2024, 3, 1),
        "notes": "",
        **data,
    }
    assert author.authority is not None
    return services.create_cooperation(
        author.authority,
        data=values,
        partners=list(PartnerAgency.objects.filter(slug__in=partners)),
        conferences=conferences,
        status=status,
        by=author,
    )
