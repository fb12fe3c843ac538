"""Small building blocks of every page: the keyboard-reachable scroll box around a wide table,
the navigation's active section and the cached parts of base.html (site_chrome)."""

import hashlib

from django import template
from django.core.cache import cache
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


class ScrollRegionNode(template.Node):
    def __init__(self, label: FilterExpression, nodelist: NodeList) -> None:
        self.label = label
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        # A table wider than the phone scrolls inside this box, never the page. Keyboard users
        # reach the box with Tab and scroll it with the arrow keys (WCAG 2.1.1, axe
        # scrollable-region-focusable); screen readers announce it as a named region.
        return format_html(
            '<div class="table-responsive" role="region" aria-label="{}" tabindex="0">{}</div>',
            self.label.resolve(context),
            self.nodelist.render(context),
        )


@register.tag
def scroll_region(parser: Parser, token: Token) -> ScrollRegionNode:
    """`{% scroll_region _("Einladungen") %}<table>…</table>{% endscroll_region %}`."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("scroll_region takes one argument: the region's name")
    nodelist = parser.parse(("endscroll_region",))
    parser.delete_first_token()
    return ScrollRegionNode(parser.compile_filter(bits[1]), nodelist)


#: Which entry of the main navigation a page belongs to, by URL name; the first match wins, so
#: the narrower prefixes come first (the action list lives below /konferenzen/ too).
NAV_SECTIONS: tuple[tuple[str, str], ...] = (
    ("reports:annual_report", "reports"),
    ("reports:", "state"),
    ("practices:", "practices"),
    ("conferences:action", "actions"),
    ("conferences:conference_actions", "actions"),
    ("conferences:calendar_feed", "feeds"),
    ("conferences:", "conferences"),
    ("authorities:partner", "partners"),
    ("authorities:contact", "partners"),
    ("authorities:", "authorities"),
    ("mailbox", "mailbox"),
)


@register.simple_tag(takes_context=True)
def nav_section(context: template.Context) -> str:
    """The navigation entry of the current page ("" for pages outside the navigation), for
    `aria-current="page"` and the visible mark of the active entry."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    for prefix, section in NAV_SECTIONS:
        if view_name.startswith(prefix):
            return section
    return ""


#: The permissions the navigation and the footer links ask (as `can.<app>_<codename>`).
CHROME_PERMISSIONS: tuple[str, ...] = (
    "reports.view_annual_reports",
    "conferences.manage_calendar_feeds",
    "siko.read_mailbox",
    "siko.view_audit_log",
    "siko.manage_personal_data",
    "authorities.import_staff",
)
#: Entries are dropped after a day unread; every input is part of the key, so none is stale.
CHROME_KEEP_SECONDS = 24 * 3600


@register.simple_tag(takes_context=True)
def site_chrome(context: template.Context, template_name: str) -> SafeString:
    """A part of base.html (the navigation, the footer links, the language choice, the style
    sheets and scripts), rendered once per combination of what it shows and then taken from the
    process's cache.

    The template gets only the inputs computed here (the active section, the viewer's kind, its
    authority's page and the permissions in CHROME_PERMISSIONS), never `user`, `perms` or the
    request, so the markup is the same for every request with the same inputs and the language.
    Rendering the dozen links with their translations and URL lookups cost more than a cached
    dashboard body (bench/profile_pages.py, the static page's floor)."""
    inputs = context.render_context.get("siko_chrome_inputs")
    if inputs is None:  # once per page, for the several parts of base.html
        inputs = context.render_context["siko_chrome_inputs"] = _chrome_inputs(context)
    key_text = repr((template_name, get_language(), sorted(inputs.items())))
    key = "siko:chrome:" + hashlib.sha256(key_text.encode()).hexdigest()
    html: str | None = cache.get(key)
    if html is None:
        html = render_to_string(template_name, inputs)
        cache.set(key, html, CHROME_KEEP_SECONDS)
    return mark_safe(html)  # noqa: S308 - a rendered template (autoescaped)


def _chrome_inputs(context: template.Context) -> dict[str, object]:
    """What the parts of site_chrome are rendered from (and keyed by), besides the language."""
    user = context.get("user")
    inputs: dict[str, object] = {
        "section": nav_section(context),
        "embedded_mailbox": bool(context.get("embedded_mailbox")),
        "signed_in": False,
        "is_partner": False,
        "is_kpb": False,
        "authority_url": "",
        "can": dict.fromkeys((p.replace(".", "_") for p in CHROME_PERMISSIONS), False),
    }
    if user is not None and user.is_authenticated:
        inputs |= {
            "signed_in": True,
            "is_partner": user.is_partner,
            "is_kpb": user.is_kpb,
            "authority_url": user.authority.get_absolute_url() if user.is_kpb else "",
            "can": {p.replace(".", "_"): user.has_perm(p) for p in CHROME_PERMISSIONS},
        }
    return inputs
