"""Columnar reading of ``combined`` / ``common`` access logs: bytes in, an Arrow batch out.

Why (issue 4, docs/benchmarks.md): the line-by-line regex parser tops out near 400k lines/s
per core, and building Python dicts then Arrow rows costs as much again. Here a block of
whole lines is tokenized with NumPy: the positions of every newline, quote and space, then
per line the counts and positions that the layout requires (five spaces before the request's
opening quote, two inside the request, ...). Fields are sliced out of the block as Arrow
string views, times are decoded from their fixed 26-byte layout with integer arithmetic
(days from the civil date, Howard Hinnant's algorithm). No Python object per line.

Exactness: the output must equal the regex parser's (tests compare them on hostile input).
So only lines that have the layout *exactly* are read here; every other line goes back to
the regex parser (``HttpAccessFormat.parse_lines``), which accepts or rejects it as before:

* lines with another number of quotes or spaces than the layout (``common`` lines in a
  combined file, trailing extra fields, lines cut short, empty lines);
* lines holding ``\\`` (nginx ``\\xHH`` and Apache ``\\"`` escapes to undo);
* an ident other than ``-``; a time that is not ``[dd/Mon/yyyy:HH:MM:SS ±hhmm]`` or not a
  real date; a status that is not three digits 100-599; bytes not ``-`` or digits;
* a request that is not ``METHOD target HTTP/x.y``.

Paths holding ``%`` are percent-decoded once per distinct path, as the line parser does.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport, record_id_prefix

_MONTH_CODES = np.array(
    [int.from_bytes(m.encode(), "big") for m in ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")],
    dtype=np.int64,
)  # fmt: skip
_MONTH_ORDER = np.argsort(_MONTH_CODES)
_SORTED_CODES = _MONTH_CODES[_MONTH_ORDER]
_READS = {"GET", "HEAD"}
_CACHE_MAX = 200_000
_PAD = 32  # zero bytes after a block: more than any fixed-width read (_gather) takes
_METHOD_ACTIONS = {"HEAD": "read", "PUT": "upload", "POST": "upload", "PATCH": "upload"}
_METHOD_ACTIONS.update({"DELETE": "delete", "PROPFIND": "list"})

LineParser = Callable[[Iterable[tuple[int, str]], str, ParseReport], Iterator[dict[str, Any]]]


def iter_line_blocks(
    binary: io.BufferedIOBase, block_bytes: int, skip_lines: int = 0
) -> Iterator[tuple[int, bytes]]:
    """``(first_line, block)``: blocks of whole lines (the last may lack its newline).

    The first ``skip_lines`` lines are read and dropped (an ingest resuming after them).
    """
    first = 1
    pending = b""
    bom_checked = False
    while True:
        chunk = binary.read(block_bytes)
        if not bom_checked:
            bom_checked = True
            if chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
        if not chunk:
            break
        data = pending + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            pending = data
            continue
        block, pending = data[:cut], data[cut:]
        n = count_newlines(block)
        if skip_lines:
            if n <= skip_lines:
                skip_lines -= n
                first += n
                continue
            pos = -1
            for _ in range(skip_lines):
                pos = block.index(b"\n", pos + 1)
            block = block[pos + 1 :]
            first += skip_lines
            n -= skip_lines
            skip_lines = 0
        yield first, block
        first += n
    if pending and not skip_lines:
        yield first, pending


def count_newlines(data: bytes) -> int:
    """Newlines in ``data``; NumPy counts 8x faster than ``bytes.count``."""
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 10))


def decode_block(block: bytes, report: ParseReport) -> bytes:
    """The block as valid UTF-8: bad bytes replaced by U+FFFD and counted in the report."""
    try:
        block.decode("utf-8")
        return block
    except UnicodeDecodeError:
        text = block.decode("utf-8", "replace")
        bad = text.count("\ufffd") - block.decode("utf-8", "ignore").count("\ufffd")
        report.replaced_bytes += bad
        return text.encode("utf-8")


class CombinedColumnar:
    """Reads the ``combined`` (or ``common``) layout block by block; see the module docstring."""

    def __init__(self, name: str, combined: bool, line_parser: LineParser) -> None:
        self.name = name
        self.combined = combined
        self.line_parser = line_parser
        self._unquoted: dict[str, str] = {}

    def parse_block(
        self, block: bytes, first_line: int, source_id: str, report: ParseReport
    ) -> pa.RecordBatch:
        """Events of one block of whole lines, in line order; rejects go to ``report``."""
        block = decode_block(block, report)
        padded = block + bytes(_PAD)  # fixed-width reads near the end stay inside
        data = np.frombuffer(padded, dtype=np.uint8)[: len(block)]
        ends = np.flatnonzero(data == 10)
        if len(data) and data[-1] != 10:
            ends = np.append(ends, len(data))  # the last line, without its newline
        starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64)
        fields, good = self._tokenize(data, starts, ends)
        wide = np.frombuffer(padded, dtype=np.uint8)
        events = self._events(padded, wide, fields, good, first_line, source_id)
        report.events += events.num_rows
        redo = (np.flatnonzero(~good) + first_line).tolist()
        if not redo:
            return events
        extra = self._line_events(block, first_line, redo, source_id, report)
        if extra.num_rows == 0:
            return events
        merged = pa.Table.from_batches([events, extra])
        merged = merged.take(pc.sort_indices(merged, [("source_line", "ascending")]))
        return merged.combine_chunks().to_batches()[0]

    # -- tokenizing: positions of the delimiters, line by line -------------------------------

    def _tokenize(
        self, data: np.ndarray, starts: np.ndarray, ends: np.ndarray
    ) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], np.ndarray]:
        """``field → (start, stop)`` byte offsets, and which lines have exactly the layout."""
        n = len(starts)
        quotes = np.flatnonzero(data == 34)
        spaces = np.flatnonzero(data == 32)
        slashes = np.flatnonzero(data == 92)
        # content end: a CR before the newline is not part of the last field (as the regexes)
        stop = ends.copy()
        has_cr = (stop > starts) & (data[np.maximum(stop - 1, 0)] == 13)
        stop[has_cr] -= 1
        q_first = np.searchsorted(quotes, starts)
        n_quotes = np.searchsorted(quotes, ends) - q_first
        good = n_quotes == (6 if self.combined else 2)
        if len(slashes):  # escapes: the line parser undoes them
            good &= np.searchsorted(slashes, ends) == np.searchsorted(slashes, starts)
        q = [_at(quotes, q_first + k) for k in range(6 if self.combined else 2)]
        s_first = np.searchsorted(spaces, starts)
        r_first = np.searchsorted(spaces, q[0])  # the first space inside the request
        good &= r_first - s_first == 5
        sp = [_at(spaces, s_first + k) for k in range(5)]
        good &= sp[4] == q[0] - 1
        good &= (sp[1] == sp[0] + 2) & (data[_clip(sp[0] + 1, data)] == ord("-"))
        good &= (sp[3] - sp[2] == 22) & (sp[4] - sp[3] == 7) & (stop > q[1])
        # request: "METHOD target HTTP/x"
        m_first = np.searchsorted(spaces, q[1])  # the first space after the request
        good &= m_first - r_first == 2
        ra, rb = _at(spaces, r_first), _at(spaces, r_first + 1)
        good &= ra > q[0] + 1
        marks = np.flatnonzero(data == 63)  # the path ends at the first "?"
        qm = _at(marks, np.searchsorted(marks, ra + 1)) if len(marks) else rb
        path_end = np.where((qm > ra) & (qm < rb), qm, rb)
        percents = np.flatnonzero(data == 37)  # paths to percent-decode
        pct = np.zeros(n, dtype=bool)
        if len(percents):
            pct = np.searchsorted(percents, path_end) > np.searchsorted(percents, ra + 1)
        # after the request: ` status bytes` then the end (common) or ` "referer" "ua"`
        tail_end = q[2] if self.combined else stop
        n_mid = np.searchsorted(spaces, tail_end) - m_first
        good &= (n_mid == 3) if self.combined else (n_mid == 2)
        m1, m2 = _at(spaces, m_first), _at(spaces, m_first + 1)
        good &= m1 == q[1] + 1
        fields = {
            "ip": (starts, sp[0]),
            "user": (sp[1] + 1, sp[2]),
            "t": (sp[2] + 1, sp[4]),
            "method": (q[0] + 1, ra),
            "path": (ra + 1, path_end),
            "proto": (rb + 1, q[1]),
            "status": (m1 + 1, m2),
            "percent": (pct, pct),
        }
        if self.combined:
            good &= _at(spaces, m_first + 2) == q[2] - 1
            good &= (q[4] == q[3] + 2) & (data[_clip(q[3] + 1, data)] == 32)
            good &= q[5] + 1 == stop
            fields["bytes"] = (m2 + 1, q[2] - 1)
            fields["ua"] = (q[4] + 1, q[5])
        else:
            fields["bytes"] = (m2 + 1, stop)
        good &= n > 0
        return fields, good

    # -- the events of the lines that have the layout ---------------------------------------

    def _events(
        self,
        block: bytes,
        data: np.ndarray,
        fields: dict[str, tuple[np.ndarray, np.ndarray]],
        good: np.ndarray,
        first_line: int,
        source_id: str,
    ) -> pa.RecordBatch:
        t0, _ = fields["t"]
        ts_us, ok = _clf_times(_gather(data, t0, 21), _gather(data, t0 + 22, 6))
        good &= ok
        status, ok = _status(data, *fields["status"])
        good &= ok
        nbytes, ok = _bytes(data, *fields["bytes"])
        good &= ok
        good &= _protocols_ok(data, *fields["proto"])
        keep = np.flatnonzero(good)
        m = len(keep)
        buf = pa.py_buffer(block)

        def text(name: str) -> pa.Array:
            a, b = fields[name]
            return _views(data, buf, a[keep], b[keep])

        method = text("method")
        path = _unquote_paths(text("path"), fields["percent"][0][keep], self._unquoted)
        user = _dash_null(text("user"))
        ua = _dash_null(text("ua")) if self.combined else pa.nulls(m, pa.string())
        status = status[keep]
        lines = pa.array(keep + first_line, type=pa.int64())
        prefix = record_id_prefix(source_id)
        user_valid = pc.is_valid(user)
        columns = {
            "ts": pa.array(ts_us[keep], type=pa.timestamp("us", tz="UTC")),
            "src_ip": text("ip"),
            "forwarded_for": pa.nulls(m, pa.string()),
            "principal": user,
            "principal_type": pc.if_else(user_valid, "username", "anonymous"),
            "action": _actions(method, status, path),
            "raw_action": method,
            "object": pc.if_else(pc.equal(path, ""), pa.scalar(None, pa.string()), path),
            "bytes": pa.array(nbytes[keep], type=pa.int64()),
            "status": pa.array(status, type=pa.int32()),
            "user_agent": ua,
            "auth_type": pa.nulls(m, pa.string()),
            "source_format": _repeat(self.name, m),
            "source_file": _repeat(source_id, m),
            "source_line": lines,
            "record_id": pc.binary_join_element_wise(prefix, pc.cast(lines, pa.string()), ""),
        }
        arrays = [columns[f.name].cast(f.type) for f in EVENT_SCHEMA]
        return pa.RecordBatch.from_arrays(arrays, schema=EVENT_SCHEMA)

    # -- the line parser for what the columns cannot read exactly ----------------------------

    def _line_events(
        self, block: bytes, first_line: int, wanted: list[int], source_id: str, report: ParseReport
    ) -> pa.RecordBatch:
        ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
        starts = np.concatenate([[0], ends + 1])
        ends = np.concatenate([ends, [len(block)]])
        pairs = []
        for n in wanted:
            i = n - first_line
            pairs.append((n, block[starts[i] : ends[i]].decode("utf-8") + "\n"))
        sub = ParseReport(file=report.file, format=report.format)
        rows = list(self.line_parser(pairs, source_id, sub))
        report.rejects.extend(sub.rejects)
        report.warnings.extend(sub.warnings)
        report.events += len(rows)
        return pa.RecordBatch.from_pylist(rows, schema=EVENT_SCHEMA)


def _repeat(value: str, n: int) -> pa.Array:
    return pa.array([value], pa.string()).take(pa.array(np.zeros(n, dtype=np.int32)))


def _np_bool(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _digits(m: np.ndarray, start: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """(value, ok) of ``count`` ASCII digits at ``start`` in each row of a byte matrix."""
    part = m[:, start : start + count]
    ok = ((part >= 48) & (part <= 57)).all(axis=1)
    value = np.zeros(len(m), dtype=np.int64)
    for k in range(count):
        value *= 10
        value += part[:, k]
    return value - int("1" * count) * 48, ok


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (m + 9) % 12
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _clf_times(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``[10/Oct/2000:13:55:36`` and ``-0700]`` byte rows → (µs since the epoch UTC, ok)."""
    ok = (a[:, 0] == ord("[")) & (a[:, 3] == ord("/")) & (a[:, 7] == ord("/"))
    ok &= (a[:, 12] == ord(":")) & (a[:, 15] == ord(":")) & (a[:, 18] == ord(":"))
    ok &= (b[:, 5] == ord("]")) & ((b[:, 0] == ord("+")) | (b[:, 0] == ord("-")))
    day, k1 = _digits(a, 1, 2)
    year, k2 = _digits(a, 8, 4)
    hour, k3 = _digits(a, 13, 2)
    minute, k4 = _digits(a, 16, 2)
    sec, k5 = _digits(a, 19, 2)
    oh, k6 = _digits(b, 1, 2)
    om, k7 = _digits(b, 3, 2)
    ok &= k1 & k2 & k3 & k4 & k5 & k6 & k7
    code = (a[:, 4].astype(np.int64) << 16) | (a[:, 5].astype(np.int64) << 8) | a[:, 6]
    pos = np.clip(np.searchsorted(_SORTED_CODES, code), 0, 11)
    ok &= _SORTED_CODES[pos] == code
    month = _MONTH_ORDER[pos] + 1
    # the ranges datetime() checks; then the day against the month's length (no 30 Feb)
    ok &= (day >= 1) & (hour <= 23) & (minute <= 59) & (sec <= 59) & (year >= 1)
    ok &= (oh <= 23) & (om <= 59)
    days = _days_from_civil(year, month, day)
    next_month = _days_from_civil(year + (month == 12), month % 12 + 1, np.ones_like(day))
    ok &= days < next_month
    local = days * 86400 + hour * 3600 + minute * 60 + sec
    sign = np.where(b[:, 0] == ord("+"), 1, -1)
    seconds = local - sign * (oh * 3600 + om * 60)
    return np.where(ok, seconds * 1_000_000, 0), ok


