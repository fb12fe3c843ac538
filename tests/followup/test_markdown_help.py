"""The minutes' Markdown help matches what the renderer does (issue 15, Words)."""

from pathlib import Path

import pytest
from django.conf import settings

from followup.minutes import render_text


@pytest.mark.parametrize(
    ("text", "html"),
    [
        # A list directly under a line of text, as people type it.
        (
            "Teilnehmende:\n- Stadt\n- Polizei",
            "<p>Teilnehmende:</p>\n<ul>\n<li>Stadt</li>\n<li>Polizei</li>\n</ul>",
        ),
        (
            "Ergebnis:\n1. prüfen\n2. berichten",
            "<p>Ergebnis:</p>\n<ol>\n<li>prüfen</li>\n<li>berichten</li>\n</ol>",
        ),
        ("- eins\n- zwei", "<ul>\n<li>eins</li>\n<li>zwei</li>\n</ul>"),
        ("**fett** und *kursiv*", "<p><strong>fett</strong> und <em>kursiv</em></p>"),
        ("Zeile eins\nZeile zwei", "<p>Zeile eins<br>\nZeile zwei</p>"),
        ("Text\n\n| a | b |\n|---|---|\n| 1 | 2 |", "<table>"),
        ('<a href="x">Link</a> [Link](http://example.org)', "Link"),
        ("-5 Grad und 3.5 Stunden", "<p>-5 Grad und 3.5 Stunden</p>"),
    ],
)
def test_renderer_does_what_the_help_says(text: str, html: str) -> None:
    rendered = str(render_text(text))
    assert html in rendered
    assert "<a" not in rendered


def test_help_names_lists_under_a_line_of_text() -> None:
    template = Path(settings.BASE_DIR, "templates", "conferences", "minutes", "edit.html")
    assert "(auch direkt unter einer Textzeile)" in template.read_text()
