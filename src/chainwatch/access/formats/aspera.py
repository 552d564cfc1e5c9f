"""IBM Aspera ``ascp`` transfer logs: syslog lines (``/var/log/aspera.log``) and
``aspera-scp-transfer.log`` lines, ``key=value`` records of FASP sessions (reference
access-logs §1.10; layouts checked against public samples of ``LOG FASP Session Start``,
``Session Params``, ``Transfer Stop`` and ``Session Stop`` lines).

One event per file transferred: the ``LOG FASP Transfer Stop`` line (``file="..."``,
``size=``, ``start_byte=``, ``status=``). The peer and the account come from the session's
earlier lines, joined on ``uuid=``: ``Session Start`` (``op``, ``peer=IP:port``, and ``user=``
in older versions) and ``Session Params`` (``user=``, ``cookie=``). A session that ends
(``Session Stop``) without any ``Transfer Stop`` line (older ascp) gives one event for the
session, with its ``source`` (send) or ``dest`` (recv) as the object.

Direction. The log is written by the ascp on this host; ``peer`` is the other end. ``op=send``
means this host sent the data, so the peer received it: ``action="download"`` (from the peer's
point of view, like an HTTP GET by the client). ``op=recv`` means the peer pushed data here:
``"upload"``. This holds whichever side started the transfer. ``src_ip`` is the peer's address.

Other fields: ``principal`` = the transfer account (``user=``, an SSH/system user, so
``principal_type="username"``); ``object`` = the file path on this host; ``bytes`` = ``size``
minus ``start_byte`` (bytes moved in this session, a resumed transfer moves only the rest);
``raw_action`` = ``"<op>:<status>"`` (``send:success``, ``recv:error``), since ascp has no
HTTP status (``status`` stays null). As for HTTP logs, a transfer that did not succeed is
``action="other"`` with ``bytes`` null: visible, but not counted as a delivery.
``user_agent`` = ``ascp/<peerver> (<peeros>)``.

Times. Syslog lines carry no year and no zone, and ``aspera-scp-transfer.log`` lines no zone:
``AsperaFormat(year=..., timezone="Europe/Paris")`` sets them; by default the zone is UTC and
the year the current one (a file running from December into January moves to the next year),
and a warning in the report says what was assumed. RFC 3339 syslog stamps are exact.

Lines other than FASP session/transfer records (statistics, other programs) are skipped and
counted in a warning; lines with no recognisable time prefix are rejects. Events are yielded
in line order, except a ``Transfer Stop`` whose session has not been seen yet, which waits
for its session's first line (or the end of the file).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chainwatch.access.formats.base import ParseReport, record_id_prefix
from chainwatch.errors import InputError

_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
_BSD = re.compile(r"([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) \S+ ([^\s\[:]+)(?:\[\d+\])?: ?")
_RFC3339 = re.compile(
    r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) \S+ ([^\s\[:]+)"
    r"(?:\[\d+\])?: ?"
)
_SCP_LOG = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) \[[0-9A-Fa-f]+-[0-9A-Fa-f]+\] ")
_FASP = re.compile(r"LOG FASP (Session Start|Session Params|Session Stop|Transfer Stop) (.*)")
_KV = re.compile(r'([A-Za-z_][\w/.-]*)=("(?:[^"\\]|\\.)*"|\S*)')
_DIRECTION = {"send": "download", "recv": "upload"}  # seen from the peer (module docstring)
_SESSION_KEYS = ("op", "peer", "user", "peerver", "peeros", "source", "dest")


def _kv(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in _KV.findall(text):
        if value[:1] == '"' and value[-1:] == '"' and len(value) > 1:
            value = value[1:-1].replace('\\"', '"')
        out.setdefault(key, value)
    return out


def peer_ip(peer: str | None) -> str | None:
    """``1.2.3.4:33001`` → ``1.2.3.4``; ``[2001:db8::1]:33001`` → ``2001:db8::1``."""
    if not peer or peer == "-":
        return None
    if peer.startswith("["):
        return peer[1 : peer.find("]")] or None
    if peer.count(":") == 1:
        return peer.partition(":")[0]
    try:
        return str(ipaddress.ip_address(peer))
    except ValueError:
        return peer.rpartition(":")[0] or peer


def _size(values: dict[str, str]) -> int | None:
    size = values.get("size")
    if size is None or not size.isdigit():
        return None
    start = values.get("start_byte", "0")
    return int(size) - int(start) if start.isdigit() and int(start) <= int(size) else int(size)


class AsperaFormat:
    """IBM Aspera ascp transfer log (syslog or aspera-scp-transfer.log)."""

    name = "aspera"
    title = "IBM Aspera ascp transfer log"

    def __init__(self, year: int | None = None, timezone: str = "UTC") -> None:
        try:
            self.zone: tzinfo = UTC if timezone == "UTC" else ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InputError(f"aspera: unknown timezone {timezone!r}") from exc
        self.year = year
        self.timezone = timezone

    def sniff(self, head: str) -> bool:
        lines = head.splitlines()[:200]
        return any("LOG FASP Session" in ln or "LOG FASP Transfer" in ln for ln in lines) and any(
            _BSD.match(ln) or _RFC3339.match(ln) or _SCP_LOG.match(ln) for ln in lines
        )

    def parse(
        self, stream: TextIO, source_id: str, report: ParseReport
    ) -> Iterator[dict[str, Any]]:
        """Events, one per file transfer (see the module docstring)."""
        from chainwatch.access.formats.detect import note_decoding

        run = _Run(self, source_id)
        sessions: dict[str, dict[str, str]] = {}
        files_seen: set[str] = set()
        pending: dict[str, list[tuple[int, datetime, dict[str, str]]]] = {}
        skipped = 0
        emitted = 0
        try:
            for n, line in enumerate(stream, 1):
                text = line.rstrip("\r\n")
                if not text.strip():
                    continue
                stamp = run.stamp(text)
                if stamp is None:
                    report.reject(n, "unparsable: no syslog or ascp time prefix", text)
                    continue
                ts, msg = stamp
                if ts is None:
                    report.reject(n, "bad timestamp", text)
                    continue
                m = _FASP.match(msg)
                if m is None:
                    skipped += 1
                    continue
                kind, values = m[1], _kv(m[2])
                uuid = values.get("uuid")
                if not uuid:
                    report.reject(n, f"missing field: uuid in FASP {kind}", text)
                    continue
                if kind == "Transfer Stop":
                    files_seen.add(uuid)
                    if uuid in sessions:
                        emitted += 1
                        yield run.event(n, ts, values, sessions[uuid], values.get("file"))
                    else:
                        pending.setdefault(uuid, []).append((n, ts, values))
                    continue
                session = sessions.setdefault(uuid, {})
                for key in _SESSION_KEYS:
                    if key in values and key not in session:
                        session[key] = values[key]
                for pn, pts, pvalues in pending.pop(uuid, []):
                    emitted += 1
                    yield run.event(pn, pts, pvalues, session, pvalues.get("file"))
                if kind == "Session Stop":
                    if uuid not in files_seen:
                        obj = session.get("source" if session.get("op") == "send" else "dest")
                        emitted += 1
                        yield run.event(n, ts, {**session, **values}, session, obj)
                    sessions.pop(uuid, None)
                    files_seen.discard(uuid)
            for uuid, waiting in pending.items():
                for pn, pts, pvalues in waiting:
                    emitted += 1
                    yield run.event(pn, pts, pvalues, sessions.get(uuid, {}), pvalues.get("file"))
        finally:
            report.events += emitted
        if skipped:
            report.warnings.append(f"{skipped} line(s) without a FASP transfer record skipped")
        for note in sorted(run.assumed):
            report.warnings.append(note)
        note_decoding(stream, report)


class _Run:
    """State of one ``parse`` call: record-id hasher, year roll-over, assumptions made."""

    def __init__(self, fmt: AsperaFormat, source_id: str) -> None:
        self.fmt = fmt
        self.source_id = source_id
        self.base = record_id_prefix(source_id)
        self.year = fmt.year if fmt.year is not None else datetime.now(UTC).year
        self.last_month = 0
        self.assumed: set[str] = set()

    def stamp(self, text: str) -> tuple[datetime | None, str] | None:
        """(UTC time or None if invalid, message) from the line's prefix; None: no prefix."""
        m = _SCP_LOG.match(text)
        if m is not None:
            return self.local(lambda: datetime.fromisoformat(m[1])), text[m.end() :]
        m = _RFC3339.match(text)
        if m is not None:
            try:
                ts = datetime.fromisoformat(m[1].replace("Z", "+00:00"))
            except ValueError:
                return None, text[m.end() :]
            if ts.tzinfo is None:
                return self.local(lambda: ts), text[m.end() :]
            return ts.astimezone(UTC), text[m.end() :]
        m = _BSD.match(text)
        if m is None:
            return None
        month = _MONTHS.get(m[1])
        if month is None:
            return None, text[m.end() :]
        if self.fmt.year is None:
            if self.last_month == 12 and month == 1:
                self.year += 1
            self.assumed.add(f"syslog times carry no year: {self.year} assumed (set year=)")
        self.last_month = month
        return (
            self.local(
                lambda: datetime(self.year, month, int(m[2]), int(m[3]), int(m[4]), int(m[5]))
            ),
            text[m.end() :],
        )

    def local(self, build: Any) -> datetime | None:
        try:
            naive: datetime = build()
        except ValueError:
            return None
        if self.fmt.timezone == "UTC":
            self.assumed.add("times carry no zone: read as UTC (set timezone=)")
        return naive.replace(tzinfo=self.fmt.zone).astimezone(UTC)

    def event(
        self,
        n: int,
        ts: datetime,
        values: dict[str, str],
        session: dict[str, str],
        obj: str | None,
    ) -> dict[str, Any]:
        op = values.get("op") or session.get("op") or ""
        status = values.get("status") or ""
        user = session.get("user") or values.get("user")
        peerver = session.get("peerver") or values.get("peerver")
        peeros = session.get("peeros") or values.get("peeros")
        agent = f"ascp/{peerver}" if peerver else None
        if agent and peeros:
            agent = f"{agent} ({peeros.strip()})"
        return {
            "ts": ts,
            "src_ip": peer_ip(session.get("peer") or values.get("peer")),
            "forwarded_for": None,
            "principal": user or None,
            "principal_type": "username" if user else None,
            "action": _DIRECTION.get(op, "other") if status == "success" else "other",
            "raw_action": f"{op}:{status}" if op or status else None,
            "object": obj if obj and obj != "-" else None,
            "bytes": _size(values) if status == "success" else None,
            "status": None,
            "user_agent": agent,
            "source_format": "aspera",
            "source_file": self.source_id,
            "source_line": n,
            "record_id": self.base + str(n),
        }
