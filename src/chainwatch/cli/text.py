"""``chainwatch text``: analyze a note or text file (languages, DPRK orthography, KPS 9566)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import console, emit_json, esc, plain, severity_text
from chainwatch.errors import InputError
from chainwatch.findings.finding import SubjectType
from chainwatch.text import analyze_text, decode_text, text_findings
from chainwatch.text.analysis import TextAnalysis
from chainwatch.text.langid import LanguageShare
from chainwatch.text.orthography import OrthographyResult

app = typer.Typer(
    help="Text analysis: languages, DPRK orthography, Juche dates.", no_args_is_help=True
)

VERDICT_STYLE = {"nk_norm": "bold red", "sk_norm": "green", "insufficient_evidence": "dim"}


def _read(source: str) -> tuple[str, bytes]:
    if source == "-":
        return "<stdin>", sys.stdin.buffer.read()
    path = Path(source)
    if not path.exists():
        raise InputError(f"{source}: no such file")
    if path.is_dir():
        raise InputError(f"{source} is a directory; give a text file")
    try:
        return path.name, path.read_bytes()
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror})") from None


def _langs(shares: list[LanguageShare]) -> str:
    return ", ".join(f"{s.lang} {s.share:.0%}" for s in shares) or "-"


def _ortho(result: OrthographyResult) -> tuple[str, str]:
    if result.verdict == "not_korean":
        return "", ""
    if result.verdict == "insufficient_evidence" and not result.hits:
        return "insufficient evidence", ""
    score = "" if result.score is None else f" {result.score:.2f}"
    hits = ", ".join(f"{h.side}:{h.rule} {h.text}" for h in result.hits)
    return result.verdict + score, hits


def _print(name: str, encoding: str, analysis: TextAnalysis, findings: list) -> None:
    table = Table("line", "text", "languages", "orthography", "evidence", title=esc(name))
    for ln in analysis.lines:
        verdict, hits = _ortho(ln.orthography)
        extra = [d.text for d in ln.juche_dates] + (["bilingual zh+ko"] if ln.bilingual else [])
        evidence = "; ".join(x for x in [hits, *extra] if x)
        text = ln.text if len(ln.text) <= 60 else ln.text[:59] + "…"
        table.add_row(
            str(ln.line),
            plain(text),
            _langs(ln.languages),
            plain(verdict, VERDICT_STYLE.get(ln.orthography.verdict, "")),
            plain(evidence),
        )
    if analysis.lines:
        console.print(table)
    verdict, _ = _ortho(analysis.orthography)
    console.print(f"[bold]whole text[/] ({esc(encoding)}): {esc(_langs(analysis.languages))}")
    if verdict:
        o = analysis.orthography
        console.print(
            f"  orthography: {esc(verdict)} (NK rules: {esc(', '.join(o.nk_rules) or '-')}; "
            f"SK rules: {esc(', '.join(o.sk_rules) or '-')})"
        )
        if o.caveat:
            console.print(f"  [yellow]caveat:[/] {esc(o.caveat)}")
    for d in analysis.juche_dates:
        state = {True: "consistent", False: "inconsistent", None: "no Gregorian year"}
        console.print(f"  Juche date: {esc(d.text)} ({state[d.consistent]})")
    if findings:
        ft = Table("sev", "rule", "summary", title="Findings")
        for f in findings:
            ft.add_row(severity_text(f.severity), f.rule_id, plain(f.summary))
        console.print(ft)


@app.command()
def analyze(
    source: Annotated[str, typer.Argument(help="A text file, or - for standard input.")] = "-",
    korean_vendor: Annotated[
        bool | None,
        typer.Option(
            "--korean-vendor/--no-korean-vendor",
            help="Whether a Korean-language vendor is engaged (FILE-6); default unknown.",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Analyze a note per line and as a whole: languages, NK/SK orthography, Juche dates."""
    name, data = _read(source)
    decoded = decode_text(data)
    analysis = analyze_text(decoded.text)
    findings = text_findings(
        analysis,
        subject_type=SubjectType.FILE,
        subject_key=name,
        project=None,
        analyzer="text",
        korean_vendor_engaged=korean_vendor,
        decoded=decoded,
    )
    if json_out:
        emit_json(
            {
                "source": name,
                "decoded": decoded.to_dict(),
                "analysis": analysis.to_dict(),
                "findings": [f.to_dict() for f in findings],
            }
        )
        return
    _print(name, decoded.encoding, analysis, findings)
