"""State badges of conferences and invitations (issue 15): a short word and a colour of its own
for each state, the same on every list. The colours only repeat the word; every pair reaches the
AA contrast (siko.css `.state-…`)."""

from typing import TYPE_CHECKING

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from conferences.enums import ConferenceStatus, InvitationState
from conferences.models import Conference, Invitation

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

register = template.Library()

CONFERENCE_WORDS: dict[str, "StrPromise"] = {
    ConferenceStatus.DRAFT: _("Entwurf"),
    ConferenceStatus.SCHEDULED: _("geplant"),
    ConferenceStatus.HELD: _("durchgeführt"),
    ConferenceStatus.CANCELLED: _("abgesagt"),
}
INVITATION_WORDS: dict[str, "StrPromise"] = {
    InvitationState.PENDING: _("nicht versendet"),
    InvitationState.SENT: _("offen"),
    InvitationState.ACCEPTED: _("zugesagt"),
    InvitationState.TENTATIVE: _("vorläufig"),
    InvitationState.DECLINED: _("abgesagt"),
    InvitationState.DELEGATED: _("vertreten"),
}


@register.simple_tag
def state_badge(obj: Conference | Invitation) -> SafeString:
    """`{% state_badge conference %}` or `{% state_badge invitation %}`."""
    if isinstance(obj, Conference):
        kind, value, word = "conference", obj.status, CONFERENCE_WORDS[obj.status]
    else:
        kind, value, word = "invitation", obj.state, INVITATION_WORDS[obj.state]
    return format_html('<span class="badge state state-{}-{}">{}</span>', kind, value, word)
