"""Reading the web page's HTML in tests: form fields and tokens."""

from __future__ import annotations

import re
from html import unescape


def form_fields(html: str, form_marker: str) -> dict[str, str]:
    """The hidden and text inputs of the first form after `form_marker` (an element id)."""
    start = html.index(form_marker)
    form = html[start : html.index("</form>", start)]
    fields = {}
    for match in re.finditer(
        r'<input type="(?:hidden|text)" name="([^"]+)"[^>]*?value="([^"]*)"', form
    ):
        fields[match.group(1)] = unescape(match.group(2))
    return fields


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)
