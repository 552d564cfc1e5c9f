"""nginx and Apache access logs: ``combined`` and ``common`` presets, or any nginx ``log_format``
or Apache ``LogFormat`` string compiled into one regex (reference access-logs §1.3).

Why one compiled regex per format: file servers in front of vendor portals log whatever their
admin configured, often ``combined`` plus ``$http_x_forwarded_for``; the investigator pastes the
``log_format`` line and gets a parser, no code. Variables chainwatch reads: client address
(``$remote_addr``, ``%h``, ``%a``), user (``$remote_user``, ``%u``), time (``$time_local``,
``$time_iso8601``, ``$msec``, ``%t``, ``%{sec}t``, ``%{msec}t``, ``%{<strftime>}t``), request
line (``$request``, ``%r``; or method and URI variables), status, response bytes, User-Agent,
X-Forwarded-For, request length (upload size). Other variables are matched and ignored.

Speed (a benchmark parses millions of lines): a variable matches ``[^c]*+`` where ``c`` is the
character after it, cheap for ``re``; quoted values are ``[^"]*+``, and a line holding a
backslash (Apache ``\\"``, nginx ``\\x22``) goes to an escape-aware twin regex. The request line is
split by the regex. Times are cached by their text (many lines share a second), then by the
minute. Measured: about 380k lines/s on one slow core for ``combined``.

Actions say what happened, not only what was asked: with a 2xx status, GET on a path ending
in ``/`` is ``list``, on a file ``download``; HEAD is ``read``; PUT, POST, PATCH ``upload``;
DELETE ``delete``; PROPFIND ``list``. GET or HEAD answered 304 (the client revalidated the copy
it already had) is ``read``. Any other status (redirects, 4xx, 5xx) is ``other``: nothing was
delivered, and ``raw_action`` and ``status`` still show what was tried. The same rule serves
CloudFront and S3. ``object`` is the URL path, percent-decoded, without the query string.
Apache and nginx ``combined`` are the same layout, so detection names such files ``nginx``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO
from urllib.parse import unquote

import pyarrow as pa

from chainwatch.access.event import EVENT_SCHEMA
from chainwatch.access.formats.base import ParseReport, record_id_prefix
from chainwatch.access.formats.columnar import CombinedColumnar, decode_block
from chainwatch.errors import InputError

COMBINED = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent"'
)
COMMON = '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent'
PRESETS = {
    "combined": COMBINED,
    "common": COMMON,
    "apache_combined": r"%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\"",
    "apache_common": r"%h %l %u %t \"%r\" %>s %b",
}

_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
_CLF_RE = re.compile(r"(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$")
_CACHE_MAX = 200_000


class ClfTimes:
    """``10/Oct/2000:13:55:36 -0700`` → aware UTC datetime, cached by text then by minute.

    Use ``cache.get(text)`` inline and call ``parse`` on a miss; ``parse`` raises ValueError.
    """

    def __init__(self) -> None:
        self.cache: dict[str, datetime] = {}
        self._minutes: dict[str, datetime] = {}

    def parse(self, s: str) -> datetime:
        if len(s) != 26 or not s[18:20].isdigit() or s[17] != ":":
            raise ValueError(s)
        key = s[:17] + s[20:]
        base = self._minutes.get(key)
        if base is None:
            m = _CLF_RE.match(s)
            if m is None or m[2] not in _MONTHS:
                raise ValueError(s)
            off = timedelta(hours=int(m[8]), minutes=int(m[9]))
            local = datetime(int(m[3]), _MONTHS[m[2]], int(m[1]), int(m[4]), int(m[5]), tzinfo=UTC)
            base = local - off if m[7] == "+" else local + off
            if len(self._minutes) > _CACHE_MAX:
                self._minutes.clear()
            self._minutes[key] = base
        ts = base + timedelta(seconds=int(s[18:20]))
        if len(self.cache) > _CACHE_MAX:
            self.cache.clear()
        self.cache[s] = ts
        return ts


class _CachedTimes:
    """Same interface as ClfTimes for other time encodings (ISO 8601, epoch, strftime)."""

    def __init__(self, convert: Callable[[str], datetime]) -> None:
        self.cache: dict[str, datetime] = {}
        self._convert = convert

    def parse(self, s: str) -> datetime:
        ts = self._convert(s)
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=UTC)
        ts = ts.astimezone(UTC)
        if len(self.cache) > _CACHE_MAX:
            self.cache.clear()
        self.cache[s] = ts
        return ts


_METHOD_ACTIONS = {"HEAD": "read", "PUT": "upload", "POST": "upload", "PATCH": "upload"}
_METHOD_ACTIONS.update({"DELETE": "delete", "PROPFIND": "list"})
_READS = ("GET", "HEAD")


def http_action(method: str, status: int | None, path: str | None) -> str:
    """The normalized action of an HTTP request (rules in the module docstring)."""
    if status is not None and not 200 <= status < 300:
        return "read" if status == 304 and method in ("GET", "HEAD") else "other"
    if method == "GET":
        return "list" if path and path.endswith("/") else "download"
    return _METHOD_ACTIONS.get(method, "other")


_ESC = re.compile(rb'\\(?:x([0-9a-fA-F]{2})|(["\\]))')


def unescape(s: str) -> str:
    """Undo nginx ``\\xHH`` and Apache ``\\"`` / ``\\\\`` escaping (bytes, then UTF-8)."""
    raw = _ESC.sub(
        lambda m: bytes([int(m[1], 16)]) if m[1] else m[2], s.encode("utf-8", "surrogatepass")
    )
    return raw.decode("utf-8", "replace")


