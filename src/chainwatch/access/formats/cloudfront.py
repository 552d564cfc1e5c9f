"""Amazon CloudFront standard logs (legacy and v2), W3C text driven by the ``#Fields:`` header,
and v2 JSON lines with the same field names (reference access-logs §1.2).

Why header-driven: the field set is configurable in v2 and has grown over the years, so
columns are found by name, in any order and any subset; a file without a header is read with
the legacy 33-field order (and a warning says so). A new ``#Fields:`` line mid-file (files
concatenated) switches the layout from there on.

Fields read: ``date`` + ``time`` (UTC) or ``timestamp`` / ``timestamp(ms)`` (epoch, v2);
``c-ip`` (the viewer, or the proxy it came through: then the viewer is in
``x-forwarded-for``); ``cs-method``; ``cs-uri-stem`` (URL-decoded: the object path);
``sc-status`` (``000`` = the viewer left before the response); ``sc-bytes``;
``cs(User-Agent)`` (CloudFront URL-encodes it: ``%20`` becomes a space). Actions follow the
HTTP rules of ``http_access.http_action``. CloudFront logs no viewer identity, so
``principal`` is null and ``principal_type`` is ``anonymous``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO
from urllib.parse import unquote

from chainwatch.access.formats.base import ParseReport, record_id_prefix
from chainwatch.access.formats.http_access import http_action

LEGACY_HEADER = (  # the #Fields line of legacy standard logs (AWS docs)
    "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
    "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id "
    "x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher "
    "x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port "
    "time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
    "sc-range-start sc-range-end"
)
LEGACY_FIELDS = tuple(LEGACY_HEADER.split())
_WANTED = (
    "date", "time", "timestamp", "timestamp(ms)", "c-ip", "x-forwarded-for", "cs-method",
    "cs-uri-stem", "sc-status", "sc-bytes", "cs(User-Agent)",
)  # fmt: skip
_CACHE_MAX = 200_000
_STATUS = {str(code): code for code in range(100, 600)}


class _Layout:
    """Column positions of the wanted fields for one ``#Fields:`` header. An absent field is
    at -1: every row gets a ``-`` appended, so it reads as null without a branch."""

    def __init__(self, names: list[str]) -> None:
        self.width = len(names)
        pos = {name: i for i, name in enumerate(names)}
        self.pos = tuple(pos.get(w, -1) for w in _WANTED)
        date, time, epoch, epoch_ms = self.pos[:4]
        self.usable = (date >= 0 and time >= 0) or epoch >= 0 or epoch_ms >= 0


_JSON_LAYOUTS: dict[tuple[str, ...], _Layout] = {}


def _dash(value: str | None) -> str | None:
    return None if value is None or value == "-" or value == "" else value


class CloudFrontFormat:
    """CloudFront standard (access) logs: W3C tab-separated text or v2 JSON lines."""

    name = "cloudfront"
    title = "Amazon CloudFront standard log"

    def sniff(self, head: str) -> bool:
        lines = [ln for ln in head.splitlines()[:20] if ln.strip()]
        for ln in lines:
            if ln.startswith("#Fields:"):
                fields = ln[8:].split()
                return "c-ip" in fields and ("cs-uri-stem" in fields or "x-edge-location" in fields)
            if ln.startswith("#"):
                continue
            if ln.startswith("{"):
                return '"x-edge-location"' in ln or '"x-edge-request-id"' in ln
            cols = ln.split("\t")
            return len(cols) >= 20 and len(cols[0]) == 10 and cols[0][4] == "-" and ":" in cols[1]
        return False

    def parse(
        self, stream: TextIO, source_id: str, report: ParseReport
    ) -> Iterator[dict[str, Any]]:
        """Events, one per record; header lines set the layout; short rows are rejects."""
        from chainwatch.access.formats.detect import note_decoding

        base = record_id_prefix(source_id)
        header: _Layout | None = None
        bound: _Layout | None = None
        times: dict[str, datetime] = {}
        tget = times.get
        agents: dict[str | None, str | None] = {}
        status_of = _STATUS.get
        i_date = i_time = i_epoch = i_epoch_ms = i_ip = i_xff = i_method = -1
        i_path = i_status = i_bytes = i_ua = -1
        emitted = 0
        try:
            for n, line in enumerate(stream, 1):
                first = line[:1]
                if first == "#":
                    if line.startswith("#Fields:"):
                        header = _Layout(line[8:].split())
                        if not header.usable:
                            report.reject(n, "bad header: #Fields has no date/time", line.strip())
                            header = None
                    continue
                if first == "{":
                    row = self._json_row(line.strip(), n, report)
                    if row is None:
                        continue
                    cols, lay = row
                else:
                    if header is None:
                        if not line.strip():
                            continue
                        header = _Layout(list(LEGACY_FIELDS))
                        report.warnings.append(
                            f"no #Fields header before line {n}: read as the legacy 33 fields"
                        )
                    cols = line.rstrip("\r\n").split("\t")
                    lay = header
                    if len(cols) < lay.width:
                        if len(cols) == 1:
                            if cols[0].strip():
                                report.reject(n, "unparsable: not a tab-separated record", cols[0])
                        else:
                            report.reject(
                                n, f"truncated: {len(cols)} of {lay.width} fields", line.rstrip()
                            )
                        continue
                if lay is not bound:
                    bound = lay
                    (i_date, i_time, i_epoch, i_epoch_ms, i_ip, i_xff, i_method, i_path,
                     i_status, i_bytes, i_ua) = lay.pos  # fmt: skip
                cols.append("-")
                try:
                    if i_date >= 0 and i_time >= 0:
                        key = cols[i_date] + cols[i_time]
                        ts = tget(key)
                        if ts is None:
                            ts = _day_time(cols[i_date], cols[i_time], times, key)
                    elif i_epoch >= 0:
                        ts = datetime.fromtimestamp(float(cols[i_epoch]), UTC)
                    else:
                        ts = datetime.fromtimestamp(float(cols[i_epoch_ms]) / 1000, UTC)
                except (ValueError, TypeError, OverflowError, OSError):
                    report.reject(n, "bad timestamp: date/time", line.rstrip())
                    continue
                st, nb = cols[i_status], cols[i_bytes]
                try:
                    status = status_of(st) or (None if st == "-" or st is None else int(st))
                    nbytes = None if nb == "-" or nb is None else int(nb)
                except ValueError:
                    report.reject(n, "bad number: sc-status or sc-bytes", line.rstrip())
                    continue
                path = _dash(cols[i_path])
                if path is not None and "%" in path:
                    path = unquote(path)
                ua = cols[i_ua]  # few distinct agents: each is decoded once
                ua = agents[ua] if ua in agents else _agent(ua, agents)
                xff = _dash(cols[i_xff])
                if xff is not None and "%" in xff:
                    xff = unquote(xff)
                method = _dash(cols[i_method]) or ""
                emitted += 1
                yield {
                    "ts": ts,
                    "src_ip": _dash(cols[i_ip]),
                    "forwarded_for": xff,
                    "principal": None,
                    "principal_type": "anonymous",
                    "action": http_action(method, status, path),
                    "raw_action": method or None,
                    "object": path,
                    "bytes": nbytes,
                    "status": status,
                    "user_agent": ua,
                    "source_format": "cloudfront",
                    "source_file": source_id,
                    "source_line": n,
                    "record_id": base + str(n),
                }
        finally:
            report.events += emitted
        note_decoding(stream, report)

    @staticmethod
    def _json_row(text: str, n: int, report: ParseReport) -> tuple[list[Any], _Layout] | None:
        try:
            rec = json.loads(text)
        except ValueError:
            report.reject(n, "bad JSON: not a CloudFront record", text)
            return None
        if not isinstance(rec, dict):
            report.reject(n, "bad JSON: not an object", text)
            return None
        names = tuple(rec)
        lay = _JSON_LAYOUTS.get(names)
        if lay is None:
            lay = _JSON_LAYOUTS[names] = _Layout(list(names))
        if not lay.usable:
            report.reject(n, "missing field: date/time or timestamp", text)
            return None
        return [None if v is None else str(v) for v in rec.values()], lay


def _agent(raw: str | None, cache: dict[str | None, str | None]) -> str | None:
    value = _dash(raw)
    if value is not None and "%" in value:
        value = unquote(value)
    if len(cache) > _CACHE_MAX:
        cache.clear()
    cache[raw] = value
    return value


def _day_time(day: str, time: str, cache: dict[str, datetime], key: str) -> datetime:
    ts = datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=UTC)
    if len(cache) > _CACHE_MAX:
        cache.clear()
    cache[key] = ts
    return ts
