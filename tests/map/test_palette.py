"""The markers' colours carry their white symbol legibly (small text: 4.5:1, WCAG 1.4.3)."""

import pytest

from directory.map.services import PALETTE, type_styles
from tests.contrast import contrast


@pytest.mark.parametrize("colour", PALETTE)
def test_white_symbols_contrast_4_5_to_1_on_every_marker_colour(colour):
    assert contrast(colour, "#ffffff") >= 4.5, f"{colour} : {contrast(colour, '#ffffff'):.2f}:1"


def test_every_type_gets_a_palette_colour_and_a_symbol(app):
    styles = type_styles()
    assert styles and all(s["colour"] in PALETTE and s["symbol"] for s in styles.values())