# Role of each variable: nginx names and Apache directives (lower-cased header names).
_ROLES = {
    "remote_addr": "ip", "%h": "ip", "%a": "ip",
    "remote_user": "user", "%u": "user",
    "time_local": "time_clf", "%t": "time_clf", "time_iso8601": "time_iso", "msec": "time_s",
    "%{sec}t": "time_s", "%{msec}t": "time_ms", "%{usec}t": "time_us",
    "request": "request", "%r": "request",
    "request_method": "method", "%m": "method",
    "request_uri": "uri", "uri": "uri", "%U": "uri",
    "status": "status", "%>s": "status", "%s": "status", "%<s": "status",
    "body_bytes_sent": "bytes", "%b": "bytes", "%B": "bytes",
    "bytes_sent": "bytes_total", "%O": "bytes_total",
    "request_length": "req_len", "%I": "req_len",
    "http_user_agent": "ua", "%{user-agent}i": "ua",
    "http_x_forwarded_for": "xff", "proxy_add_x_forwarded_for": "xff",
    "%{x-forwarded-for}i": "xff",
}  # fmt: skip
_NGINX_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_APACHE_DIR = re.compile(r"%([<>]?)(?:!?\d{3}(?:,\d{3})*)?(?:\{([^}]*)\})?([a-zA-Z%])")
_QUOTED = r'[^"]*+'
_QUOTED_ESC = r'[^"\\]*+(?:\\.[^"\\]*+)*+'
_NEVER = "((?!))?"  # a group that never matches: where absent variables point, always None
# A quoted request line split by the regex itself (method, path without query): cheaper than
# splitting in Python. Lines whose request is not "METHOD /path HTTP/x" use the whole-request
# group instead (same positions, the split groups then None).
_REQ_SPLIT = r'([^ "]++) ([^ "?]*+)(?:\?[^ "]*+)? HTTP/[0-9.]++' + _NEVER
_ABSENT = ("ip", "user", "request", "req_method", "req_path", "method", "uri", "status")
_ABSENT += ("bytes", "bytes_total", "req_len", "ua", "xff")


@dataclass(frozen=True)
class Layout:
    """A compiled format: two regexes with the same groups, role → position in groups().

    ``fast`` splits the request line and takes quoted values up to the next quote; ``full``
    keeps the request whole and reads backslash escapes inside quotes (lines with a backslash,
    and lines ``fast`` cannot read)."""

    fast: re.Pattern[str]
    full: re.Pattern[str]
    index: dict[str, int]
    time_kind: str
    present: frozenset[str]  # roles the format has; the others point at ``never``
    never: int  # position of the always-None group

    def match(self, line: str) -> tuple[str | None, ...] | None:
        m = None if "\\" in line else self.fast.match(line)
        m = m or self.full.match(line)
        return None if m is None else m.groups()


