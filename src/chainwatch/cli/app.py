"""Root of the CLI: the command tree, error mapping, and the small top-level commands.

Every ``ChainwatchError`` becomes one line on stderr and exit code 2 (``ChainwatchGroup``);
anything else is a bug and keeps its traceback.

Each command's module is imported only when that command runs (``COMMANDS``): importing
all of them pulls in pyarrow, duckdb, followthemoney, rapidfuzz... (about 2 s) that
``chainwatch scan`` never uses. ``chainwatch --help`` still lists (and imports) every one.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from chainwatch import __version__
from chainwatch.cli.options import AsOf, JsonOpt, parse_when
from chainwatch.errors import ChainFileError, ChainwatchError

# Every root command in the order ``chainwatch --help`` lists them: "module:attribute" of
# its function or Typer app, imported on first use; None for the commands defined below.
COMMANDS: dict[str, str | None] = {
    "scan": "chainwatch.cli.scan:scan",
    "init": None,
    "rules": None,
    "analyze": "chainwatch.cli.analyze:analyze",
    "demo": None,
    "chain": "chainwatch.cli.chain:app",
    "projects": "chainwatch.cli.registry:projects_app",
    "parties": "chainwatch.cli.registry:parties_app",
    "findings": "chainwatch.cli.findings:app",
    "risk": "chainwatch.cli.risk:risk",
    "case": "chainwatch.cli.case:app",
    "evidence": "chainwatch.cli.evidence:app",
    "ledger": "chainwatch.cli.ledger:app",
    "lists": "chainwatch.cli.lists:app",
    "logs": "chainwatch.cli.logs:app",
    "geo": "chainwatch.cli.geo:app",
    "screen": "chainwatch.cli.screen:app",
    "text": "chainwatch.cli.text:app",
    "catalog": "chainwatch.cli.catalog:app",
    "mark": "chainwatch.cli.mark:app",
    "attest": "chainwatch.cli.attest:app",
}


class _Lazy:
    def __init__(self, name: str, target: str):
        self.name, self.target = name, target

    def build(self):
        """The click command Typer would have built had the root app registered it."""
        module, attribute = self.target.split(":")
        obj = getattr(import_module(module), attribute)
        holder = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
        if isinstance(obj, typer.Typer):
            holder.add_typer(obj, name=self.name)
        else:
            holder.command(self.name)(obj)
        return typer.main.get_group(holder).commands[self.name]


class _LazyCommands(dict):
    """name -> click command; a lazy entry is built the first time its value is read.
    Names (keys, ``in``, iteration) never build anything: suggestions for a mistyped
    command cost nothing."""

    def _load(self, name):
        value = dict.__getitem__(self, name)
        if isinstance(value, _Lazy):
            value = value.build()
            dict.__setitem__(self, name, value)
        return value

    def __getitem__(self, name):
        return self._load(name)

    def get(self, name, default=None):
        return self._load(name) if name in self else default

    def items(self):
        return [(name, self._load(name)) for name in self]

    def values(self):
        return [self._load(name) for name in self]


class ChainwatchGroup(TyperGroup):
    """Maps user errors to one clear line and exit code 2, for every subcommand."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        defined = dict(self.commands)
        commands = _LazyCommands()
        for name, target in COMMANDS.items():
            if target is not None:
                commands[name] = _Lazy(name, target)
            elif name in defined:
                commands[name] = defined.pop(name)
        commands.update(defined)
        self.commands = commands

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands.keys())

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ChainFileError as exc:
            from chainwatch.cli.output import fail

            for problem in getattr(exc, "problems", [exc]):
                fail(str(problem))
            raise typer.Exit(exc.exit_code) from None
        except ChainwatchError as exc:
            from chainwatch.cli.output import fail

            fail(str(exc))
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            if not _is_database_error(exc):
                raise
            from chainwatch.cli.output import fail

            fail(_database_error_line(exc))
            raise typer.Exit(2) from None


def _is_database_error(exc: BaseException) -> bool:
    """A locked, damaged or unreachable database (SQLAlchemy's DBAPI errors): the
    operator's problem to fix, said in one line. SQLAlchemy is only looked up if loaded."""
    import sys

    sa_exc = sys.modules.get("sqlalchemy.exc")
    return sa_exc is not None and isinstance(exc, sa_exc.DBAPIError | sa_exc.OperationalError)


def _database_error_line(exc: BaseException) -> str:
    orig = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    if "locked" in orig:
        return f"database is busy ({orig}): another chainwatch command is writing; retry it"
    if "malformed" in orig or "not a database" in orig:
        return f"database is damaged ({orig}); restore it from a backup, then `ledger verify`"
    return f"database error: {orig}"


app = typer.Typer(
    cls=ChainwatchGroup,
    help="chainwatch: prove that outsourced work never reaches sanctioned parties.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


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
    from chainwatch.cli.output import console, emit_json
    from chainwatch.settings import load_settings
    from chainwatch.storage.session import upgrade

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
    from rich.table import Table

    from chainwatch.cli.output import console, emit_json, severity_text
    from chainwatch.findings.catalogue import RULES

    if json_out:
        emit_json([r.to_dict() for r in RULES.values()])
        return
    table = Table("id", "sev", "category", "title", title="Rule catalogue")
    for r in RULES.values():
        table.add_row(r.id, severity_text(r.severity), r.category, r.title)
    console.print(table)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Where to write report.html.")] = Path(
        "demo-out"
    ),
    as_of: AsOf = None,
    json_out: JsonOpt = False,
) -> None:
    """Build the Lanternfall demo case in a fresh data dir, run every analyzer, write a report."""
    from rich.table import Table

    from chainwatch.cli.output import console, emit_json, esc, severity_text
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
    console.print(f"pack:   {(result.pack or {}).get('out')}  (chainwatch evidence verify PACK)")
    console.print(f"explore: CHAINWATCH_HOME={result.home} chainwatch chain show lanternfall-s1")


def main() -> None:
    app()