def _status(data: np.ndarray, start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Three-digit HTTP statuses 100-599; anything else is left to the line parser."""
    value, ok = _digits(_gather(data, start, 3), 0, 3)
    ok &= (stop - start == 3) & (value >= 100) & (value <= 599)
    return np.where(ok, value, 0), ok


def _bytes(data: np.ndarray, start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``-`` (0) or up to 18 ASCII digits."""
    length = stop - start
    mat = _gather(data, start, 18)
    value = np.zeros(len(start), dtype=np.int64)
    ok = (length >= 1) & (length <= 18)
    for k in range(18):
        inside = k < length
        digit = mat[:, k].astype(np.int64) - 48
        ok &= ~inside | ((digit >= 0) & (digit <= 9))
        value = np.where(inside, value * 10 + digit, value)
    dash = (length == 1) & (mat[:, 0] == ord("-"))
    return np.where(dash, 0, value), ok | dash


def _protocols_ok(data: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """``HTTP/`` then digits or dots (``HTTP/1.1``, ``HTTP/2.0``), at most 12 bytes."""
    length = stop - start
    mat = _gather(data, start, 12)
    ok = (length >= 6) & (length <= 12)
    for k, ch in enumerate(b"HTTP/"):
        ok &= mat[:, k] == ch
    tail = mat[:, 5:]
    legal = ((tail >= 48) & (tail <= 57)) | (tail == 46)
    ok &= (legal | (np.arange(5, 12)[None, :] >= length[:, None])).all(axis=1)
    return ok


def _at(positions: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``positions[index]``, clipped: lines whose counts are wrong read garbage, never fail."""
    if len(positions) == 0:
        return np.full(len(index), -1, dtype=np.int64)
    return positions[np.clip(index, 0, len(positions) - 1)]


def _clip(pos: np.ndarray, data: np.ndarray) -> np.ndarray:
    return np.clip(pos, 0, max(len(data) - 1, 0))


def _gather(data: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    """Rows × ``width`` bytes from each start. ``data`` is padded (``_PAD``), so real starts
    read past the block's end into zeros; the clip only tames the garbage positions of lines
    that are already rejected."""
    first = np.clip(start, 0, max(len(data) - width, 0))
    return data[first[:, None] + np.arange(width)]


def _views(data: np.ndarray, buf: pa.Buffer, start: np.ndarray, stop: np.ndarray) -> pa.Array:
    """A ``string`` array of ``block[start:stop]`` slices, built as Arrow string views.

    A view is 16 bytes: the length, then up to 12 bytes inline, or a 4-byte prefix, the
    buffer index and the offset. NumPy writes them all at once, the one Arrow cast copies
    the bytes: no Python object per value.
    """
    n = len(start)
    length = (stop - start).astype(np.int32)
    words = np.zeros((n, 4), dtype=np.int32)
    words[:, 0] = length
    short = np.flatnonzero(length <= 12)
    long = np.flatnonzero(length > 12)
    if len(short):
        inline = _gather(data, start[short], 12)
        inline *= np.arange(12)[None, :] < length[short, None]
        words.view(np.uint8)[short, 4:16] = inline
    if len(long):
        words[long, 1] = _gather(data, start[long], 4).view(np.int32)[:, 0]
        words[long, 3] = start[long]
    array = pa.Array.from_buffers(pa.string_view(), n, [None, pa.py_buffer(words), buf])
    return array.cast(pa.string())


def _unquote_paths(path: pa.Array, found: np.ndarray, cache: dict[str, str]) -> pa.Array:
    """Percent-decode the paths holding ``%`` (``found``) as the line parser does: each
    distinct path once, remembered across the blocks of a file (``cache``, bounded)."""
    if not found.any():
        return path
    mask = pa.array(found)
    codes = pc.dictionary_encode(pc.filter(path, mask))
    if len(cache) > _CACHE_MAX:
        cache.clear()
    decoded = []
    for p in codes.dictionary.to_pylist():
        text = cache.get(p)
        if text is None:
            text = cache[p] = unquote(p)
        decoded.append(text)
    return pc.replace_with_mask(path, mask, pa.array(decoded, pa.string()).take(codes.indices))


def _dash_null(arr: pa.Array) -> pa.Array:
    empty = pc.or_(pc.equal(arr, "-"), pc.equal(arr, ""))
    return pc.if_else(empty, pa.scalar(None, pa.string()), arr)


def _actions(method: pa.Array, status: np.ndarray, path: pa.Array) -> pa.Array:
    """The normalized action, by the rules of ``http_access.http_action``."""
    codes = pc.dictionary_encode(method)
    names = codes.dictionary.to_pylist()
    idx = np.asarray(codes.indices.to_numpy(zero_copy_only=False))
    labels = ["download", "list", "read", "other", "upload", "delete"]
    label_of = {name: i for i, name in enumerate(labels)}
    per_method = np.array(
        [label_of[_METHOD_ACTIONS.get(name, "other")] for name in names] or [0], dtype=np.int8
    )
    is_read = np.array([name in _READS for name in names] or [False])
    is_get = np.array([name == "GET" for name in names] or [False])
    out = per_method[idx]
    slash = _np_bool(pc.ends_with(path, "/"))
    out = np.where(is_get[idx], np.where(slash, 1, 0), out)
    success = (status >= 200) & (status < 300)
    out = np.where(success, out, np.where((status == 304) & is_read[idx], 2, 3))
    return pa.array(labels, type=pa.string()).take(pa.array(out.astype(np.int32)))
