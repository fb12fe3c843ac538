"""Small building blocks of every page: the keyboard-reachable scroll box around a wide table."""

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.utils.html import format_html

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
