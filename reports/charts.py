"""Charts as SVG markup, drawn on the server: no JavaScript, no inline CSS (strict CSP).

Pure functions: data in, markup out. Every chart names itself (<title>) and says what it shows
(<desc>); the page puts the same numbers in a table beside it, so the chart never carries
information alone.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_COLOUR = "#0b3d6b"  # the SiKo blue: 10.9:1 against white
TEXT_COLOUR = "#212529"
GRID_COLOUR = "#adb5bd"
FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True)
class Bar:
    """One bar: a label and a share between 0 and 1 (None: nothing to measure)."""

    label: str
    share: float | None
    hint: str = ""  # spoken with the bar's own <title>, e.g. "12 von 16 Behörden"


def percent(share: float | None) -> str:
    """German percent notation with a narrow no-break space: 0.5 -> "50 %"."""
    if share is None:
        return "–"
    return f"{round(share * 100)}\u202f%"


def _open_svg(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="siko-chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _bar_title(bar: Bar) -> str:
    text = f"{bar.label}: {percent(bar.share)}"
    if bar.hint:
        text += f" ({bar.hint})"
    return f"<title>{escape(text)}</title>"


def share_columns_svg(
    bars: Sequence[Bar], *, chart_id: str, title: str, description: str
) -> SafeString:
    """Vertical bars on a 0–100 % axis, one per label (e.g. per year), value above each bar."""
    slot, left, top, plot_height, bottom = 64, 48, 24, 180, 36
    width = left + slot * max(len(bars), 1) + 8
    height = top + plot_height + bottom
    parts = _open_svg(chart_id, width, height, title, description)
    parts.append(f'<g {FONT} font-size="12" fill="{TEXT_COLOUR}">')
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_height - plot_height * tick / 100
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}\u202f%</text>')
    for index, bar in enumerate(bars):
        x = left + slot * index + 12
        bar_width = slot - 24
        centre = x + bar_width / 2
        parts.append("<g>")
        parts.append(_bar_title(bar))
        if bar.share is not None:
            bar_height = plot_height * max(0.0, min(1.0, bar.share))
            y = top + plot_height - bar_height
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="{bar_width}" height="{bar_height:.1f}" '
                f'fill="{BAR_COLOUR}"/>'
            )
            label_y = y - 6
        else:
            label_y = top + plot_height - 6
        parts.append(
            f'<text x="{centre:.1f}" y="{label_y:.1f}" text-anchor="middle" font-weight="bold">'
            f"{escape(percent(bar.share))}</text>"
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{top + plot_height + 20}" text-anchor="middle">'
            f"{escape(bar.label)}</text>"
        )
        parts.append("</g>")
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def share_rows_svg(
    bars: Sequence[Bar], *, chart_id: str, title: str, description: str
) -> SafeString:
    """Horizontal bars on a 0–100 % axis, one row per label (e.g. per comparison group)."""
    label_width, row, top, plot_width, right = 230, 30, 24, 300, 56
    width = label_width + plot_width + right
    height = top + row * max(len(bars), 1) + 8
    parts = _open_svg(chart_id, width, height, title, description)
    parts.append(f'<g {FONT} font-size="12" fill="{TEXT_COLOUR}">')
    for tick in (0, 50, 100):
        x = label_width + plot_width * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{height - 8}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="{top - 8}" text-anchor="middle">{tick}\u202f%</text>')
    for index, bar in enumerate(bars):
        y = top + row * index
        parts.append("<g>")
        parts.append(_bar_title(bar))
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end">'
            f"{escape(_shorten(bar.label, 28))}</text>"
        )
        bar_length = 0.0
        if bar.share is not None:
            bar_length = plot_width * max(0.0, min(1.0, bar.share))
            parts.append(
                f'<rect x="{label_width}" y="{y + 5}" width="{bar_length:.1f}" height="{row - 10}" '
                f'fill="{BAR_COLOUR}"/>'
            )
        parts.append(
            f'<text x="{label_width + bar_length + 6:.1f}" y="{y + row / 2 + 4:.1f}" '
            f'font-weight="bold">{escape(percent(bar.share))}</text>'
        )
        parts.append("</g>")
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
