"""Who may do what with cooperation structures (rules; registered in CooperationsConfig.ready).

KPB staff keep their own authority's cooperations, state bodies read all of them, partners see
none. Another authority's cooperation is outside a KPB's scope (404)."""

from typing import Any

import rules

from siko.organisations import OrganisationMember
from siko.permissions import (
    is_admin,
    is_host_authority,
    is_kpb_staff,
    own_authority_or_state,
    police_or_state,
)


@rules.predicate
def is_own_cooperation(user: OrganisationMember, cooperation: Any) -> bool:
    if cooperation is None:
        return True
    return user.authority_id is not None and user.authority_id == cooperation.authority_id


rules.add_perm("cooperations.list_cooperations", police_or_state)
rules.add_perm("cooperations.add_cooperation", is_kpb_staff)
rules.add_perm("cooperations.change_cooperation", is_kpb_staff & is_own_cooperation)
rules.add_perm("cooperations.import_cooperations", is_kpb_staff)
# Marking a cooperation as discussed belongs to planning the conference: its host only.
rules.add_perm("cooperations.record_discussed", (is_kpb_staff & is_host_authority) | is_admin)
rules.add_perm("cooperations.view_authority_cooperations", own_authority_or_state)
