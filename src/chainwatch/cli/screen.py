"""``chainwatch screen``: a name, every registry party, or a file of labelled pairs.

``chainwatch screen "KIM MYONG CHOL"`` screens one name (anything that is not a subcommand is
a name); ``screen parties`` sweeps the registry and stores findings; ``screen pairs`` scores
name pairs for threshold tuning.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from typer.core import TyperGroup

from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import (
    atomic_output,
    check_out_file,
    console,
    emit_json,
    esc,
    plain,
    severity_text,
)
from chainwatch.errors import InputError
from chainwatch.screening.compare import compare
from chainwatch.screening.rules import severity_for
from chainwatch.screening.scorer import DEFAULT_THRESHOLD
from chainwatch.service.analyze import run_analyzers
from chainwatch.service.findings import list_findings
from chainwatch.service.screening import screen_name
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session


class NameOrCommand(TyperGroup):
    """Treat ``screen SOMETHING`` as ``screen name SOMETHING`` unless it is a subcommand."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["name", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=NameOrCommand,
    help="Screen a name, the registry's parties, or a file of name pairs.",
    no_args_is_help=True,
)

_DOB = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_COUNTRY = re.compile(r"[A-Za-z]{2}")


def _check_dob(value: str) -> None:
    m = _DOB.fullmatch(value.strip())
    if m:
        year, month, day = (int(g) if g else 1 for g in m.groups())
        try:
            date(year, month, day)
            return
        except ValueError:
            pass
    raise InputError(f"--dob {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD")


Threshold = Annotated[
    float, typer.Option(help="Match decision threshold in [0, 1].", min=0.0, max=1.0)
]


@app.command("name")
def name_(
    name: Annotated[str, typer.Argument(help="A name in any script.")],
    kind: Annotated[str, typer.Option(help="Person, Company or Any.")] = "Any",
    country: Annotated[list[str] | None, typer.Option(help="ISO country code(s).")] = None,
    id_: Annotated[
        list[str] | None, typer.Option("--id", help="Identifier, TYPE:VALUE or VALUE.")
    ] = None,
    dob: Annotated[list[str] | None, typer.Option(help="Birth date, YYYY[-MM[-DD]].")] = None,
    limit: Annotated[int, typer.Option(help="How many candidates to show.", min=1)] = 10,
    threshold: Threshold = DEFAULT_THRESHOLD,
    json_out: JsonOpt = False,
) -> None:
    """Screen one name against every loaded list, best match first, with the reasons."""
    if kind.casefold() not in {"person", "company", "any", "organization", "vessel"}:
        raise InputError(f"unknown kind {kind!r}; use Person, Company or Any")
    if not name.strip():
        raise InputError("empty name: give the name to screen")
    for c in country or []:
        if not _COUNTRY.fullmatch(c.strip()):
            raise InputError(f"--country {c!r}: use a two-letter ISO code, e.g. KP")
    for d in dob or []:
        _check_dob(d)
    with open_session(load_settings()) as session:
        matches = screen_name(
            session,
            name,
            kind=kind,
            countries=country or [],
            identifiers=id_ or [],
            birth_dates=dob or [],
            limit=limit,
            threshold=threshold,
        )
    if json_out:
        emit_json(
            {"query": name, "threshold": threshold, "matches": [m.to_dict() for m in matches]}
        )
        return
    table = Table("score", "match", "list", "entry", "listed name", "why", title=esc(repr(name)))
    for m in matches:
        why = "; ".join(r.text for r in m.result.explanation)
        table.add_row(
            f"{m.score:.2f}",
            "[bold red]yes[/]" if m.result.decision else "no",
            plain(m.entry.source),
            plain(m.entry.entry_id),
            plain(m.entry.name),
            plain(why),
        )
    console.print(table if matches else f"no candidates for {esc(repr(name))}")


@app.command()
def parties(json_out: JsonOpt = False) -> None:
    """Screen every registry party against the loaded lists; store SCR-1…SCR-5 findings."""
    now = datetime.now(UTC)
    settings = load_settings()
    with open_session(settings) as session:
        counts = run_analyzers(session, settings, now, ["screening"])["screening"]
        found = [f for f in list_findings(session) if f.finding.rule_id.startswith("SCR-")]
    if json_out:
        emit_json({"counts": counts, "findings": [f.to_dict() for f in found]})
        return
    table = Table("#", "sev", "rule", "party", "summary", title="Screening findings")
    for s in found:
        f = s.finding
        table.add_row(
            str(s.id),
            severity_text(f.severity),
            f.rule_id,
            plain(f.subject_key),
            plain(f.summary),
        )
    console.print(table)
    console.print(
        f"{counts['raised']} finding(s): {counts['new']} new, {counts['refreshed']} seen before"
    )


@app.command()
def pairs(
    file: Annotated[Path, typer.Argument(help="CSV with columns name1,name2,schema.")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV (adds score, match).")],
    threshold: Threshold = DEFAULT_THRESHOLD,
    json_out: JsonOpt = False,
) -> None:
    """Score name pairs (for tuning the threshold); bad rows are counted and reported."""
    if not file.exists():
        raise InputError(f"{file}: no such file")
    if not file.is_file():
        raise InputError(f"{file}: not a file")
    check_out_file(out, inputs=[file])
    rows, bad = 0, []
    try:
        src = file.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{file}: cannot read ({exc.strerror})") from None
    try:
        with src:
            reader = csv.DictReader(src)
            header = reader.fieldnames or []  # read before --out is created
            missing = {"name1", "name2"} - set(header)
            if missing:
                raise InputError(
                    f"{file}: missing column(s) {', '.join(sorted(missing))} "
                    f"(header: {', '.join(header)})"
                )
            fields = [*header, "score", "match", "severity", "explanation"]
            with atomic_output(out, newline="") as dst:
                writer = csv.DictWriter(dst, fieldnames=fields)
                writer.writeheader()
                for row in reader:
                    line = reader.line_num
                    if None in row:
                        bad.append({"line": line, "reason": "more fields than the header"})
                        continue
                    a, b = (row.get("name1") or "").strip(), (row.get("name2") or "").strip()
                    if not a or not b:
                        bad.append({"line": line, "reason": "empty name"})
                        continue
                    r = compare(a, b, row.get("schema") or "Any", threshold=threshold)
                    writer.writerow(
                        {
                            **row,
                            "score": f"{r.score:.4f}",
                            "match": int(r.decision),
                            "severity": severity_for(r.score).value,
                            "explanation": "; ".join(x.text for x in r.explanation),
                        }
                    )
                    rows += 1
    except UnicodeDecodeError:
        raise InputError(f"{file}: not UTF-8 text; save it as UTF-8 CSV") from None
    except csv.Error as exc:
        raise InputError(f"{file}: not a readable CSV ({exc})") from None
    summary = {"scored": rows, "rejected": len(bad), "rejects": bad[:100], "out": str(out)}
    if json_out:
        emit_json(summary)
    else:
        console.print(
            f"scored {rows} pair(s) -> {esc(out)}"
            + (f"; {len(bad)} rejected (first: line {bad[0]['line']})" if bad else "")
        )
