"""Writes for the comparison groups (Vergleichsgruppen, R8), edited by the LZPD."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from authorities.models import Authority, ComparisonGroup, User
from siko.audit import log_action


class ComparisonGroupError(Exception):
    """A rule of the comparison groups was broken; the message is German and shown as is."""


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ComparisonGroupError(_("Bitte einen Namen angeben."))
    return name


def _assign(group: ComparisonGroup, authorities: Iterable[Authority]) -> list[str]:
    """Exactly these authorities belong to the group afterwards; others leave it."""
    wanted = {a.pk for a in authorities}
    with scopes_disabled():
        Authority.objects.filter(comparison_group=group).exclude(pk__in=wanted).update(
            comparison_group=None
        )
        Authority.objects.filter(pk__in=wanted).update(comparison_group=group)
        return list(
            Authority.objects.filter(comparison_group=group)
            .order_by("slug")
            .values_list("slug", flat=True)
        )


def create_comparison_group(
    *, name: str, authorities: Iterable[Authority], by: User
) -> ComparisonGroup:
    """A new group with these authorities; an authority in another group moves into it
    (an authority belongs to at most one group)."""
    name = _clean_name(name)
    if ComparisonGroup.objects.filter(name__iexact=name).exists():
        raise ComparisonGroupError(_("Eine Vergleichsgruppe mit diesem Namen gibt es bereits."))
    with transaction.atomic():
        group = ComparisonGroup.objects.create(name=name)
        members = _assign(group, authorities)
        log_action("comparison_group.created", group, actor=by, data={"authorities": members})
    return group


def update_comparison_group(
    group: ComparisonGroup, *, name: str, authorities: Iterable[Authority], by: User
) -> ComparisonGroup:
    """Rename the group and set its members; authorities left out lose their group."""
    name = _clean_name(name)
    if ComparisonGroup.objects.filter(name__iexact=name).exclude(pk=group.pk).exists():
        raise ComparisonGroupError(_("Eine Vergleichsgruppe mit diesem Namen gibt es bereits."))
    with transaction.atomic():
        # A bound ModelForm has already written the new name onto the instance.
        old_name = ComparisonGroup.objects.filter(pk=group.pk).values_list("name", flat=True)[0]
        group.name = name
        group.save(update_fields=["name"])
        members = _assign(group, authorities)
        log_action(
            "comparison_group.changed",
            group,
            actor=by,
            data={"name_before": old_name, "authorities": members},
        )
    return group


def delete_comparison_group(group: ComparisonGroup, *, by: User) -> None:
    """Delete the group; its authorities stay and have no group afterwards."""
    with transaction.atomic():
        log_action("comparison_group.deleted", group, actor=by)
        with scopes_disabled():
            Authority.objects.filter(comparison_group=group).update(comparison_group=None)
        group.delete()
