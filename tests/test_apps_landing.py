"""The landing page of the apps lists exactly the registered apps."""

from __future__ import annotations

import re

from commbook.widgets.serve import APPS, TEMPLATE, TEMPLATE_ROOT

TREE = TEMPLATE_ROOT / "voila" / "templates" / TEMPLATE / "tree.html"


def test_landing_page_cards_match_the_registered_apps() -> None:
    text = TREE.read_text()
    block = text[text.index("{% set apps = {") : text.index("} %}")]
    cards = dict(re.findall(r'"([\w-]+\.ipynb)": \("([^"]+)"', block))
    assert cards == {app.notebook: app.title for app in APPS}
