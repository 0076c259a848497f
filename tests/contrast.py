"""WCAG 2.x contrast ratio of two sRGB colours, for tests that check what users can read."""


def luminance(rgb: tuple[int, int, int]) -> float:
    """Return the relative luminance of an (r, g, b) colour, 0–255 each."""

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """Return the contrast ratio of two colours, (r, g, b) tuples or "#rrggbb" strings."""
    a, b = (hex_rgb(c) if isinstance(c, str) else c for c in (a, b))
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))
