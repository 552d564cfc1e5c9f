"""Root of the CLI: the command tree, error mapping, and the small top-level commands.

Every ``ChainwatchError`` becomes one line on stderr and exit code 2 (``ChainwatchGroup``);
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from typer.core import TyperGroup

from chainwatch import __version__
from chainwatch.cli import chain as chain_cli
from chainwatch.cli import findings as findings_cli
from chainwatch.cli import geo as geo_cli
from chainwatch.cli import lists as lists_cli
from chainwatch.cli import logs as logs_cli
from chainwatch.cli import registry as registry_cli
from chainwatch.cli import scan as scan_cli
from chainwatch.cli import screen as screen_cli
from chainwatch.cli import text as text_cli
from chainwatch.cli.options import AsOf, JsonOpt, parse_when
from chainwatch.cli.output import console, emit_json, esc, fail, severity_text
from chainwatch.errors import ChainFileError, ChainwatchError, InputError
from chainwatch.findings.catalogue import RULES
from chainwatch.service.analyze import ANALYZERS, run_analyzers
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session, upgrade


class ChainwatchGroup(TyperGroup):
    """Maps user errors to one clear line and exit code 2, for every subcommand."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ChainFileError as exc:
            for problem in getattr(exc, "problems", [exc]):
                fail(str(problem))
            raise typer.Exit(exc.exit_code) from None
        except ChainwatchError as exc:
            fail(str(exc))
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=ChainwatchGroup,
    help="chainwatch: prove that outsourced work never reaches sanctioned parties.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(chain_cli.app, name="chain")
app.add_typer(registry_cli.projects_app, name="projects")
app.add_typer(registry_cli.parties_app, name="parties")
app.add_typer(findings_cli.app, name="findings")
app.add_typer(lists_cli.app, name="lists")
app.add_typer(logs_cli.app, name="logs")
app.add_typer(geo_cli.app, name="geo")
app.add_typer(screen_cli.app, name="screen")
app.add_typer(text_cli.app, name="text")
app.command("scan")(scan_cli.scan)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chainwatch {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """chainwatch: know each project's authorized chain, and prove the work stays in it."""


@app.command()
def init(json_out: JsonOpt = False) -> None:
    """Create or upgrade the registry database (SQLite in CHAINWATCH_HOME, or the URL)."""
    settings = load_settings()
    before, after = upgrade(settings)
    data = {
        "database": settings.database_url.split("@")[-1],
        "home": str(settings.home),
        "from_revision": before,
        "revision": after,
    }
    if json_out:
        emit_json(data)
        return
    verb = "created" if before is None else ("up to date" if before == after else "upgraded")
    console.print(f"registry {verb}: {data['database']} (schema {after})")


@app.command()
def rules(json_out: JsonOpt = False) -> None:
    """List the rule catalogue: every finding's rule id, severity and title."""
    if json_out:
        emit_json([r.to_dict() for r in RULES.values()])
        return
    table = Table("id", "sev", "category", "title", title="Rule catalogue")
    for r in RULES.values():
        table.add_row(r.id, severity_text(r.severity), r.category, r.title)
    console.print(table)


@app.command()
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


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Where to write report.html.")] = Path(
        "demo-out"
    ),
    as_of: AsOf = None,
    json_out: JsonOpt = False,
) -> None:
    """Build the Lanternfall demo case in a fresh data dir, run every analyzer, write a report."""
    from chainwatch.service.demo import run_demo

    result = run_demo(out, parse_when(as_of))
    if json_out:
        emit_json(result.to_dict())
        return
    table = Table("sev", "rule", "subject", "summary", title="Findings")
    for f in result.findings:
        table.add_row(
            severity_text(f["severity"]), f["rule_id"], esc(f["subject"]["key"]), esc(f["summary"])
        )
    console.print(table)
    console.print(f"data:   {result.home}\nreport: {result.report}")
    console.print(f"explore: CHAINWATCH_HOME={result.home} chainwatch chain show lanternfall-s1")


def main() -> None:
    app()
