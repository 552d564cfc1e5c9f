"""Tiny SVG writing shared by the pack's drawings: escaping and number formatting.

Every drawing is built as text from plain data with every value escaped here, so the
report template can embed it as markup without trusting any name, key or label.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup


def text(value: object) -> str:
    """A value as escaped SVG/XML text or attribute content (quotes included)."""
    return escape("" if value is None else str(value), quote=True)


def num(value: float) -> str:
    """A coordinate with at most one decimal, no trailing zeros (keeps the SVG small)."""
    out = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if out == "-0" else out


def clip(value: str, chars: int) -> str:
    """Shorten a label to ``chars`` characters with an ellipsis (the full text goes in a
    ``<title>`` tooltip and in the tables beside the drawing)."""
    return value if len(value) <= chars else value[: chars - 1] + "…"


def svg(width: float, height: float, body: list[str], *, label: str, cls: str) -> Markup:
    """An inline ``<svg>`` element (role=img with its label) around ``body``. No ``xmlns``:
    HTML5 puts inline SVG in its namespace, and the page then holds no URL at all."""
    return Markup(
        f'<svg class="{text(cls)}" role="img" '
        f'aria-label="{text(label)}" viewBox="0 0 {num(width)} {num(height)}" '
        f'width="{num(width)}" height="{num(height)}" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">' + "".join(body) + "</svg>"
    )
