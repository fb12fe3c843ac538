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
