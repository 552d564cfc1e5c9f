"""Finding summaries are one line; file content (font names, stamps) may hold anything."""

from __future__ import annotations


def one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
