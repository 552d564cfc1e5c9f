"""Evidence packs: gather a project's or a case's records, write the pack, anchor it in the ledger.

``export_pack`` writes into a hidden staging folder beside ``--out`` and renames it into place
only when everything is written, all inside the caller's transaction: a failure leaves
neither a half pack nor ledger entries for one.

Ledger anchoring, in order (see docs/evidence.md):

1. the pack's data files are written (JSON, report, PDF, evidence copies, README);
2. an ``export`` entry commits to every one of them by sha256 (``stage: contents``);
3. a checkpoint is signed and inclusion proofs are written for that entry and for every ledger
   entry that concerns the pack's records (its project, case, parties, findings, list versions,
   evidence files), with the operator's public key;
4. ``manifest.json`` lists every file; a second ``export`` entry records the manifest's sha256
   (``stage: manifest``), which ``evidence verify --against-db`` looks up.

Step 2 is what makes the pack tamper-evident offline: rewriting a file *and* its manifest line
still breaks the signed commitment.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chainwatch import __version__
from chainwatch.errors import InputError
from chainwatch.evidence import manifest as manifest_mod
from chainwatch.evidence.access_summary import iso, summarize_accesses
from chainwatch.evidence.files import collect_files
from chainwatch.evidence.ledger_scope import LedgerScope
from chainwatch.evidence.manifest import MANIFEST, Problem, read_manifest
from chainwatch.evidence.pdf import PdfResult, write_pdf
from chainwatch.evidence.readme import readme_text
from chainwatch.evidence.render import render_pack
from chainwatch.evidence.verify import ENTRIES, KEYS, NOTE, PackCheck, verify_pack
from chainwatch.evidence.world_map import load_world
from chainwatch.findings.finding import StoredFinding
from chainwatch.hashing import sha256_file
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage import registry_store as store

GENERATOR = f"chainwatch {__version__}"


@dataclass
class ExportResult:
    out: Path
    subject: dict[str, Any]
    files: int
    findings: int
    events: int
    evidence_files: int
    pdf: PdfResult
    manifest_sha256: str
    checkpoint: dict[str, Any] | None
    ledger_entries: int
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "subject": self.subject,
            "files": self.files,
            "findings": self.findings,
            "events": self.events,
            "evidence_files": self.evidence_files,
            "pdf": self.pdf.to_dict(),
            "manifest_sha256": self.manifest_sha256,
            "checkpoint": self.checkpoint,
            "ledger_entries": self.ledger_entries,
            "notes": self.notes,
        }


# --------------------------------------------------------------------------- scope


@dataclass
class Scope:
    subject: dict[str, Any]
    projects: list[str]
    findings: list[StoredFinding]
    case: dict[str, Any] | None = None


def _members(session: Session, project: str) -> set[str]:
    proj = store.get_project(session, project)
    return {proj.client} | {
        k for e in store.list_engagements(session, project) for k in (e.contractor, e.subcontractor)
    }


def project_findings(session: Session, project: str) -> list[StoredFinding]:
    """The project's findings, its parties' project-less findings (sanctions hits), and
    project-less access findings whose evidence names the project or one of its parties
    (an account of a vendor seen from DPRK space belongs in that vendor's project's pack)."""
    members = _members(session, project)
    out = []
    for s in findings_store.list_findings(session):
        f = s.finding
        if f.project == project:
            out.append(s)
        elif f.project is None:
            ev = f.evidence or {}
            named = set(ev.get("projects") or []) if isinstance(ev, Mapping) else set()
            parties = set(ev.get("parties") or []) if isinstance(ev, Mapping) else set()
            if f.subject_key in members or project in named or parties & members:
                out.append(s)
    return out


def _case_scope(session: Session, case: str) -> Scope:
    try:
        from chainwatch.service import cases as cases_service
    except ImportError:
        raise InputError("cases are not available in this chainwatch") from None
    try:
        case_id = int(str(case).lstrip("#"))
    except ValueError:
        raise InputError(f"--case {case!r}: a case is named by its number") from None
    record = cases_service.get_case(session, case_id)
    data = record.to_dict() if hasattr(record, "to_dict") else dict(record)
    ids = [int(i) for i in _finding_ids_of_case(data)]
    found = [findings_store.get_finding(session, i) for i in ids]
    projects = sorted(
        {p for p in [data.get("project")] if p}
        | {s.finding.project for s in found if s.finding.project}
    )
    key = str(data.get("key") or data.get("id") or case)
    return Scope({"type": "case", "key": key, "title": data.get("title")}, projects, found, data)


def _finding_ids_of_case(case: Mapping[str, Any]) -> list[int]:
    raw = case.get("finding_ids") or case.get("findings") or []
    out = []
    for item in raw:
        if isinstance(item, Mapping):
            item = item.get("id") or item.get("finding_id")
        if item is not None:
            out.append(int(item))
    return out


def resolve_scope(session: Session, project: str | None, case: str | None) -> Scope:
    if (project is None) == (case is None):
        raise InputError("give exactly one of --project or --case")
    if case is not None:
        return _case_scope(session, case)
    proj = store.get_project(session, project)  # NotFoundError: "no project 'x'"
    return Scope(
        {"type": "project", "key": proj.key, "title": proj.title},
        [proj.key],
        project_findings(session, proj.key),
    )


# --------------------------------------------------------------------------- data


def _report_data(session: Session, scope: Scope, now: datetime) -> dict[str, Any]:
    """The audit report's data (``service.report``), narrowed to the scope."""
    from chainwatch.service.report import build_report_data

    title = (
        f"Evidence pack: {scope.subject['title'] or scope.subject['key']}"
        if scope.subject["type"] == "project"
        else f"Evidence pack: case {scope.subject['key']}"
        + (f" — {scope.subject['title']}" if scope.subject.get("title") else "")
    )
    data = build_report_data(session, now, title=title, home="")
    wanted = {s.id for s in scope.findings}
    data["findings"] = [f for f in data["findings"] if f["id"] in wanted]
    data["projects"] = [
        dict(p, findings=[f for f in p["findings"] if f["id"] in wanted])
        for p in data["projects"]
        if p["key"] in scope.projects
    ]
    for p in data["projects"]:  # the project-less findings about this chain show with it
        have = {f["id"] for f in p["findings"]}
        p["findings"] += [f for f in data["findings"] if f["id"] not in have and not f["project"]]
    involved: set[str] = set()
    for p in scope.projects:
        involved |= _members(session, p)
    involved |= {s.finding.subject_key for s in scope.findings}
    data["parties"] = [p for p in data["parties"] if p["key"] in involved]
    counts = Counter(f["severity"] for f in data["findings"])
    data["counts"] = {s: counts.get(s, 0) for s in "CHML"}
    cited = {f["rule_id"] for f in data["findings"]}
    data["rules"] = {k: v for k, v in data["rules"].items() if k in cited}
    data.pop("home", None)
    return data


