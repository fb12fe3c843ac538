"""Personal data in the follow-up: comments on circulated minutes (FollowupConfig.ready)."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conferences.personal_data import expired_conferences, invitations_of
from followup.models import MinutesComment
from siko.personal_data import register_provider, register_retention, rows


def comments_of(address: str) -> "QuerySet[MinutesComment]":
    return (
        MinutesComment.objects.filter(invitation__in=invitations_of(address).values("pk"))
        .select_related("minutes__conference", "invitation__agency")
        .order_by("created", "pk")
    )


def export_comments(address: str) -> list[dict[str, Any]]:
    return rows(
        comments_of(address), "minutes", "invitation.agency.name", "created", "text", "resolution"
    )


def erase_comments(address: str, alias: str) -> int:
    """The comment's text goes, also on approved minutes (the frozen PDF does not contain
    comments); that a comment came in and how it was resolved stays."""
    text = _("[Kommentar gelöscht – %(alias)s]") % {"alias": alias}
    # update(): the row is part of a frozen version, whose save() refuses any change.
    return comments_of(address).update(text=text)


def purge_comments(now: datetime) -> int:
    """Comments on the minutes of conferences past their retention period (see
    conferences.personal_data.retention_cutoff)."""
    expired = expired_conferences(now).values("pk")
    deleted, _per_model = MinutesComment._base_manager.filter(
        minutes__conference__in=expired
    ).delete()
    return deleted


def register() -> None:
    register_retention("minutes_comments", purge_comments)
    register_provider(
        "minutes_comments",
        label=gettext_lazy("Kommentare zu Protokollen"),
        export=export_comments,
        erase=erase_comments,
    )
