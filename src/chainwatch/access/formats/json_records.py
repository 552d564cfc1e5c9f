"""Reading the JSON shapes that cloud audit APIs export, shared by the m365, gdrive, dropbox,
box and minio formats (reference: shared/reference/access-logs-and-ip-data.md §1.4-1.9).

Accepted shapes, told apart from the first lines of a bounded head (``HEAD_CHARS``):

- **JSON lines**: one event object per line, streamed line by line. ``source_line`` is the
  1-based physical line; a bad line is rejected and the next line is read. (A first line
  longer than the head is read as a document: it is one, or an event of over 64 KB.)
- **JSON document**: a JSON array (the Microsoft 365 Management API content blob), an API
  response envelope (Google ``{"items": [...]}``, Dropbox ``{"events": [...]}``, Box
  ``{"entries": [...]}``, Graph ``{"value": [...]}``), one pretty-printed event, or several of
  these concatenated (one API page per line). The document is loaded into memory (at most
  ``MAX_DOCUMENT_CHARS``, else one ``too large`` reject), then walked element by element, so
  a truncated or corrupt export keeps every record before the break and rejects the rest once
  with the line and column of the break. ``source_line`` is the 1-based record index across
  the document: it rises monotonically, which the resumable ingest relies on.

Record ids: a record that yields one event gets ``record_id(source_id, n)``; when a record
yields several (a Google activity with several events, a Dropbox event with several assets,
a MinIO multi-object delete) each event's index ``k`` follows the record's own prefix,
i.e. ``record_id(f"{source_id}\\x1f{n}", k)``, whose prefix hashes ``source\\x1fn`` and so
differs from the file's: it cannot collide with a single-event id. Both are stable when a
file is ingested again.

Field readers raise ``RecordError`` with a ``category: detail`` reason (``missing time``,
``bad time``, ``bad ip``, ``wrong type``, ...); the driver turns it into a reject carrying the
record number and the raw text, and parsing goes on.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport, record_id

MAX_DOCUMENT_CHARS = 512 * 1024 * 1024  # a whole JSON document is loaded; JSON lines stream
HEAD_CHARS = 64 * 1024  # what is read to tell JSON lines from a document
EVENT_FIELDS = tuple(EVENT_SCHEMA.names)

_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")
_HAS_CLOCK = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Values sources write where they have no address (Box "Unknown IP", empty M365 ClientIP).
_NO_IP = {"", "-", "unknown", "unknown ip", "null", "<null>", "none", "n/a"}


class TextSource(Protocol):
    """What the readers need of a text stream (``TextIO`` has it)."""

    def __iter__(self) -> Iterator[str]: ...

    def read(self, size: int = -1, /) -> str: ...

    def readline(self, size: int = -1, /) -> str: ...


class RecordError(ValueError):
    """A record that cannot become an event; ``str(error)`` is the reject reason."""


@dataclass(frozen=True)
class JsonRecord:
    line: int  # source_line: physical line (JSON lines) or record index (document)
    position: tuple[int, ...]  # what record ids hash (line, or line and index on that line)
    value: Any
    raw: str


ToEvents = Callable[[dict[str, Any]], list[dict[str, Any]]]
Emit = Callable[[Any, str], Iterator[JsonRecord]]


# ---------------------------------------------------------------------------- shapes


def take_head(stream: TextSource, head: str = "") -> str:
    """The first ``HEAD_CHARS`` of the stream (after ``head``, text already taken from it),
    without a BOM. Bounded, so a one-line 5 GB document is never read whole to look at it."""
    text = head + stream.read(max(HEAD_CHARS - len(head), 0))
    return text.removeprefix("\ufeff")


def numbered_lines(head: str, stream: TextSource) -> Iterator[tuple[int, str]]:
    """(1-based line, text with its ``\\n``) for ``head`` and then the rest of the stream;
    lines end at ``\\n`` only, as ``open_log`` splits them."""
    if head and not head.endswith("\n"):
        head += stream.readline()  # finish the line the head cut
    pieces = head.split("\n")
    last = pieces.pop()  # "" after a final newline, else an unterminated last line (EOF)
    lineno = 0
    for lineno, text in enumerate(pieces, 1):
        yield lineno, text + "\n"
    if last:
        lineno += 1
        yield lineno, last
    yield from enumerate(stream, lineno + 1)


def iter_json_records(
    stream: TextSource,
    report: ParseReport,
    envelope_keys: tuple[str, ...] = (),
    head: str = "",
) -> Iterator[JsonRecord]:
    """Every record of a JSON-lines file or JSON document (see the module docstring);
    ``head`` is text the caller already read from the stream."""
    head = take_head(stream, head)
    if _mode(head, envelope_keys) == "lines":
        yield from _json_lines(numbered_lines(head, stream), report, envelope_keys)
        return
    budget = MAX_DOCUMENT_CHARS - len(head)
    rest = stream.read(budget + 1) if budget >= 0 else ""
    if budget < 0 or len(rest) > budget:
        report.reject(
            1,  # the document from its first line (a None line would not be quarantined)
            f"too large: a JSON document over {MAX_DOCUMENT_CHARS // 2**20} MB is not "
            "loaded; convert it to JSON lines (one event per line)",
        )
        return
    yield from _document(head + rest, report, envelope_keys)


def _mode(head: str, envelope_keys: tuple[str, ...]) -> str:
    """``lines`` when the first content line is one event object (or, if it is broken, the
    second is, or it is the only line); ``document`` for arrays, envelopes, pretty-printed
    JSON and a first line longer than the head (a compact one-line document)."""
    pieces = head.split("\n")
    if len(head) >= HEAD_CHARS:
        pieces.pop()  # cut by the head: not a whole line
    content = [p.strip() for p in pieces if p.strip()]
    if not content:
        return "document" if head.strip() else "lines"
    first = content[0]
    if first.startswith("["):
        return "document"
    if not first.startswith("{"):
        return "lines"  # not JSON at all: every line is rejected on its own
    value = _loads(first)
    if isinstance(value, dict):
        return "document" if _envelope(value, envelope_keys) is not None else "lines"
    if len(content) == 1:
        return "lines" if len(head) < HEAD_CHARS else "document"
    second = _loads(content[1])
    if isinstance(second, dict) and _envelope(second, envelope_keys) is None:
        return "lines"  # a broken first line in a JSON-lines file
    return "document"


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _envelope(value: dict[str, Any], envelope_keys: tuple[str, ...]) -> list[Any] | None:
    for key in envelope_keys:
        if isinstance(value.get(key), list):
            return value[key]
    return None


def _expand(value: Any, envelope_keys: tuple[str, ...]) -> Iterator[Any]:
    """Arrays and envelopes open into their records; anything else is one record."""
    inner = value if isinstance(value, list) else None
    if isinstance(value, dict):
        inner = _envelope(value, envelope_keys)
    if inner is None:
        yield value
        return
    for item in inner:
        yield from _expand(item, envelope_keys)


def _json_lines(
    lines: Iterable[tuple[int, str]], report: ParseReport, envelope_keys: tuple[str, ...]
) -> Iterator[JsonRecord]:
    for lineno, text in lines:
        text = text.strip()
        if not text:
            continue
        try:
            value = json.loads(text)
        except ValueError as exc:
            report.reject(lineno, f"invalid json: {json_error(exc)}", text)
            continue
        records = list(_expand(value, envelope_keys))
        if len(records) == 1 and records[0] is value:
            yield JsonRecord(lineno, (lineno,), value, text)
            continue
        for k, item in enumerate(records):
            yield JsonRecord(lineno, (lineno, k), item, _dump(item))


def _document(
    text: str, report: ParseReport, envelope_keys: tuple[str, ...]
) -> Iterator[JsonRecord]:
    """Walk concatenated top-level values element by element with ``raw_decode``."""
    index = 0
    pos = _skip(text, 0)

    def emit(value: Any, raw: str) -> Iterator[JsonRecord]:
        nonlocal index
        for item in _expand(value, envelope_keys):
            index += 1
            yield JsonRecord(index, (index,), item, raw if item is value else _dump(item))

    try:
        while pos < len(text):
            if text[pos] == "[":
                pos = yield from _walk_array(text, pos, emit)
            elif text[pos] == "{":
                pos = yield from _walk_object(text, pos, envelope_keys, emit)
            else:
                raise _syntax(text, pos, "expecting '[' or '{'")
            pos = _skip(text, pos)
    except json.JSONDecodeError as exc:
        report.reject(
            index + 1,
            f"invalid json: {exc.msg} (line {exc.lineno}, column {exc.colno}); "
            "rest of the document skipped",
            text[exc.pos : exc.pos + 300],
        )


def _walk_array(text: str, pos: int, emit: Emit) -> Generator[JsonRecord, None, int]:
    pos = _skip(text, pos + 1)
    if text.startswith("]", pos):
        return pos + 1
    while True:
        start = pos
        value, pos = _DECODER.raw_decode(text, pos)
        yield from emit(value, text[start:pos])
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
        elif text.startswith("]", pos):
            return pos + 1
        else:
            raise _syntax(text, pos, "expecting ',' or ']'")


def _walk_object(
    text: str, pos: int, envelope_keys: tuple[str, ...], emit: Emit
) -> Generator[JsonRecord, None, int]:
    """An envelope's record list is walked in place; any other object is one record."""
    start = pos
    members: dict[str, Any] = {}
    is_envelope = False
    pos = _skip(text, pos + 1)
    while not text.startswith("}", pos):
        if not text.startswith('"', pos):
            raise _syntax(text, pos, "expecting property name in double quotes")
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if not text.startswith(":", pos):
            raise _syntax(text, pos, "expecting ':' delimiter")
        pos = _skip(text, pos + 1)
        if key in envelope_keys and text.startswith("[", pos) and not is_envelope:
            is_envelope = True
            pos = yield from _walk_array(text, pos, emit)
        else:
            members[key], pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
        elif not text.startswith("}", pos):
            raise _syntax(text, pos, "expecting ',' delimiter")
    if not is_envelope:
        yield from emit(members, text[start : pos + 1])
    return pos + 1


