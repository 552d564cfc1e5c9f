"""List versions as a compliance lead relies on them: snapshots, diffs, downloads, SCR-6.

Downloads run against a real HTTP server on 127.0.0.1 that honours ETag/If-None-Match and
Last-Modified/If-Modified-Since, like the official servers; nothing leaves the machine.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import threading
from datetime import UTC, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from chainwatch.errors import InputError
from chainwatch.registry.chainfile import parse_chain_text
from chainwatch.service.lists import import_list, list_status, update_lists
from chainwatch.service.screening import rescreen_after_update
from chainwatch.settings import Settings
from chainwatch.storage import findings_store
from chainwatch.storage.registry_store import save_chain
from chainwatch.storage.session import open_session

OFAC = Path(__file__).parents[1] / "fixtures" / "lists" / "ofac"
LEGACY = ["SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV"]
T1 = datetime(2026, 3, 1, tzinfo=UTC)
T2 = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.fixture
def ofac_dir(tmp_path) -> Path:
    d = tmp_path / "ofac"
    d.mkdir()
    for name in LEGACY:
        shutil.copy(OFAC / name, d / name)
    return d


@pytest.fixture
def settings(db_settings, tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=db_settings.database_url)


def files(d: Path) -> list[Path]:
    return [d / n for n in LEGACY]


def sdn_lines(d: Path) -> list[str]:
    return (d / "SDN.CSV").read_text("latin-1").splitlines(keepends=True)


def test_import_makes_a_complete_snapshot(settings, ofac_dir):
    with open_session(settings) as s:
        r = import_list(s, settings, files(ofac_dir), "ofac_sdn", now=T1)
    assert r.status == "imported" and r.previous is None
    assert r.entries >= 8 and r.rejects >= 2  # the malformed row and the orphan alias
    snap = settings.home / "lists" / "ofac_sdn" / r.snapshot
    manifest = json.loads((snap / "manifest.json").read_text())
    assert manifest["entries"] == r.entries
    for f in manifest["files"]:  # the published files, byte for byte, with their hashes
        data = (snap / "files" / f["name"]).read_bytes()
        assert (
            hashlib.sha256(data).hexdigest()
            == f["sha256"]
            == hashlib.sha256((ofac_dir / f["name"]).read_bytes()).hexdigest()
        )
    rejects = [json.loads(x) for x in (snap / "rejects.jsonl").read_text().splitlines()]
    assert {x["reason"].split(":")[0] for x in rejects} >= {"orphan"}
    assert all(x["file"] and x["line"] for x in rejects)
    with gzip.open(snap / "entries.jsonl.gz", "rt") as fh:
        ids = {json.loads(line)["entry_id"] for line in fh}
    assert {"34022", "34023"} <= ids
    assert not list((settings.home / "lists" / "ofac_sdn").glob(".*partial"))


def test_same_version_twice_changes_nothing(settings, ofac_dir):
    with open_session(settings) as s:
        first = import_list(s, settings, files(ofac_dir), "ofac_sdn", now=T1)
        again = import_list(s, settings, files(ofac_dir), "ofac_sdn", now=T2)
        assert again.status == "unchanged" and again.snapshot == first.snapshot
        assert len(list_status(s, T2)) == 1


def test_diff_reports_added_removed_changed(settings, ofac_dir):
    with open_session(settings) as s:
        import_list(s, settings, files(ofac_dir), "ofac_sdn", now=T1)
    lines = sdn_lines(ofac_dir)
    kept = [x for x in lines if not x.startswith("39499,")]  # removed
    kept = [x.replace("DOB 06 Apr 1974", "DOB 07 Apr 1974") for x in kept]  # changed
    kept.append(
        '77777,"EXAMPLE NEW ANIMATION TRADING CO., LTD.",-0- ,"DPRK3",-0- ,-0- ,-0- ,'
        '-0- ,-0- ,-0- ,-0- ,"Linked To: SEK STUDIO."\r\n'
    )
    (ofac_dir / "SDN.CSV").write_text("".join(kept), "latin-1")
    with open_session(settings) as s:
        r = import_list(s, settings, files(ofac_dir), "ofac_sdn", now=T2)
        status = list_status(s, datetime(2026, 3, 12, tzinfo=UTC))
    assert (r.added, r.removed, r.changed) == (["77777"], ["39499"], ["34024"])
    assert r.previous is not None and r.previous != r.snapshot
    assert status[0]["snapshot"] == r.snapshot and status[0]["age_days"] == 10
    assert status[0]["last_diff"] == {"added": 1, "removed": 1, "changed": 1}


def test_unknown_kind_and_missing_file(settings, ofac_dir):
    with open_session(settings) as s:
        with pytest.raises(InputError, match="unknown list kind 'ofax'"):
            import_list(s, settings, files(ofac_dir), "ofax")
        with pytest.raises(InputError, match="no such file"):
            import_list(s, settings, [ofac_dir / "nope.csv"], "ofac_sdn")


def test_rescreen_raises_scr6_only_for_what_changed(settings, ofac_dir):
    chain = parse_chain_text(
        "chainwatch: 1\nparties:\n"
        "  - {id: nings, kind: company, names: [Nings Cartoon Studio]}\n"
        "  - {id: newco, kind: company, names: ['Example New Animation Trading Co., Ltd.']}\n"
    )
    with open_session(settings) as s:
        save_chain(s, chain)
        first = import_list(s, settings, files(ofac_dir), "ofac_sdn", now=T1)
        # the first version of a list sweeps the registry (SCR-1…5), not SCR-6
        swept = rescreen_after_update(s, settings, [first], T1)
        assert swept is not None and swept["new"] >= 1
        assert findings_store.list_findings(s, rule="SCR-6") == []
        assert [f.finding.subject_key for f in findings_store.list_findings(s, rule="SCR-1")] == [
            "nings"
        ]
    with (ofac_dir / "SDN.CSV").open("a", encoding="latin-1") as f:
        f.write(
            '77777,"EXAMPLE NEW ANIMATION TRADING CO., LTD.",-0- ,"DPRK3",-0- ,-0- ,-0- ,'
            '-0- ,-0- ,-0- ,-0- ,"Linked To: SEK STUDIO."\r\n'
        )
    with open_session(settings) as s:
        second = import_list(s, settings, files(ofac_dir), "ofac_sdn", now=T2)
        counts = rescreen_after_update(s, settings, [second], T2)
        found = findings_store.list_findings(s, rule="SCR-6")
    assert counts["new"] == 1  # only the SCR-6 finding is new
    assert [f.finding.subject_key for f in found] == ["newco"]
    ev = found[0].finding.evidence
    assert (ev["entry_id"], ev["change"], ev["underlying_rule"]) == ("77777", "added", "SCR-1")
    assert ev["snapshot"] == second.snapshot


class _ListServer(BaseHTTPRequestHandler):
    root: Path
    seen: list[dict]

    def do_GET(self):  # noqa: N802 - http.server's name
        path = self.root / self.path.lstrip("/")
        self.seen.append(
            {
                "path": self.path,
                "inm": self.headers.get("If-None-Match"),
                "ims": self.headers.get("If-Modified-Since"),
            }
        )
        if not path.is_file():
            self.send_response(404)
            self.end_headers()
            return
        data = path.read_bytes()
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(path.stat().st_mtime, usegmt=True))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def list_server(ofac_dir):
    handler = type("H", (_ListServer,), {"root": ofac_dir, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler.seen
    server.shutdown()
    server.server_close()


def test_update_uses_conditional_requests(settings, list_server, ofac_dir, tmp_path):
    base, seen = list_server
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "ofac_sdn:\n  loader: ofac_sdn\n  files:\n"
        + "".join(f"    - {{name: {n}, url: '{base}/{n}'}}\n" for n in LEGACY),
        "utf-8",
    )
    s2 = Settings(settings.home, settings.database_url, list_sources=sources)
    with open_session(s2) as s:
        [first] = update_lists(s, s2, ["ofac_sdn"], now=T1)
    assert first.status == "imported" and first.entries >= 8
    assert all(x["inm"] is None for x in seen)
    seen.clear()
    with open_session(s2) as s:
        [second] = update_lists(s, s2, ["ofac_sdn"], now=T2)
    assert second.status == "not_modified"
    assert len(seen) == 4 and all(x["inm"] and x["ims"] for x in seen)
    # one file changes upstream: only it is downloaded again, and the diff is reported
    lines = [x for x in sdn_lines(ofac_dir) if not x.startswith("39499,")]
    (ofac_dir / "SDN.CSV").write_text("".join(lines), "latin-1")
    with open_session(s2) as s:
        [third] = update_lists(s, s2, ["ofac_sdn"], now=T2)
    assert third.status == "imported" and third.removed == ["39499"]
    with open_session(s2) as s, pytest.raises(InputError, match="unknown list source"):
        update_lists(s, s2, ["nope"])


def test_update_reports_http_errors(settings, list_server, tmp_path):
    base, _ = list_server
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"gone:\n  loader: un\n  files: [{{name: c.xml, url: '{base}/c.xml'}}]\n")
    s2 = Settings(settings.home, settings.database_url, list_sources=sources)
    with open_session(s2) as s:
        [failed] = update_lists(s, s2, ["gone"])  # reported per source; others go on
    assert failed.status == "failed" and "HTTP 404" in failed.error


@pytest.mark.parametrize(
    ("content", "kind", "words"),
    [
        ("<html><body>503 Service Unavailable</body></html>", "un", "no entries read"),
        ("", "un", "not imported"),
        ("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1", "un", "xml_error"),
    ],
)
def test_a_broken_download_never_replaces_the_current_version(
    settings, tmp_path, content, kind, words
):
    good = Path(__file__).parents[1] / "fixtures" / "lists" / "un" / "un_sample.xml"
    with open_session(settings) as s:
        first = import_list(s, settings, [good], "un", now=T1)
    bad = tmp_path / "consolidated.xml"
    bad.write_text(content, "utf-8")
    with open_session(settings) as s, pytest.raises(InputError, match=words):
        import_list(s, settings, [bad], kind, now=T2)
    with open_session(settings) as s:
        [status] = list_status(s, T2)
    assert status["snapshot"] == first.snapshot and status["entries"] == first.entries
    assert sorted(p.name for p in (settings.home / "lists" / "un").iterdir()) == [first.snapshot]


def test_list_names_cannot_escape_the_data_dir(settings, ofac_dir):
    with open_session(settings) as s, pytest.raises(InputError, match="list name"):
        import_list(s, settings, files(ofac_dir), "ofac_sdn", source="../../escaped")