def _tokens(fmt: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: ("lit", text) or ("var", role key), nginx or Apache syntax."""
    out: list[tuple[str, str]] = []
    apache = "%" in fmt and "$" not in fmt
    if apache:
        fmt = fmt.replace('\\"', '"')
    pos = 0
    for m in (_APACHE_DIR if apache else _NGINX_VAR).finditer(fmt):
        if m.start() > pos:
            out.append(("lit", fmt[pos : m.start()]))
        pos = m.end()
        if not apache:
            out.append(("var", m[1] or m[2]))
            continue
        mod, arg, d = m[1], m[2], m[3]
        if d == "%":
            out.append(("lit", "%"))
        elif d == "t" and arg is None:
            out += [("lit", "["), ("var", "%t"), ("lit", "]")]
        elif arg is None:
            out.append(("var", f"%{mod}{d}"))
        elif d == "t" and f"%{{{arg}}}t" not in _ROLES:
            out.append(("var", f"%{{strf:{arg}}}t"))
        else:
            out.append(("var", f"%{{{arg.lower() if d == 'i' else arg}}}{d}"))
    if pos < len(fmt):
        out.append(("lit", fmt[pos:]))
    return out


def compile_format(fmt: str) -> Layout:
    """Compile an nginx ``log_format`` or Apache ``LogFormat`` string; InputError if unusable."""
    toks = _tokens(fmt)
    fast: list[str] = []
    full: list[str] = []
    index: dict[str, int] = {}
    time_kind = ""
    pos = 0
    for i, (kind, text) in enumerate(toks):
        if kind == "lit":
            fast.append(re.escape(text))
            full.append(re.escape(text))
            continue
        prev = toks[i - 1][1] if i > 0 else ""
        nxt = toks[i + 1][1] if i + 1 < len(toks) else ""
        if nxt and toks[i + 1][0] == "var":
            raise InputError(f"log format {fmt!r}: {text!r} and the next variable touch")
        quoted = prev.endswith('"') and nxt.startswith('"')
        role = "time_strf" if text.startswith("%{strf:") else _ROLES.get(text)
        if role in index:
            role = None
        if role == "request" and quoted:
            fast.append(_REQ_SPLIT)
            full.append(f"{_NEVER}{_NEVER}({_QUOTED_ESC})")
            index.update(req_method=pos, req_path=pos + 1, request=pos + 2)
            pos += 3
            continue
        if quoted:
            fast.append(f"({_QUOTED})")
            full.append(f"({_QUOTED_ESC})")
        else:
            stop = re.escape(nxt[0]) if nxt else r"\s"
            fast.append(f"([^{stop}]*+)")
            full.append(f"([^{stop}]*+)")
        if role is not None:
            index[role] = pos
            if role.startswith("time_"):
                time_kind = text[7:-2] if role == "time_strf" else role
                index["time"] = pos
        pos += 1
    if not time_kind:
        raise InputError(f"log format {fmt!r}: no time variable ($time_local, %t, ...)")
    present = frozenset(index)
    for role in _ABSENT:
        index.setdefault(role, pos)
    return Layout(
        re.compile("".join(fast) + _NEVER),
        re.compile("".join(full) + _NEVER),
        index=index,
        time_kind=time_kind,
        present=present,
        never=pos,
    )


def _time_parser(kind: str) -> ClfTimes | _CachedTimes:
    if kind == "time_clf":
        return ClfTimes()
    if kind == "time_iso":
        return _CachedTimes(datetime.fromisoformat)
    scale = {"time_s": 1.0, "time_ms": 1e3, "time_us": 1e6}.get(kind)
    if scale is not None:
        return _CachedTimes(lambda s: datetime.fromtimestamp(float(s) / scale, UTC))
    return _CachedTimes(lambda s: datetime.strptime(s, kind))


def _remap(main: Layout, other: Layout) -> list[int]:
    """Positions in ``other.groups()`` that give ``main``'s tuple shape (absent → None)."""
    by_pos = {i: role for role, i in main.index.items() if role in main.present}
    return [
        other.index[by_pos[p]] if by_pos.get(p) in other.present else other.never
        for p in range(main.never + 1)
    ]


_STATUS = {str(code): code for code in range(100, 600)}
# layouts whose lines Arrow's CSV reader splits exactly (True: combined, False: common)
_COLUMNAR_LAYOUTS = {COMBINED: True, PRESETS["apache_combined"]: True, COMMON: False}
_COLUMNAR_LAYOUTS[PRESETS["apache_common"]] = False


class HttpAccessFormat:
    """nginx / Apache access log in a given layout (a preset name or a format string)."""

    title = "nginx / Apache access log"

    def __init__(self, log_format: str | None = None, name: str = "nginx") -> None:
        self.name = name
        spec = log_format or "combined"
        self.log_format = PRESETS.get(spec, spec)
        self.options = {"log_format": self.log_format}  # get_format(name, **options) rebuilds it
        self.layout = compile_format(self.log_format)
        self._fallbacks: list[tuple[Layout, list[int]]] = []
        if self.log_format in (COMBINED, PRESETS["apache_combined"]):
            common = compile_format(COMMON)  # combined files may hold common lines
            self._fallbacks.append((common, _remap(self.layout, common)))
        self._columnar: CombinedColumnar | None = None
        if self.log_format in _COLUMNAR_LAYOUTS:
            combined = _COLUMNAR_LAYOUTS[self.log_format]
            self._columnar = CombinedColumnar(name, combined, self.parse_lines)

    def sniff(self, head: str) -> bool:
        lines = [ln for ln in head.splitlines()[:50] if ln.strip()]
        if len(lines) > 1:
            lines = lines[:-1]  # the head may cut the last line short
        matched = [g for g in map(self.layout.match, lines) if g is not None]
        if not matched or len(matched) * 2 <= len(lines):
            return False
        try:
            _time_parser(self.layout.time_kind).parse(matched[0][self.layout.index["time"]] or "")
        except (ValueError, OverflowError, OSError):
            return False
        return True

    def parse(
        self, stream: TextIO, source_id: str, report: ParseReport
    ) -> Iterator[dict[str, Any]]:
        """Events, one per line; unmatched lines, bad times and bad numbers are rejects."""
        from chainwatch.access.formats.detect import note_decoding

        yield from self.parse_lines(enumerate(stream, 1), source_id, report)
        note_decoding(stream, report)

    @property
    def columnar(self) -> bool:
        """Whether ``parse_block`` reads columns (``combined``/``common``), not line by line."""
        return self._columnar is not None

    def parse_block(
        self, block: bytes, first_line: int, source_id: str, report: ParseReport
    ) -> pa.RecordBatch:
        """Events of a block of whole lines as one Arrow batch (see ``columnar.py``).

        Other layouts go through the line parser, so every format string works here too.
        """
        if self._columnar is not None:
            return self._columnar.parse_block(block, first_line, source_id, report)
        text = decode_block(block, report).decode("utf-8")
        pairs = ((first_line + i, ln) for i, ln in enumerate(io.StringIO(text, newline="\n")))
        rows = list(self.parse_lines(pairs, source_id, report))
        return pa.RecordBatch.from_pylist(rows, schema=EVENT_SCHEMA)

    def parse_lines(
        self, lines: Iterable[tuple[int, str]], source_id: str, report: ParseReport
    ) -> Iterator[dict[str, Any]]:
        """Events of ``(line number, text)`` pairs: the regex parser, one line at a time."""
        lay = self.layout
        ix = lay.index
        times = _time_parser(lay.time_kind)
        tget, tparse = times.cache.get, times.parse
        i_ip, i_user, i_time, i_status = ix["ip"], ix["user"], ix["time"], ix["status"]
        i_rmethod, i_rpath, i_req = ix["req_method"], ix["req_path"], ix["request"]
        i_bytes = ix["bytes"] if "bytes" in lay.present else ix["bytes_total"]
        i_method, i_uri, i_len, i_ua = ix["method"], ix["uri"], ix["req_len"], ix["ua"]
        i_xff = ix["xff"]
        has_user = "user" in lay.present
        fmt_name = self.name
        fallbacks = self._fallbacks
        base = record_id_prefix(source_id)
        fast_match, full_match = lay.fast.match, lay.full.match
        status_of = _STATUS.get
        emitted = 0
        try:
            for n, line in lines:
                m = None if "\\" in line else fast_match(line)
                if m is None:
                    m = full_match(line)
                if m is not None:
                    g = m.groups()
                else:
                    g = None
                    for other, remap in fallbacks:
                        og = other.match(line)
                        if og is not None:
                            g = tuple([og[k] for k in remap])
                            break
                    if g is None:
                        text = line.rstrip("\r\n")
                        if text.strip():
                            report.reject(n, f"unparsable: not a {fmt_name} line", text)
                        continue
                t = g[i_time]
                ts = tget(t)
                if ts is None:
                    try:
                        ts = tparse(t)
                    except (ValueError, OverflowError, OSError, TypeError):
                        report.reject(n, f"bad timestamp: {t!r}", line.rstrip("\r\n"))
                        continue
                st = g[i_status]
                nb = g[i_bytes]
                try:
                    status = status_of(st) or (None if st is None or st == "-" else int(st))
                    nbytes = 0 if nb == "-" else None if nb is None else int(nb)
                except ValueError:
                    report.reject(n, "bad number: status or bytes", line.rstrip("\r\n"))
                    continue
                method = g[i_rmethod]
                if method is not None:
                    path = g[i_rpath] or None
                else:
                    method, path = _request(g[i_req], g[i_method], g[i_uri])
                if path is not None and "%" in path:
                    path = unquote(path)
                if status is not None and not 200 <= status < 300:
                    action = "read" if status == 304 and method in _READS else "other"
                elif method == "GET":
                    action = "list" if path and path[-1] == "/" else "download"
                else:
                    action = _METHOD_ACTIONS.get(method, "other")
                    if action == "upload" and g[i_len] is not None and g[i_len].isdigit():
                        nbytes = int(g[i_len])
                user = g[i_user]
                if user == "-" or user == "":
                    user = None
                elif user is not None and "\\" in user:
                    user = unescape(user)
                ua = g[i_ua]
                if ua == "-" or ua == "":
                    ua = None
                elif ua is not None and "\\" in ua:
                    ua = unescape(ua)
                xff = g[i_xff]
                emitted += 1
                yield {
                    "ts": ts,
                    "src_ip": g[i_ip],
                    "forwarded_for": None if xff == "-" or xff == "" else xff,
                    "principal": user,
                    "principal_type": ("username" if user else "anonymous") if has_user else None,
                    "action": action,
                    "raw_action": method or None,
                    "object": path,
                    "bytes": nbytes,
                    "status": status,
                    "user_agent": ua,
                    "source_format": fmt_name,
                    "source_file": source_id,
                    "source_line": n,
                    "record_id": base + str(n),
                }
        finally:
            report.events += emitted


def _request(req: str | None, method: str | None, uri: str | None) -> tuple[str, str | None]:
    """(method, path without query) from a whole request line or method/URI variables."""
    if req is not None:
        if "\\" in req:
            req = unescape(req)
        method, _, target = req.partition(" ")
        sp = target.rfind(" ")
        if sp >= 0 and target.startswith("HTTP/", sp + 1):
            target = target[:sp]
    else:
        method, target = method or "", uri or ""
    return method, target.partition("?")[0] or None


class NginxFormat(HttpAccessFormat):
    """Registered as ``nginx``: the ``combined`` layout (also reads ``common`` lines)."""


class ApacheFormat(HttpAccessFormat):
    """Registered as ``apache``: Apache's ``combined`` LogFormat (same layout as nginx's)."""

    title = "Apache access log"

    def __init__(self, log_format: str | None = None, name: str = "apache") -> None:
        super().__init__(log_format or "apache_combined", name)