def json_error(exc: ValueError) -> str:
    """A decoder error as ``message (column N)`` for a one-line text."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (column {exc.colno})"
    return str(exc)


def _skip(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _syntax(text: str, pos: int, msg: str) -> json.JSONDecodeError:
    return json.JSONDecodeError(msg[0].upper() + msg[1:], text, pos)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))[:300]


# ---------------------------------------------------------------------------- driver


def parse_json_events(
    stream: TextSource,
    source_id: str,
    report: ParseReport,
    *,
    source_format: str,
    to_events: ToEvents,
    envelope_keys: tuple[str, ...] = (),
    head: str = "",
) -> Iterator[dict[str, Any]]:
    """Events of every record; a record that fails becomes a reject and parsing goes on."""
    for rec in iter_json_records(stream, report, envelope_keys, head):
        if not isinstance(rec.value, dict):
            report.reject(rec.line, f"not an object: record is {_shown(rec.value)}", rec.raw)
            continue
        yield from record_events(
            rec.value, rec.line, rec.position, rec.raw, source_id, report, source_format, to_events
        )


def record_events(
    value: dict[str, Any],
    line: int,
    position: tuple[int, ...],
    raw: str,
    source_id: str,
    report: ParseReport,
    source_format: str,
    to_events: ToEvents,
) -> Iterator[dict[str, Any]]:
    """One record's events with their EVENT_SCHEMA keys, provenance and record ids."""
    try:
        events = to_events(value)
    except RecordError as exc:
        report.reject(line, str(exc), raw)
        return
    if not events:
        report.reject(line, "no event: the record names no event", raw)
        return
    for k, event in enumerate(events):
        where = (*position, k) if len(events) > 1 else position
        out: dict[str, Any] = dict.fromkeys(EVENT_FIELDS)
        out.update(event)
        out["source_format"] = source_format
        out["source_file"] = source_id
        out["source_line"] = line
        out["record_id"] = record_id("\x1f".join([source_id, *map(str, where[:-1])]), where[-1])
        report.events += 1
        yield out


