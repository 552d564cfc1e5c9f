"""``chainwatch demo``: build the Lanternfall case in a fresh data dir, analyze, report, and
write the project's evidence pack (``OUT/evidence-pack``, verifiable with ``evidence verify``).

The demo always uses its own SQLite file under ``OUT/data`` (never the user's registry or
``CHAINWATCH_DATABASE_URL``), so it can be run anywhere, any number of times.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chainwatch.access.geo.install import install_geo
from chainwatch.demo.access_logs import write_demo_logs
from chainwatch.demo.delivery import write_demo_delivery
from chainwatch.errors import InputError
from chainwatch.report.html import write_report
from chainwatch.service.access import ingest_paths
from chainwatch.service.analyze import run_analyzers
from chainwatch.service.chains import import_chain_file
from chainwatch.service.evidence import export_pack
from chainwatch.service.lists import import_list
from chainwatch.service.report import build_report_data
from chainwatch.service.scan import scan_paths
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage.session import dispose_engines, open_session, upgrade

MARKER = ".chainwatch-demo"
DEMO_PROJECT = "lanternfall-s1"  # the production the returned delivery belongs to


PACK_DIR = "evidence-pack"  # the demo project's evidence pack, under --out


@dataclass(frozen=True)
class DemoResult:
    home: Path
    report: Path
    analyzers: dict[str, dict[str, int]]
    findings: list[dict[str, Any]]
    pack: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "home": str(self.home),
            "report": str(self.report),
            "pack": self.pack,
            "analyzers": self.analyzers,
            "findings": self.findings,
        }


def demo_chain_path() -> Path:
    return Path(str(resources.files("chainwatch.demo") / "lanternfall.yaml"))


def demo_package_dir(*parts: str) -> Path:
    return Path(str(resources.files("chainwatch.demo").joinpath("/".join(parts))))


def demo_lists_dir() -> Path:
    """Real OFAC SDN rows (DPRK programs only) shipped with the package; see its README."""
    return demo_package_dir("lists", "ofac_sdn")


def _check_out_dir(out: Path) -> None:
    """``--out`` must be a directory, or a path whose nearest existing ancestor is one."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out must be a directory: {out} is a file")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"--out must be a directory: {parent} is a file")
            break


def _fresh_home(home: Path) -> None:
    if home.exists() and not home.is_dir():
        raise InputError(f"{home} is a file, not a demo data dir; choose another --out")
    if home.exists():
        if not (home / MARKER).exists() and any(home.iterdir()):
            raise InputError(
                f"{home} exists and was not made by `chainwatch demo`; choose another --out"
            )
        shutil.rmtree(home)
    try:
        home.mkdir(parents=True)
        (home / MARKER).write_text("made by chainwatch demo; safe to delete\n", "utf-8")
    except OSError as exc:
        raise InputError(f"--out {home.parent}: cannot write there ({exc.strerror})") from None


def run_demo(out: Path, now: datetime, *, pdf: bool = True) -> DemoResult:
    out = out.resolve()
    _check_out_dir(out)
    home = out / "data"
    dispose_engines()  # a pooled connection to a previous demo's file must not outlive it
    _fresh_home(home)
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'chainwatch.db'}")
    upgrade(settings)
    with open_session(settings) as session:
        import_chain_file(session, demo_chain_path())
        lists = demo_lists_dir()
        import_list(session, settings, sorted(lists.glob("*.CSV")), "ofac_sdn", now=now)
        geo = demo_package_dir("geo")
        install_geo(
            home,
            city_csv=[geo / "dbip-city-demo.csv"],
            asn_csv=[geo / "asn-demo.csv"],
            vpn=[geo / "vpn-demo.txt"],
        )
        ingest_paths(session, settings, write_demo_logs(out / "logs"))
        seeded = {"declarations": _seed(session, settings, now, "declarations")}  # inputs
        analyzers = run_analyzers(session, settings, now)
        delivery = write_demo_delivery(out / "delivery")
        scanned = scan_paths(
            [delivery], project=DEMO_PROJECT, session=session, base=out, workers=0, now=now
        )
        analyzers["files"] = {"raised": len(scanned.findings), **(scanned.recorded or {})}
        analyzers["frames"] = _issue_and_trace_frames(session, settings, out, now)
        seeded["cases"] = _seed(session, settings, now, "cases")  # decisions on findings
        data = build_report_data(
            session, now, title="chainwatch demo: Lanternfall, Season 1", home=str(home)
        )
        report = write_report(data, out / "report.html")
        findings = [s.to_dict() for s in findings_store.list_findings(session)]
        pack = export_pack(
            session, settings, out=out / PACK_DIR, project=DEMO_PROJECT, force=True,
            file_roots=[out], pdf=pdf, now=now,
        )  # fmt: skip
    return DemoResult(home, report, analyzers, findings, {**pack.to_dict(), "seeded": seeded})


def _seed(session: Session, settings: Settings, now: datetime, module: str) -> Any:
    """Run ``chainwatch.demo.<module>.seed_<module>`` (vendor declarations, a case) where this
    chainwatch has it; its result as JSON-ready data, None where it has not."""
    from importlib import import_module

    try:
        seed = getattr(import_module(f"chainwatch.demo.{module}"), f"seed_{module}")
    except (ImportError, AttributeError):
        return None
    return json.loads(json.dumps(seed(session, settings, now=now), default=str))


def _issue_and_trace_frames(
    session: Session, settings: Settings, out: Path, now: datetime
) -> dict[str, int]:
    """Catalog the episode's masters, issue a marked copy to each vendor, then trace the
    copy found in a dump: the catalog names the shot (CAT-1), the mark the recipient (MARK-1).
    """
    from chainwatch.demo import frames
    from chainwatch.service.catalog import add_paths, match_paths
    from chainwatch.service.marking import embed_paths

    for folder in ("masters", "issued", "dump"):  # the demo's own folders, rebuilt each run
        shutil.rmtree(out / folder, ignore_errors=True)
    masters = frames.write_masters(out / "masters")
    for shot, path in masters.items():
        add_paths(session, settings, [path], project=DEMO_PROJECT, episode=frames.EPISODE,
                  shot=shot, now=now)  # fmt: skip
    issued = {
        who: embed_paths(
            session,
            settings,
            list(masters.values()),
            project=DEMO_PROJECT,
            recipient=who,
            out_dir=out / "issued" / who,
            now=now,
        )
        for who in frames.RECIPIENTS
    }
    copy = next(r for r in issued[frames.LEAKED_BY] if frames.LEAKED_SHOT in r.path)
    dump = out / "dump"
    frames.leak(Path(copy.out), dump)
    # catalog match hands the match to mark detection: CAT-1 and MARK-1 in one step
    matched = match_paths(session, settings, [dump], record=True, now=now)
    return {"raised": len(matched.findings), "issued": sum(len(v) for v in issued.values())}
