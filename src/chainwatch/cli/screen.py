"""``chainwatch screen``: a name, every registry party, or a file of labelled pairs.

``chainwatch screen "KIM MYONG CHOL"`` screens one name (anything that is not a subcommand is
a name); ``screen parties`` sweeps the registry and stores findings; ``screen pairs`` scores
name pairs for threshold tuning.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from typer.core import TyperGroup

from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import console, emit_json, severity_text
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
    table = Table("score", "match", "list", "entry", "listed name", "why", title=f"{name!r}")
    for m in matches:
        why = "; ".join(r.text for r in m.result.explanation)
        table.add_row(
            f"{m.score:.2f}",
            "[bold red]yes[/]" if m.result.decision else "no",
            m.entry.source,
            m.entry.entry_id,
            m.entry.name,
            why,
        )
    console.print(table if matches else f"no candidates for {name!r}")


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
        table.add_row(str(s.id), severity_text(f.severity), f.rule_id, f.subject_key, f.summary)
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
    if not file.is_file():
        raise InputError(f"{file}: no such file")
    rows, bad = 0, []
    with (
        file.open(newline="", encoding="utf-8-sig") as src,
        out.open("w", newline="", encoding="utf-8") as dst,
    ):
        reader = csv.DictReader(src)
        missing = {"name1", "name2"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(
                f"{file}: missing column(s) {', '.join(sorted(missing))} "
                f"(header: {', '.join(reader.fieldnames or [])})"
            )
        fields = [*(reader.fieldnames or []), "score", "match", "severity", "explanation"]
        writer = csv.DictWriter(dst, fieldnames=fields)
        writer.writeheader()
        for line, row in enumerate(reader, start=2):
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
    summary = {"scored": rows, "rejected": len(bad), "rejects": bad[:100], "out": str(out)}
    if json_out:
        emit_json(summary)
    else:
        console.print(
            f"scored {rows} pair(s) -> {out}"
            + (f"; {len(bad)} rejected (first: line {bad[0]['line']})" if bad else "")
        )
