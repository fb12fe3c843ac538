"""`{% load cooperations %}{% authority_cooperations authority %}` on the authority's page:
authorities' templates show the cooperations without the authorities app importing this one."""

from typing import Any

from django import template

from authorities.models import Authority
from cooperations import selectors

register = template.Library()


@register.inclusion_tag("cooperations/cooperation/_authority_section.html", takes_context=True)
def authority_cooperations(context: template.Context, authority: Authority) -> dict[str, Any]:
    """Three queries (cooperations, their partners, their conferences) whatever their number."""
    user = context["user"]
    allowed = user.has_perm("cooperations.view_authority_cooperations", authority)
    return {
        "user": user,
        "authority": authority,
        "allowed": allowed,
        "cooperations": list(selectors.cooperation_list(authority=authority)) if allowed else [],
        "can_add": allowed
        and user.has_perm("cooperations.add_cooperation")
        and user.authority_id == authority.pk,
    }
