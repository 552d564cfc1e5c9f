"""How commands speak: JSON for machines (``--json``), Rich for people, errors on stderr.

User data (names, ids, file names, summaries) never goes into a markup string as-is: wrap it
in :func:`esc` (inside f-strings) or :func:`plain` (table cells), so ``[/b]`` in a party's
name is shown literally instead of crashing Rich or restyling the output.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from chainwatch.errors import InputError
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


def esc(value: Any) -> str:
    """User data made safe to embed in a Rich markup string."""
    return escape("" if value is None else str(value))


def plain(value: Any, style: str = "") -> Text:
    """User data as a table cell that Rich never parses as markup."""
    return Text("" if value is None else str(value), style=style)


def severity_text(sev: str | Severity) -> Text:
    letter = sev.value if isinstance(sev, Severity) else sev
    return Text(f" {letter} ", style=SEVERITY_STYLE.get(letter, ""))


def fail(message: str) -> None:
    """One line on stderr; the message is user text, never markup."""
    one_line = " ".join(str(message).splitlines())
    err_console.print(f"[bold red]error:[/] {escape(one_line)}", soft_wrap=True)


def check_out_file(out: Path, *, inputs: Iterable[Path] = ()) -> None:
    """Refuse an ``--out`` file that cannot be written, or that would overwrite an input."""
    if out.is_dir():
        raise InputError(f"--out {out} is a directory; give a file path")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise InputError(f"--out {out}: folder {parent} does not exist")
    for src in inputs:
        same = out.resolve() == src.resolve()
        if not same and out.exists() and src.exists():
            same = os.path.samefile(out, src)
        if same:
            raise InputError(f"--out {out} is the input file; choose another output path")


@contextmanager
def atomic_output(out: Path, *, newline: str | None = None) -> Iterator[TextIO]:
    """Write to a temporary file beside ``out`` and rename it on success.

    A failure (bad input, Ctrl-C) removes the temporary file and leaves ``out`` as it was.
    """
    target = out.resolve()
    try:
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write there ({exc.strerror})") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
