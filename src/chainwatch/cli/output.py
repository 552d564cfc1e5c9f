"""How commands speak: JSON for machines (``--json``), Rich for people, errors on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.text import Text

from chainwatch.findings.catalogue import Severity

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

SEVERITY_STYLE = {"C": "bold white on red", "H": "bold red", "M": "yellow", "L": "dim"}
STATUS_STYLE = {
    "authorized": "green",
    "pending": "yellow",
    "refused": "dim",
    "undeclared": "bold red",
}


def emit_json(data: Any) -> None:
    """Write JSON to stdout unwrapped (Rich would fold long lines)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def severity_text(sev: str | Severity) -> Text:
    letter = sev.value if isinstance(sev, Severity) else sev
    return Text(f" {letter} ", style=SEVERITY_STYLE.get(letter, ""))


def fail(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