def _enriched_events(session: Session, settings: Settings):  # -> pa.Table | None
    from chainwatch.service.access import ENGINES, enrich_context
    from chainwatch.storage.event_store import EventStore

    events = EventStore(settings.home)
    if not events.files():
        return None
    return ENGINES["local"](events, enrich_context(session, settings, None))


def access_data(
    session: Session, settings: Settings, scope: Scope
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """(map and totals, timeline rows, the events behind findings) for the scope: the
    project's events plus any event a finding of the scope names by ``record_id``."""
    refs: dict[str, list[int]] = defaultdict(list)
    for s in scope.findings:
        ev = s.finding.evidence or {}
        for rid in (ev.get("record_ids") or []) if isinstance(ev, Mapping) else []:
            refs[str(rid)].append(s.id)
    table = _enriched_events(session, settings)
    rows: list[dict[str, Any]] = []
    if table is not None and table.num_rows:
        projects = set(scope.projects)
        for row in table.to_pylist():
            if row.get("project") in projects or row.get("record_id") in refs:
                rows.append(row)
    return summarize_accesses(rows, refs)


def screening_data(
    session: Session, settings: Settings, scope: Scope, findings: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """List versions in force, and each chain party screened now against them."""
    from chainwatch.service.lists import current_snapshots
    from chainwatch.service.screening import load_index, screen_party

    lists = [
        {
            "source": r.source,
            "loader": r.loader,
            "snapshot": Path(r.path).name,
            "sha256": r.sha256,
            "entries": r.entries,
            "imported_at": iso(r.created_at),
        }
        for r in current_snapshots(session)
    ]
    members: set[str] = set()
    for p in scope.projects:
        members |= _members(session, p)
    hits: dict[str, list[int]] = defaultdict(list)
    for f in findings:
        if f["rule_id"].startswith("SCR-") and f["subject"]["type"] == "party":
            hits[f["subject"]["key"]].append(f["id"])
    threshold = settings.screening_threshold
    indexed = bool(lists) and len(load_index(session)) > 0
    parties = []
    for key in sorted(members):
        party = store.get_party(session, key)
        candidates = []
        if indexed:
            for m in screen_party(session, party, limit=3, threshold=threshold):
                d = m.to_dict()
                candidates.append(
                    {
                        "list": d.get("source"),
                        "entry_id": d.get("entry_id"),
                        "name": d.get("name"),
                        "score": round(float(d.get("score") or 0), 3),
                        "programs": list(getattr(m.entry, "programs", ()) or ()),
                    }
                )
        parties.append(
            {
                "key": key,
                "name": party.name,
                "country": party.country,
                "hit": bool(hits.get(key)),
                "findings": sorted(hits.get(key, [])),
                "candidates": candidates,
            }
        )
    return {"threshold": threshold, "lists": lists, "parties": parties,
            "findings": [f for f in findings if f["rule_id"].startswith("SCR-")]}  # fmt: skip


def _optional(module: str, fn: str):
    """A function another part of chainwatch provides, or None when it is not installed."""
    from importlib import import_module

    try:
        return getattr(import_module(f"chainwatch.service.{module}"), fn)
    except (ImportError, AttributeError):
        return None


def _plain(value: Any) -> Any:
    """Dataclasses / objects with ``to_dict`` → JSON-ready data."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def risk_data(session: Session, settings: Settings, scope: Scope, now: datetime) -> dict[str, Any]:
    """Risk levels with their reasons from ``service.risk`` (per project, then per party)."""
    assess = _optional("risk", "assess_project")
    if assess is None:
        return {"available": False, "reason": "Risk levels are not available in this chainwatch."}
    rows: list[dict[str, Any]] = []
    raw: list[Any] = []
    for project in scope.projects:
        result = _plain(assess(session, settings, project, now=now))
        raw.append(result)
        rows += _risk_rows(result)
    return {"available": True, "rows": rows, "raw": raw}


def _risk_rows(result: Any) -> list[dict[str, Any]]:
    """A project risk result as table rows: the project first, then its parties."""
    if not isinstance(result, Mapping):
        return []

    def row(kind: str, key: Any, item: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "type": kind,
            "key": key,
            "name": item.get("name") or item.get("title"),
            "tier": item.get("tier"),
            "level": str(item.get("level") or "").lower(),
            "score": item.get("score"),
            "explanation": item.get("explanation"),
            "reasons": list(item.get("reasons") or []),
        }

    out = [row("project", result.get("project"), result)]
    carrier = result.get("carried_by")
    if isinstance(carrier, Mapping) and carrier.get("tier") is not None:
        out[0]["carried_by"] = f"carried by tier {carrier['tier']}" + (
            f" ({carrier['party']})" if carrier.get("party") else ""
        )
    for item in result.get("by_party") or []:
        if isinstance(item, Mapping):
            out.append(row("party", item.get("party"), item))
    return out


def attestation_data(session: Session, scope: Scope) -> dict[str, Any]:
    """Vendor declarations and other signed statements from ``service.provenance`` if present."""
    lister = _optional("provenance", "list_declarations")
    if lister is None:
        return {"rows": [], "reason": "Attestations are not available in this chainwatch."}
    rows = [_plain(d) for project in scope.projects for d in lister(session, project=project)]
    return {"rows": rows}


def _project_cases(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Cases opened on the project (for a project pack; a case pack shows its own case)."""
    lister = _optional("cases", "list_cases")
    if lister is None or scope.case is not None:
        return []
    return [_plain(c) for p in scope.projects for c in lister(session, project=p)]


# --------------------------------------------------------------------------- evidence files


def evidence_files(scope: Scope, roots: Sequence[Path], target: Path | None) -> list[dict]:
    """``evidence.files.collect_files`` over the scope's findings and case attachments."""
    named = [
        (s.id, s.finding.subject_type.value, s.finding.subject_key, s.finding.evidence)
        for s in scope.findings
    ]
    attachments = (scope.case or {}).get("attachments") or []
    return collect_files(named, attachments, roots, target)


# --------------------------------------------------------------------------- ledger


def ledger_section(
    session: Session,
    settings: Settings,
    scope: Scope,
    root: Path,
    commitment_seq: int,
    files: Sequence[Mapping[str, Any]],
    lists: Sequence[Mapping[str, Any]],
    cases: Sequence[Mapping[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    """Sign a checkpoint, write ``ledger/`` (note, keys, entries with proofs); summary back."""
    from chainwatch.ledger.canonical import canonical_text
    from chainwatch.service import ledger

    cp = ledger.checkpoint(session, settings, now=now)
    parties: set[str] = set()
    for p in scope.projects:
        parties |= _members(session, p)
    wanted = LedgerScope.of(
        projects=scope.projects,
        parties=parties,
        findings=[(s.id, s.finding.subject_key, s.finding.fingerprint, s.finding.evidence)
                  for s in scope.findings],
        cases=[c["id"] for c in cases] + ([scope.subject["key"]] if scope.case else []),
        sha256s=[f["sha256"] for f in [*files, *lists] if f.get("sha256")],
    )  # fmt: skip
    seqs = [
        e["seq"]
        for e in ledger.entries(session)
        if e["seq"] < cp["size"] and (e["seq"] == commitment_seq or wanted.concerns(e))
    ]
    proofs = ledger.inclusion_proofs(session, seqs, tree_size=cp["size"])
    (root / KEYS).mkdir(parents=True, exist_ok=True)
    (root / NOTE).write_text(cp["note"], encoding="utf-8")
    operator = ledger.public_key(settings)
    (root / KEYS / "operator.pub").write_text(operator + "\n", encoding="ascii")
    kinds: Counter[str] = Counter()
    with (root / ENTRIES).open("w", encoding="utf-8") as out:
        for proof in proofs:
            entry = proof["entry"]
            kinds[entry["kind"]] += 1
            record = {
                "seq": proof["leaf_index"],
                "kind": entry["kind"],
                "subject": entry["subject"],
                "recorded_at": entry["recorded_at"],
                "payload": entry["payload"],
                "payload_text": canonical_text(entry["payload"]),
                "leaf_hash": proof["leaf_hash"],
                "inclusion": {"tree_size": proof["tree_size"], "path": proof["audit_path"]},
            }
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    return {
        "checkpoint": {
            "origin": cp["note"].split("\n", 1)[0],
            "size": cp["size"],
            "root": cp["root_hash"],
            "time": iso(cp["created_at"]),
            "id": cp["id"],
        },
        "signers": cp["signers"],
        "operator_key": operator,
        "entries": len(proofs),
        "kinds": dict(sorted(kinds.items())),
        "commitment_seq": commitment_seq,
    }


def _ledger_available() -> bool:
    try:
        import chainwatch.service.ledger  # noqa: F401
    except ImportError:
        return False
    return True


# --------------------------------------------------------------------------- export


def _check_target(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a folder for the pack")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise InputError(f"--out {out} is not empty; choose a new folder or pass --force")
        _check_replaceable_pack(out)
    parent = out.resolve().parent
    if not parent.is_dir():
        raise InputError(f"--out {out}: folder {parent} does not exist")


def _check_replaceable_pack(out: Path) -> None:
    """``--force`` replaces an earlier pack and nothing else: the folder must hold a valid
    pack manifest and no file that manifest does not list (someone's own files inside it
    would be deleted with it)."""
    manifest, problems = read_manifest(out)
    if manifest is None:
        raise InputError(
            f"--out {out} is not empty and is not an evidence pack ({problems[0].detail}); "
            "--force only replaces an earlier pack"
        )
    listed = set(manifest["files"]) | {MANIFEST}
    foreign = sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if not p.is_dir() and p.relative_to(out).as_posix() not in listed
    )
    if foreign:
        shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        raise InputError(
            f"--out {out} holds files that are not part of its pack ({shown}); "
            "--force only replaces an earlier pack, move them first"
        )


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )


def export_pack(
    session: Session,
    settings: Settings,
    *,
    out: Path,
    project: str | None = None,
    case: str | None = None,
    pdf: bool = True,
    copy_files: bool = True,
    force: bool = False,
    file_roots: Sequence[Path] = (),
    now: datetime | None = None,
) -> ExportResult:
    """Write the evidence pack for one project or case to ``out`` (see the module docstring).

    ``file_roots``: folders that relative evidence paths (as ``chainwatch scan`` recorded
    them) are resolved against, the current folder last."""
    now = now or datetime.now(UTC)
    out = Path(out)
    _check_target(out, force)
    scope = resolve_scope(session, project, case)
    roots = [Path(r) for r in file_roots] + [settings.home, Path.cwd()]
    parent = out.resolve().parent
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=parent))
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write there ({exc.strerror})") from None
    try:
        result = _build(session, settings, scope, stage, out, now, pdf, copy_files, roots)
        old = None
        if out.exists():  # the earlier pack goes only once the new one is in place
            old = stage.with_name(stage.name.replace(".partial", ".replaced"))
            out.rename(old)
        stage.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    result.out = out
    return result


def _build(session, settings, scope, stage, out, now, pdf, copy_files, roots) -> ExportResult:
    from chainwatch.registry.chainfile import chain_to_document
    from chainwatch.registry.ftm import chain_to_entities, write_ftm_jsonl
    from chainwatch.service.chains import export_chain

    notes: list[str] = []
    data = _report_data(session, scope, now)
    findings = data["findings"]
    access, timeline, behind = access_data(session, settings, scope)
    screening = screening_data(session, settings, scope, findings)
    risk = risk_data(session, settings, scope, now)
    attestations = attestation_data(session, scope)
    files = evidence_files(scope, roots, stage / "evidence" / "files" if copy_files else None)
    cases = _project_cases(session, scope)

    _write_json(stage / "findings.json", {"subject": scope.subject, "findings": findings,
                                          "rules": data["rules"]})  # fmt: skip
    _write_json(stage / "accesses.json", {"subject": scope.subject, "events": behind})
    _write_json(stage / "screening.json", screening)
    if len(scope.projects) == 1:
        chain = export_chain(session, scope.projects[0])
    else:
        chain = export_chain(session)
    _write_json(stage / "chain.json", chain_to_document(chain))
    with (stage / "chain.ftm.jsonl").open("w", encoding="utf-8") as fh:
        write_ftm_jsonl(chain_to_entities(chain), fh)
    _write_json(stage / "evidence" / "index.json", {"copied": copy_files, "files": files})
    if risk.get("available"):
        _write_json(stage / "risk.json", risk.get("raw"))
    if attestations.get("rows"):
        _write_json(stage / "attestations.json", attestations["rows"])
    if scope.case is not None:
        _write_json(stage / "case.json", scope.case)
    elif cases:
        _write_json(stage / "cases.json", cases)

    pack: dict[str, Any] = {
        "subject": scope.subject,
        "created_at": iso(now),
        "generator": GENERATOR,
        "timeline": timeline,
        "access": access,
        "screening": screening,
        "risk": risk,
        "attestations": attestations,
        "case": scope.case,
        "cases": cases,
        "evidence_files": files,
        "copy_files": copy_files,
        "ledger": {"reason": "This chainwatch has no evidence ledger: the pack has no proofs."},
    }
    data["pack"] = pack
    data["generated_at"] = iso(now)
    # the signed commitment covers the data files; the report, PDF and README (which show the
    # checkpoint) come after it and are covered by the manifest's own export entry
    ledger_summary: dict[str, Any] | None = None
    commitment_seq: int | None = None
    if _ledger_available():
        from chainwatch.service import ledger

        contents = manifest_mod.hash_files(stage)
        commitment_seq = ledger.append(
            session, "export", f"evidence-pack:{scope.subject['type']}:{scope.subject['key']}",
            {"stage": "contents", "subject": scope.subject, "generator": GENERATOR,
             "files": {k: v["sha256"] for k, v in contents.items()}},
            at=now,
        )  # fmt: skip
        ledger_summary = ledger_section(
            session,
            settings,
            scope,
            stage,
            commitment_seq,
            files,
            screening["lists"],
            cases,
            now,
        )
        pack["ledger"] = ledger_summary
        pack["checkpoint"] = ledger_summary["checkpoint"]
    readme_args = {
        "subject_type": scope.subject["type"],
        "subject_key": scope.subject["key"],
        "created_at": iso(now),
        "generator": GENERATOR,
        "copy_note": " (copies under evidence/files/)" if copy_files else " (hashes only)",
        "commitment_seq": commitment_seq if commitment_seq is not None else "-",
        "map_attribution": load_world()["attribution"],
    }
    pdf_result = PdfResult(False, None, "not requested (--no-pdf)")
    html = stage / "report.html"
    html.write_text(render_pack(data), encoding="utf-8")
    if pdf:
        pdf_result = write_pdf(html, stage / "report.pdf")
        if not pdf_result.made:
            notes.append(f"no PDF: {pdf_result.reason}")
    pdf_note = (
        f" (made with {pdf_result.engine})"
        if pdf_result.made
        else f" -- NOT MADE: {pdf_result.reason}"
    )
    (stage / "README.txt").write_text(
        readme_text(pdf_note=pdf_note, **readme_args), encoding="utf-8"
    )
    header = {
        "generator": GENERATOR,
        "created_at": iso(now),
        "subject": scope.subject,
        "pdf": pdf_result.to_dict(),
        "copied_evidence": copy_files,
        "checkpoint": (ledger_summary or {}).get("checkpoint"),
        "commitment_seq": commitment_seq,
    }
    manifest = manifest_mod.build_manifest(stage, header)
    digest = manifest_mod.write_manifest(stage, manifest)
    if commitment_seq is not None:
        from chainwatch.service import ledger

        ledger.append(
            session, "export", f"evidence-pack:{scope.subject['type']}:{scope.subject['key']}",
            {"stage": "manifest", "manifest_sha256": digest, "commitment_seq": commitment_seq,
             "pack": out.name, "subject": scope.subject},
            at=now,
        )  # fmt: skip
    return ExportResult(
        out=out,
        subject=scope.subject,
        files=len(manifest["files"]) + 1,
        findings=len(findings),
        events=access["events"],
        evidence_files=len(files),
        pdf=pdf_result,
        manifest_sha256=digest,
        checkpoint=(ledger_summary or {}).get("checkpoint"),
        ledger_entries=(ledger_summary or {}).get("entries", 0),
        notes=notes,
    )


# --------------------------------------------------------------------------- verify


def check_pack(root: Path, trusted_keys: Sequence[Path] = ()) -> PackCheck:
    """Offline checks of the pack at ``root`` (``evidence.verify``); a bad path: user error."""
    if not root.exists():
        raise InputError(f"{root}: no such folder")
    if not root.is_dir():
        raise InputError(f"{root} is not a folder; give the pack's folder")
    trusted = []
    if trusted_keys:
        from chainwatch.service.ledger import read_verifier

        trusted = [read_verifier(Path(k)) for k in trusted_keys]
    return verify_pack(root, trusted)


def check_against_db(session: Session, settings: Settings, root: Path, report: PackCheck) -> None:
    """Add to ``report`` what only the live ledger can say: entries unchanged, the ledger only
    grew since the pack's checkpoint, and the export recorded with this manifest's sha256."""
    from chainwatch.evidence.verify import read_entries
    from chainwatch.ledger import merkle
    from chainwatch.ledger.canonical import entry_bytes
    from chainwatch.service import ledger
    from chainwatch.storage.ledger_models import LedgerEntryRow

    if report.checkpoint is None:
        report.problems.append(Problem("ledger", NOTE, "no checkpoint to compare with the ledger"))
        return
    size, root_hex = report.checkpoint["size"], report.checkpoint["root"]
    current = ledger.size(session)
    try:
        proof = ledger.consistency_proof(session, size, current)
    except InputError as exc:  # fewer entries than the checkpoint, or rows missing
        report.problems.append(Problem("ledger", "ledger", str(exc)))
    else:
        if proof["old_root"] != root_hex:
            report.problems.append(
                Problem("ledger", "ledger", f"the ledger's first {size} entries no longer hash "
                        "to the pack's signed root: changed, deleted or inserted since")
            )  # fmt: skip
        elif not ledger.check_consistency(proof):
            report.problems.append(Problem("ledger", "ledger", "consistency proof fails"))
        else:
            report.notes.append(f"the ledger grew from {size} to {current} entries consistently")
    if (root / ENTRIES).is_file():
        entries, _ = read_entries(root)
        live = {
            r.seq: r
            for r in session.scalars(
                select(LedgerEntryRow).where(
                    LedgerEntryRow.seq.in_([int(e["seq"]) for e in entries])
                )
            )
        }
        for entry in entries:
            where = f"ledger entry #{entry['seq']}"
            row = live.get(int(entry["seq"]))
            if row is None:
                report.problems.append(Problem("ledger", where, "no longer in the ledger"))
                continue
            try:
                data = entry_bytes(row.kind, row.subject, row.recorded_at, row.payload)
            except ValueError:
                data = b""  # a payload that is no longer JSON: certainly not what was proven
            if merkle.leaf_hash(data).hex() != entry.get("leaf_hash"):
                report.problems.append(
                    Problem("ledger", where, "differs in the ledger database from the pack's copy")
                )
    for problem in ledger.verify(session, settings).problems:
        where = "ledger" if problem.seq is None else f"ledger entry #{problem.seq}"
        report.problems.append(Problem("ledger", where, f"{problem.problem}: {problem.detail}"))
    digest = sha256_file(root / MANIFEST) if (root / MANIFEST).is_file() else None
    exports = session.scalars(
        select(LedgerEntryRow).where(LedgerEntryRow.kind == "export").order_by(LedgerEntryRow.seq)
    ).all()
    recorded = [r.seq for r in exports if digest and f'"manifest_sha256":"{digest}"' in r.payload]
    if digest and not recorded:
        report.problems.append(
            Problem("ledger", MANIFEST, "no export entry in the ledger records this manifest")
        )
    elif digest:
        report.notes.append(f"export recorded as ledger entry #{recorded[0]}")


def verify(
    root: Path, *, session: Session | None = None, settings: Settings | None = None
) -> PackCheck:
    report = check_pack(root)
    if session is not None and settings is not None:
        check_against_db(session, settings, root, report)
    return report
