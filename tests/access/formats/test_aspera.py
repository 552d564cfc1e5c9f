"""IBM Aspera ascp logs: one event per file, sessions joined on uuid, direction, times."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.aspera import AsperaFormat, peer_ip
from chainwatch.access.formats.base import ParseReport, record_id
from chainwatch.access.formats.detect import open_log
from chainwatch.errors import InputError

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs" / "aspera"
UUID = "09fe0c30-bf69-47d1-9db5-3bf60b8f1426"
START = (
    f"Dec 31 23:59:50 xfer01 ascp[9]: LOG FASP Session Start uuid={UUID} op=send "
    'status=started source=/data/a (1) dest=/in user="hanbit-ftp" peer=175.45.176.9:33001'
)
STOP_FILE = (
    f"Jan  1 00:00:10 xfer01 ascp[9]: LOG FASP Transfer Stop uuid={UUID} op=send status=success "
    'file="/data/a/sh010 plate.exr" size=5000 start_byte=0'
)


def parse_text(text: str, fmt: AsperaFormat | None = None, source: str = "mem.log"):
    report = ParseReport(file=source, format="aspera")
    fmt = fmt or AsperaFormat(year=2025)
    return list(fmt.parse(io.StringIO(text), source, report)), report


def parse_file(path: Path, fmt: AsperaFormat):
    report = ParseReport(file=str(path), format="aspera")
    stream, _ = open_log(path)
    with stream:
        return list(fmt.parse(stream, str(path), report)), report


def test_reference_samples():
    events, report = parse_file(LOGS / "reference_samples.log", AsperaFormat(year=2015))
    assert not report.rejects
    old, new = events
    # ascp 3.3: no Transfer Stop line, the session itself is the record
    assert old["ts"] == datetime(2015, 1, 26, 18, 44, 58, tzinfo=UTC)
    assert (old["src_ip"], old["principal"], old["principal_type"]) == (
        "46.137.239.185",
        "root",
        "username",
    )
    assert (old["action"], old["raw_action"], old["object"]) == (
        "download",
        "send:success",
        "/data/to-sg-no-disk.sh",
    )
    assert old["user_agent"] == "ascp/3.4.0.82480 (Linux 2.6.32)"
    # ascp 3.9: user in Session Params, one Transfer Stop per file
    assert new["source_line"] == 6
    assert new["ts"] == datetime(2020, 8, 21, 19, 48, 44, 630000, tzinfo=UTC)
    assert (new["src_ip"], new["principal"]) == ("203.0.113.9", "peer_user")
    assert (new["object"], new["bytes"], new["status"]) == (
        "D:/Content/somefile.mov",
        55740661756,
        None,
    )
    assert set(new) == set(EVENT_SCHEMA.names) - {"auth_type"}  # S3 only
    assert any("skipped" in w for w in report.warnings)  # the Session Statistics line


def test_generated_file():
    path = LOGS / "aspera.log"
    events, report = parse_file(path, AsperaFormat(year=2025))
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [
        (10, "unparsable"),
        (16, "unparsable"),
    ]
    assert len(events) == report.events == 36  # 12 sessions x 3 files
    assert events[0]["record_id"] == record_id(str(path), events[0]["source_line"])
    sanctioned = [e for e in events if e["src_ip"] == "175.45.176.9"]
    assert len(sanctioned) == 3
    assert {e["principal"] for e in sanctioned} == {"hanbit-ftp"}
    assert {e["action"] for e in sanctioned} == {"download"}  # op=send: the peer received
    assert {e["action"] for e in events} == {"download", "upload", "other"}
    (failed,) = [e for e in events if e["raw_action"].endswith(":error")]
    assert (failed["raw_action"], failed["action"], failed["bytes"]) == (
        "send:error",
        "other",
        None,
    )
    assert all(e["object"].endswith(".exr") for e in events)
    assert any("without a FASP transfer record" in w for w in report.warnings)
    assert any("not valid UTF-8" in w for w in report.warnings)
    assert pa.RecordBatch.from_pylist(events, schema=EVENT_SCHEMA).num_rows == 36


def test_resumed_transfer_counts_bytes_moved():
    text = START + "\n" + STOP_FILE.replace("start_byte=0", "start_byte=1000") + "\n"
    (ev,), _ = parse_text(text)
    assert ev["bytes"] == 4000


def test_year_rolls_over_and_timezone_applies():
    events, report = parse_text(START + "\n" + STOP_FILE + "\n", AsperaFormat(year=None))
    (ev,) = events
    assert ev["ts"].year == datetime.now(UTC).year + 1  # current year assumed, then Jan
    assert any("no year" in w for w in report.warnings)
    (ev,), report = parse_text(START + "\n" + STOP_FILE + "\n")
    assert ev["ts"] == datetime(2025, 1, 1, 0, 0, 10, tzinfo=UTC)  # Dec 31 → Jan 1: next year
    assert any("read as UTC" in w for w in report.warnings)
    (ev,), report = parse_text(
        START + "\n" + STOP_FILE + "\n", AsperaFormat(year=2025, timezone="Asia/Seoul")
    )
    assert ev["ts"] == datetime(2024, 12, 31, 15, 0, 10, tzinfo=UTC)
    assert not any("read as UTC" in w for w in report.warnings)


def test_rfc3339_syslog_and_recv_direction():
    text = (
        "2025-10-10T01:00:00.5+09:00 xfer01 ascp[5]: LOG FASP Session Start "
        f'uuid={UUID} op=recv status=started user="dasol-xfer" peer=[2001:db8::7]:33001\n'
        "2025-10-10T01:00:09Z xfer01 ascp[5]: LOG FASP Transfer Stop "
        f'uuid={UUID} op=recv status=success file="/in/x.exr" size=10\n'
    )
    (ev,), report = parse_text(text)
    assert not report.rejects and not report.warnings
    assert ev["ts"] == datetime(2025, 10, 10, 1, 0, 9, tzinfo=UTC)
    assert (ev["src_ip"], ev["action"], ev["object"]) == ("2001:db8::7", "upload", "/in/x.exr")


def test_transfer_before_its_session_waits_for_it():
    early = STOP_FILE.replace("Jan  1 00:00:10", "Dec 31 23:59:40")
    (ev,), _ = parse_text(early + "\n" + START + "\n")
    assert (ev["source_line"], ev["src_ip"], ev["principal"]) == (1, "175.45.176.9", "hanbit-ftp")
    (ev,), _ = parse_text(early + "\n")  # never seen: still an event, peer unknown
    assert (ev["src_ip"], ev["principal"], ev["action"]) == (None, None, "download")


def test_bad_lines():
    text = (
        "not a log line\n"
        "Feb 30 10:00:00 xfer01 ascp[1]: LOG FASP Transfer Stop uuid=x op=send\n"
        "Feb 10 10:00:00 xfer01 ascp[1]: LOG FASP Transfer Stop op=send file=/a\n"
        "Feb 10 10:00:00 xfer01 sshd[2]: Accepted publickey for hanbit-ftp\n"
    )
    events, report = parse_text(text)
    assert not events
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [
        (1, "unparsable"),
        (2, "bad timestamp"),
        (3, "missing field"),
    ]


def test_peer_ip_and_options():
    assert peer_ip("198.23.89.123:33001") == "198.23.89.123"
    assert peer_ip("[2001:db8::1]:33001") == "2001:db8::1"
    assert peer_ip("2001:db8::1") == "2001:db8::1"
    assert peer_ip("-") is None
    with pytest.raises(InputError, match="timezone"):
        AsperaFormat(timezone="Mars/Olympus")


def test_sniff():
    fmt = AsperaFormat()
    assert fmt.sniff((LOGS / "aspera.log").read_text("utf-8", "replace"))
    assert not fmt.sniff("Oct 10 01:05:00 host sshd[77]: Accepted publickey\n")
