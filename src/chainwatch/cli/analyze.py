"""``chainwatch analyze``: run the analyzers over the registry and store their findings.

Its own module so that importing the CLI root does not import every analyzer (its help
lists them): ``cli.app`` loads it only when the command runs or help is shown.
"""

from __future__ import annotations

from typing import Annotated

import typer

from chainwatch.cli.options import AsOf, JsonOpt, parse_when
from chainwatch.cli.output import console, emit_json
from chainwatch.errors import InputError
from chainwatch.service.analyze import ANALYZERS, run_analyzers
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session


def analyze(
    only: Annotated[
        list[str] | None, typer.Option("--only", help=f"Analyzer(s): {', '.join(ANALYZERS)}.")
    ] = None,
    as_of: AsOf = None,
    json_out: JsonOpt = False,
) -> None:
    """Run the analyzers over the registry and store their findings."""
    for name in only or []:
        if name not in ANALYZERS:
            raise InputError(f"unknown analyzer {name!r}; choose from {', '.join(ANALYZERS)}")
    now = parse_when(as_of)
    settings = load_settings()
    with open_session(settings) as session:
        report = run_analyzers(session, settings, now, only)
    if json_out:
        emit_json(report)
        return
    for name, counts in report.items():
        console.print(
            f"{name}: {counts['raised']} finding(s) "
            f"({counts['new']} new, {counts['refreshed']} seen before)"
        )
