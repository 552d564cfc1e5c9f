"""Any CSV or JSON-lines export, read through a YAML mapping file (reference access-logs §1.9,
and §1.10: Signiant, MASV, Hightail, WeTransfer and NAS exports have no public schema).

Why a mapping, not code: each vendor portal exports its own columns; the investigator writes
ten lines of YAML and the detectors see ordinary events. Example::

    format: csv              # or jsonl
    delimiter: ","           # csv only (default ","); header: true (default) or columns: [...]
    fields:                  # event field: CSV column, or dotted path into the JSON record
      ts: timestamp
      src_ip: client_ip
      principal: user.email  # JSON: {"user": {"email": ...}}; a number selects a list item
      action: event_type
      object: file.path
      bytes: size
    ts_format: iso           # iso (default) | epoch_s | epoch_ms | a strptime format
    timezone: Asia/Seoul     # for times without an offset (default UTC)
    action_map: {GET: download, file.download: download, shared_link.create: share}
    defaults: {principal_type: email}   # constants for fields the export lacks

``action``: the mapped value goes to ``raw_action`` (unless ``raw_action`` is mapped too) and
is normalized through ``action_map``, else kept if it already is one of ``ACTIONS``, else
``other``. ``principal_type`` without a mapping or default: ``email`` when the principal has
an ``@``, else ``username``. A mapping mistake raises ``InputError`` naming the file and key
(the user's to fix); a bad record is a reject with its line, as in every format.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from chainwatch.access.event import ACTIONS
from chainwatch.access.formats.base import ParseReport, record_id_prefix
from chainwatch.errors import InputError

MAPPABLE = (
    "ts", "src_ip", "forwarded_for", "principal", "principal_type", "action", "raw_action",
    "object", "bytes", "status", "user_agent", "auth_type",
)  # fmt: skip
PRINCIPAL_TYPES = ("email", "access_key", "arn", "canonical_id", "username", "anonymous")
_TOP = {"format", "delimiter", "header", "columns", "fields", "ts_format", "timezone"}
_TOP |= {"action_map", "defaults"}
_MISSING = object()


def _fail(where: str, key: str, message: str) -> InputError:
    return InputError(f"{where}: {key}: {message}")


class MappedFormat:
    """CSV or JSON lines read through a mapping (a YAML file path, or the mapping as a dict)."""

    name = "mapped"
    title = "CSV / JSON lines with a mapping file"

    def __init__(self, mapping: str | Path | dict[str, Any]) -> None:
        if isinstance(mapping, dict):
            self.where, spec = "mapping", mapping
        else:
            self.where = str(mapping)
            try:
                spec = yaml.safe_load(Path(mapping).read_text("utf-8"))
            except OSError as exc:
                raise InputError(f"{mapping}: cannot read mapping: {exc.strerror}") from exc
            except yaml.YAMLError as exc:
                raise InputError(f"{mapping}: not valid YAML: {exc}") from exc
        self._validate(spec)

    def _validate(self, spec: Any) -> None:
        w = self.where
        if not isinstance(spec, dict):
            raise _fail(w, "(top)", "a mapping must be a YAML mapping of keys")
        unknown = sorted(set(spec) - _TOP)
        if unknown:
            raise _fail(w, unknown[0], f"unknown key (known: {', '.join(sorted(_TOP))})")
        self.kind = spec.get("format")
        if self.kind not in ("csv", "jsonl"):
            raise _fail(w, "format", f"must be csv or jsonl, not {self.kind!r}")
        self.delimiter = spec.get("delimiter", ",")
        if not isinstance(self.delimiter, str) or len(self.delimiter) != 1:
            raise _fail(w, "delimiter", "must be one character")
        self.header = spec.get("header", "columns" not in spec)
        self.columns = spec.get("columns")
        if self.columns is not None and (
            not isinstance(self.columns, list) or not all(isinstance(c, str) for c in self.columns)
        ):
            raise _fail(w, "columns", "must be a list of column names")
        fields = spec.get("fields")
        if not isinstance(fields, dict) or not fields:
            raise _fail(w, "fields", "must map event fields to source columns or paths")
        for key, source in fields.items():
            if key not in MAPPABLE:
                raise _fail(w, f"fields.{key}", f"not an event field ({', '.join(MAPPABLE)})")
            if not isinstance(source, (str, int)) or source == "":
                raise _fail(w, f"fields.{key}", "must be a column name or dotted path")
        if "ts" not in fields:
            raise _fail(w, "fields.ts", "required: the record's time")
        if self.columns is not None:
            for key, source in fields.items():
                if str(source) not in self.columns:
                    raise _fail(w, f"fields.{key}", f"{source!r} is not one of columns")
        self.fields = {k: str(v) for k, v in fields.items()}
        self.paths = {k: v.split(".") for k, v in self.fields.items()}
        self.ts_format = spec.get("ts_format", "iso")
        if not isinstance(self.ts_format, str) or (
            self.ts_format not in ("iso", "epoch_s", "epoch_ms") and "%" not in self.ts_format
        ):
            raise _fail(w, "ts_format", "iso, epoch_s, epoch_ms or a strptime format with %")
        tz = spec.get("timezone", "UTC")
        try:
            self.zone: tzinfo = UTC if tz == "UTC" else ZoneInfo(str(tz))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise _fail(w, "timezone", f"unknown time zone {tz!r}") from exc
        amap = spec.get("action_map", {}) or {}
        if not isinstance(amap, dict):
            raise _fail(w, "action_map", "must map raw values to actions")
        for raw, action in amap.items():
            if action not in ACTIONS:
                raise _fail(w, f"action_map.{raw}", f"{action!r} is not one of {ACTIONS}")
        self.action_map = {str(k): v for k, v in amap.items()}
        self.defaults = spec.get("defaults", {}) or {}
        if not isinstance(self.defaults, dict):
            raise _fail(w, "defaults", "must map event fields to constants")
        for key, value in self.defaults.items():
            if key not in MAPPABLE or key == "ts":
                raise _fail(w, f"defaults.{key}", "not an event field that takes a constant")
            if key == "action" and value not in ACTIONS:
                raise _fail(w, "defaults.action", f"{value!r} is not one of {ACTIONS}")
            if key == "principal_type" and value not in PRINCIPAL_TYPES:
                raise _fail(w, "defaults.principal_type", f"one of {PRINCIPAL_TYPES}")

    def sniff(self, head: str) -> bool:
        lines = [ln for ln in head.splitlines() if ln.strip()]
        if not lines:
            return False
        if self.kind == "jsonl":
            try:
                rec = json.loads(lines[0])
            except ValueError:
                return False
            return isinstance(rec, dict) and _get(rec, self.paths["ts"]) is not _MISSING
        if not self.header:
            return False
        names = next(csv.reader([lines[0]], delimiter=self.delimiter))
        return all(src in names for src in self.fields.values())

    def parse(
        self, stream: TextIO, source_id: str, report: ParseReport
    ) -> Iterator[dict[str, Any]]:
        """Events, one per CSV row or JSON line (``source_line``: the line it starts on)."""
        from chainwatch.access.formats.detect import note_decoding

        base = record_id_prefix(source_id)
        records = self._csv(stream, report) if self.kind == "csv" else self._jsonl(stream, report)
        times: dict[Any, datetime] = {}
        emitted = 0
        try:
            for n, raw, get in records:
                event = self._event(get, times, n, raw, report)
                if event is None:
                    continue
                event.update(
                    source_format=self.name, source_file=source_id, source_line=n,
                    record_id=base + str(n),
                )  # fmt: skip
                emitted += 1
                yield event
        finally:
            report.events += emitted
        note_decoding(stream, report)

    def _csv(self, stream: TextIO, report: ParseReport) -> Iterator[tuple[int, str, Any]]:
        reader = csv.reader(stream, delimiter=self.delimiter)
        names: list[str] | None = self.columns
        header_pending = bool(self.header)
        last = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                report.reject(reader.line_num, f"bad CSV: {exc}")
                last = reader.line_num
                continue
            n, last = last + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            raw = self.delimiter.join(row)
            if header_pending:
                header_pending = False
                if names is None:
                    names = [c.strip().lstrip("\ufeff") for c in row]
                    missing = [s for s in self.fields.values() if s not in names]
                    if missing:
                        raise _fail(self.where, "fields", f"columns {missing} not in the header")
                continue
            if names is None:
                names = [str(i) for i in range(len(row))]
            if len(row) < len(names):
                report.reject(n, f"truncated: {len(row)} of {len(names)} columns", raw)
                continue
            values = dict(zip(names, row, strict=False))
            yield n, raw, lambda field, v=values: v.get(self.fields[field], _MISSING)

    def _jsonl(self, stream: TextIO, report: ParseReport) -> Iterator[tuple[int, str, Any]]:
        for n, line in enumerate(stream, 1):
            text = line.strip()
            if not text:
                continue
            try:
                rec = json.loads(text)
            except ValueError:
                report.reject(n, "bad JSON: not a JSON record", text)
                continue
            if not isinstance(rec, dict):
                report.reject(n, "bad JSON: not an object", text)
                continue
            yield n, text, lambda field, r=rec: _get(r, self.paths[field])

    def _event(
        self, get: Any, times: dict[Any, datetime], n: int, raw: str, report: ParseReport
    ) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        for field in MAPPABLE:
            value = get(field) if field in self.fields else _MISSING
            if value is _MISSING or value is None or value == "" or value == "-":
                value = self.defaults.get(field)
            out[field] = value
        stamp = out["ts"]
        if stamp is None:
            report.reject(n, f"missing field: ts ({self.fields['ts']})", raw)
            return None
        key = stamp if isinstance(stamp, (str, int, float)) else str(stamp)
        ts = times.get(key)
        if ts is None:
            try:
                ts = times[key] = self._time(stamp)
            except (ValueError, TypeError, OverflowError, OSError):
                report.reject(n, f"bad timestamp: {stamp!r}", raw)
                return None
        out["ts"] = ts
        for field in ("bytes", "status"):
            if out[field] is not None:
                try:
                    out[field] = int(out[field])
                except (ValueError, TypeError):
                    report.reject(n, f"bad number: {field} {out[field]!r}", raw)
                    return None
        for field in ("src_ip", "forwarded_for", "principal", "object", "user_agent", "auth_type"):
            if out[field] is not None and not isinstance(out[field], str):
                out[field] = (
                    json.dumps(out[field])
                    if isinstance(out[field], (dict, list))
                    else str(out[field])
                )
        rawact = out["raw_action"] if out["raw_action"] is not None else out["action"]
        rawact = None if rawact is None else str(rawact)
        out["raw_action"] = rawact
        action = self.action_map.get(rawact) if rawact is not None else None
        if action is None and rawact is not None and "action" in self.fields:
            low = rawact.lower()
            action = low if low in ACTIONS else "other"
        out["action"] = action or self.defaults.get("action") or "other"
        if out["principal_type"] is None and out["principal"] is not None:
            out["principal_type"] = "email" if "@" in out["principal"] else "username"
        return out

    def _time(self, value: Any) -> datetime:
        fmt = self.ts_format
        if fmt == "epoch_s" or fmt == "epoch_ms":
            seconds = float(value) / (1000 if fmt == "epoch_ms" else 1)
            return datetime.fromtimestamp(seconds, UTC)
        text = str(value).strip()
        ts = datetime.fromisoformat(text) if fmt == "iso" else datetime.strptime(text, fmt)
        return (
            ts.replace(tzinfo=self.zone).astimezone(UTC)
            if ts.tzinfo is None
            else ts.astimezone(UTC)
        )


def _get(record: Any, path: list[str]) -> Any:
    """Value at a dotted path (``user.email``, ``items.0.name``); _MISSING when absent."""
    node = record
    for part in path:
        if isinstance(node, dict):
            if part not in node:
                return _MISSING
            node = node[part]
        elif (
            isinstance(node, list)
            and part.lstrip("-").isdigit()
            and -len(node) <= int(part) < len(node)
        ):
            node = node[int(part)]
        else:
            return _MISSING
    return node