# ---------------------------------------------------------------------------- fields


def dig(record: Mapping[str, Any], path: str) -> Any:
    """``dig(r, "a.b")`` is ``r["a"]["b"]`` or None; a non-object on the way is a
    ``wrong type`` error, never a crash."""
    value: Any = record
    walked = []
    for part in path.split("."):
        if value is None:
            return None
        if not isinstance(value, dict):
            raise wrong_type(".".join(walked), value, "an object")
        value = value.get(part)
        walked.append(part)
    return value


def as_text(value: Any, field: str) -> str | None:
    """A string field; numbers are accepted as text (ids), objects and lists are not."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise wrong_type(field, value, "text")


def as_int(value: Any, field: str, bits: int = 64) -> int | None:
    """A signed integer that fits the schema column (int64; int32 for ``status``); digit
    strings are accepted (some exports quote numbers)."""
    if value is None or value == "":
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,20}\s*", value)
    ):
        number = int(value)
    if number is None or not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
        raise wrong_type(field, value, f"an int{bits} integer")
    return number


def as_object(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise wrong_type(field, value, "an object")
    return value


def as_list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise wrong_type(field, value, "an array")
    return value


def wrong_type(field: str, value: Any, expected: str) -> RecordError:
    """``wrong type: <field> is <what it is>, expected <what it should be>``."""
    return RecordError(f"wrong type: {field} is {_shown(value)}, expected {expected}")


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return f"a JSON {'object' if isinstance(value, dict) else 'array'}"
    return "a boolean" if isinstance(value, bool) else repr(value)[:60]


def parse_utc(text: str) -> datetime | None:
    """ISO 8601 / RFC 3339 text as an aware UTC datetime, or None. An offset is honoured; a
    time without one is taken as UTC (every source here documents UTC timestamps)."""
    text = text.strip()
    if not _HAS_CLOCK.match(text):
        return None
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def as_time(value: Any, field: str) -> datetime:
    """The event time; a record without a readable time is rejected, never guessed."""
    if value is None or value == "":
        raise RecordError(f"missing time: {field}")
    if not isinstance(value, str):
        raise wrong_type(field, value, "a timestamp")
    ts = parse_utc(value)
    if ts is None:
        raise RecordError(f"bad time: {field} is {value!r}")
    return ts


@functools.lru_cache(maxsize=65536)  # addresses repeat: parse each once
def normalize_ip(text: str) -> str | None:
    """The address in canonical text: brackets, ``:port`` and zone ids removed, IPv4-mapped
    IPv6 as IPv4 (so IPv4 geo databases see it). None for a source's "no address" value.
    Raises ``ValueError`` for anything else that is not an address (host names included)."""
    value = text.strip()
    if value.lower() in _NO_IP:
        return None
    if value.startswith("["):
        end = value.find("]")
        if end < 0 or not re.fullmatch(r"(:\d{1,5})?", value[end + 1 :]):
            raise ValueError(value)
        value = value[1:end]
    elif value.count(":") == 1:
        value, port = value.split(":")
        if not port.isdigit():
            raise ValueError(text)
    addr = ipaddress.ip_address(value.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return str(addr)


def as_ip(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise wrong_type(field, value, "an IP address")
    try:
        return normalize_ip(value)
    except ValueError:
        raise RecordError(f"bad ip: {field} is {value!r}") from None


def required_action(value: Any, field: str) -> str:
    action = as_text(value, field)
    if action is None:
        raise RecordError(f"missing action: {field}")
    return action


# ---------------------------------------------------------------------------- sniffing


def json_head(head: str) -> str | None:
    """The head without BOM and leading blanks when it starts like JSON, else None."""
    text = head.lstrip("\ufeff \t\r\n")
    return text if text[:1] in ("{", "[") else None


def has_keys(head: str, *keys: str) -> bool:
    """Every key appears as a JSON member name (``"key":``) in the head."""
    return all(re.search(rf'"{re.escape(key)}"\s*:', head) for key in keys)
