"""Cleaning the values every list writes its own way, and streaming the files they come in.

Lists disagree on everything a matcher compares: North Korea is "Korea, North" (OFAC),
"Democratic People's Republic of Korea" (UN), "DPRK" (EU annexes) or "KP" (EU FSF); a birth
date is "1944-10-13", "13.10.1944", "dd/mm/1945" or a bare year; a name is Latin, Hangul or
Han. The loaders turn all of them into the domain's forms here, so screening compares like
with like (reference: sanctions-screening.md §3.3-3.5):

- countries become ISO 3166-1 alpha-2 lower case (``kp``), or None when unmappable (the
  list's own words stay in ``country_name`` / properties);
- dates become ISO 8601 strings, partial where the list is partial ("1945", "1945-05");
- every ``Name`` carries its ISO 15924 script, detected from its characters.

The XML and CSV readers are here too because four loaders share them: they stream (memory
bounded by one record), report the line where each record starts, and turn a broken file
into a counted ``Reject`` instead of a traceback.
"""

from __future__ import annotations

import csv
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import cast

from followthemoney.types import registry

from chainwatch.domain import ListAddress, Name, NameKind
from chainwatch.screening.lists.base import LoadReport

# --- scripts ---------------------------------------------------------------------------------

# Unicode character-name prefixes -> ISO 15924. Hangul, Han and Cyrillic are what DPRK-related
# listings carry; Arabic is most of the UN's original-script names.
_SCRIPT_PREFIXES = (
    ("HANGUL", "Hang"),
    ("CJK", "Hani"),
    ("CYRILLIC", "Cyrl"),
    ("ARABIC", "Arab"),
    ("HIRAGANA", "Jpan"),
    ("KATAKANA", "Jpan"),
    ("GREEK", "Grek"),
    ("HEBREW", "Hebr"),
    ("THAI", "Thai"),
    ("GEORGIAN", "Geor"),
    ("ARMENIAN", "Armn"),
    ("DEVANAGARI", "Deva"),
)


@lru_cache(maxsize=8192)
def _char_script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    for prefix, script in _SCRIPT_PREFIXES:
        if name.startswith(prefix):
            return script
    return "Latn"


def detect_script(text: str) -> str | None:
    """The ISO 15924 script of a name: Hangul wins if present (a Korean name written with
    some Hanja is still read as Korean), else the most frequent letter script; None when the
    text has no letters at all."""
    counts: dict[str, int] = {}
    for ch in text:
        script = _char_script(ch)
        if script is not None:
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    if "Hang" in counts:
        return "Hang"
    non_latin = {k: v for k, v in counts.items() if k != "Latn"}
    if non_latin:
        return max(non_latin, key=lambda k: non_latin[k])
    return "Latn"


def split_by_script(text: str) -> list[str]:
    """Split "KIM Kwang Yon 김광연" into ["KIM Kwang Yon", "김광연"]: runs of whitespace-separated
    words that are Latin vs. not. Words without letters stay with the run before them.
    Text in one script comes back whole."""
    runs: list[tuple[bool, list[str]]] = []
    for word in text.split():
        script = detect_script(word)
        if script is None and runs:
            runs[-1][1].append(word)
            continue
        latin = script in (None, "Latn")
        if runs and runs[-1][0] == latin:
            runs[-1][1].append(word)
        else:
            runs.append((latin, [word]))
    parts = [" ".join(words) for _, words in runs]
    return parts if len(parts) > 1 else [collapse(text)] if text.strip() else []


def collapse(text: str | None) -> str:
    """Strip and collapse inner whitespace (UN fields carry hard line breaks)."""
    return " ".join(text.split()) if text else ""


def make_name(value: str | None, kind: NameKind, lang: str | None = None) -> Name | None:
    """A ``Name`` with its script detected, or None for an empty value."""
    text = collapse(value)
    if not text:
        return None
    return Name(value=text, kind=kind, script=detect_script(text), lang=lang or None)


def slug(label: str, default: str = "other") -> str:
    """An identifier-type key such as "national_id" from a list's label: ASCII lower case,
    underscores, starting with a letter (the chain-file schema's pattern)."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if not key:
        return default
    return key if key[0].isalpha() else f"t_{key}"


def split_cell(cell: str | None, separators: Sequence[str]) -> list[str]:
    """The values of a multi-valued cell, split on every separator; stray quotes dropped."""
    pieces = [collapse(cell)]
    for sep in separators:
        pieces = [p for piece in pieces for p in piece.split(sep)]
    return [p for p in (collapse(p).strip(' "') for p in pieces) if p]


def split_name_list(value: str) -> list[str]:
    """Split "KIM Yong-Nam, KIM Young-Nam" into two names, but only when every part has two
    words or more: "Ri, Chae-Il" (surname, given name) is one name."""
    parts = [p.strip() for p in value.split(",")]
    if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts):
        return parts
    return [value]


def unique(values: Iterable[str | None]) -> tuple[str, ...]:
    """Non-empty values, first occurrence kept, order kept."""
    return tuple(dict.fromkeys(v for v in values if v))


def unique_names(names: Iterable[Name | None]) -> tuple[Name, ...]:
    """Names without repeats: the same text keeps its first (strongest) kind."""
    seen: dict[str, Name] = {}
    for name in names:
        if name is not None and name.value.casefold() not in seen:
            seen[name.value.casefold()] = name
    return tuple(seen.values())


# --- countries -------------------------------------------------------------------------------

# Spellings followthemoney does not map, or maps differently from what the lists mean.
_COUNTRY_OVERRIDES: dict[str, str | None] = {
    "dprk": "kp",
    "d.p.r.k.": "kp",
    "korea, north": "kp",
    "north korea": "kp",
    "korea (north)": "kp",
    "korea, dpr": "kp",
    "dpr korea": "kp",
    "democratic people's republic of korea": "kp",
    "korea, democratic people's republic of": "kp",
    "korea, south": "kr",
    "south korea": "kr",
    "congo (democratic republic)": "cd",
    "00": None,  # EU FSF: "unknown"
    "unknown": None,
}


@lru_cache(maxsize=4096)
def clean_country(text: str | None) -> str | None:
    """ISO alpha-2 lower case for a country name or code, None when it cannot be mapped.

    followthemoney's territory codes ("ua-cri" for Crimea) are cut to the state ("ua") so
    the domain's alpha-2 promise holds; the list's wording is kept by the caller.
    """
    raw = collapse(text).replace("\u2019", "'").strip(" .;,")
    if not raw:
        return None
    key = raw.lower()
    if key.startswith("the "):
        key = key[4:]
    if key in _COUNTRY_OVERRIDES:
        return _COUNTRY_OVERRIDES[key]
    code = registry.country.clean(raw)
    if code is None and "(" in raw:  # "Democratic Republic of the Congo (DRC)"
        code = registry.country.clean(re.sub(r"\s*\([^)]*\)", "", raw))
    if code is None:
        return None
    code = code.lower().split("-")[0]
    return code if len(code) == 2 and code.isalpha() else None


def address_from_text(text: str | None) -> ListAddress | None:
    """An address given as one line ("Rakwon-dong, Pothonggang District, Pyongyang, DPRK"):
    kept whole, its country read from the last comma-separated part when that is one."""
    full = collapse(text)
    if not full:
        return None
    last = full.rsplit(",", 1)[-1].strip()
    country = clean_country(last)
    return ListAddress(full=full, country=country, country_name=last if country else None)


# --- dates -----------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[T ].*)?$")
# Day-first numeric dates; "dd"/"mm" stand for an unknown part in the UK list.
_DAY_FIRST = re.compile(r"^(\d{1,2}|dd)[./-](\d{1,2}|mm)[./-](\d{4})$", re.IGNORECASE)
_DATE_TOKEN = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}-\d{2}-\d{2}|(?<!\d)\d{4}(?!\d)")


def _partial(year: str, month: str | None = None, day: str | None = None) -> str | None:
    y = int(year)
    if not 1800 <= y <= 2100:
        return None
    if month is None or not month.isdigit():
        return f"{y:04d}"
    m = int(month)
    if not 1 <= m <= 12:
        return None
    if day is None or not day.isdigit():
        return f"{y:04d}-{m:02d}"
    try:
        return date(y, m, int(day)).isoformat()
    except ValueError:
        return None


def clean_date(text: str | None, formats: Sequence[str] | None = None) -> str | None:
    """An ISO date string, partial where the source is partial; None when unparseable.

    ISO input ("1944-10-13", "1944", "2026-02-27T00:00:09Z") is always accepted. Without
    ``formats``, day-first numeric dates ("13.10.1944", "13/10/1944", "dd/mm/1945") are too:
    every list we read writes day first. With ``formats`` (strptime patterns, for custom
    CSVs) only those are tried; a pattern without %d gives "YYYY-MM", without %m "YYYY".
    """
    raw = collapse(text).strip(" .,;")
    if not raw:
        return None
    if m := _ISO.match(raw):
        return _partial(*m.groups())
    if formats is None:
        if m := _DAY_FIRST.match(raw):
            day, month, year = m.groups()
            return _partial(year, month, day)
        return None
    for fmt in formats:
        try:
            parsed = datetime.strptime(raw, fmt)
        except ValueError:
            continue
        if "%d" in fmt and "%m" in fmt:
            return _partial(str(parsed.year), str(parsed.month), str(parsed.day))
        if "%m" in fmt or "%b" in fmt or "%B" in fmt:
            return _partial(str(parsed.year), str(parsed.month))
        return _partial(str(parsed.year))
    return None


def find_dates(text: str | None, formats: Sequence[str] | None = None) -> tuple[str, ...]:
    """Every date in prose such as "19.1.1963 or 8.5.1966" or "a) 1964 b) 28.8.1962"."""
    whole = clean_date(text, formats)
    if whole is not None:
        return (whole,)
    return unique(clean_date(tok, formats) for tok in _DATE_TOKEN.findall(text or ""))


# --- streaming readers -----------------------------------------------------------------------

_CHUNK = 1 << 16


def local_name(tag: str) -> str:
    """ "{http://eu.europa.ec/fpi/fsd/export}nameAlias" -> "nameAlias"."""
    return tag.rsplit("}", 1)[-1]


def iter_xml_records(
    path: Path, record_tags: frozenset[str], report: LoadReport
) -> Iterator[tuple[ET.Element, int]]:
    """Yield (element, line of its start tag) for each complete record element.

    The file is fed to the parser a line (at most 64 KiB) at a time, so the line of every
    record is known and memory holds one record: each record is removed from its parent
    once the caller has it. Namespaces are stripped from tags. A malformed or truncated
    file yields every record completed before the fault, then one ``xml_error`` reject at
    the parser's line; it never raises.
    """
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    stack: list[ET.Element] = []
    starts: dict[int, int] = {}  # id(record element) -> line
    line = 1
    try:
        with path.open("rb") as fh:
            while True:
                chunk = fh.readline(_CHUNK)
                if chunk:
                    parser.feed(chunk)
                else:
                    parser.close()
                # only "start"/"end" were asked for: every event carries an element
                events = cast(Iterator[tuple[str, ET.Element]], parser.read_events())
                for event, elem in events:
                    if event == "start":
                        stack.append(elem)
                        if local_name(elem.tag) in record_tags:
                            starts[id(elem)] = line
                        continue
                    stack.pop()
                    if id(elem) not in starts:
                        continue
                    for sub in elem.iter():
                        sub.tag = local_name(sub.tag)
                    yield elem, starts.pop(id(elem))
                    elem.clear()
                    if stack:
                        stack[-1].remove(elem)
                if not chunk:
                    return
                line += chunk.endswith(b"\n")
    except ET.ParseError as exc:
        where = exc.position[0] if getattr(exc, "position", None) else line
        report.reject(path, where, f"xml_error: {exc}")
        report.warnings.append(f"{path}: stopped at line {where}, file malformed or truncated")
    except OSError as exc:
        report.reject(path, None, f"unreadable: {exc}")


def text_of(elem: ET.Element | None, path: str) -> str:
    """Collapsed text of the first match of ``path`` under ``elem``, "" when absent."""
    if elem is None:
        return ""
    return collapse(elem.findtext(path))


def texts_of(elem: ET.Element | None, path: str) -> list[str]:
    """Collapsed non-empty texts of every match of ``path``."""
    if elem is None:
        return []
    return [t for t in (collapse(e.text) for e in elem.iterfind(path)) if t]


class CsvRows:
    """Rows of a CSV file as (first line of the row, {header: cell}), read one at a time.

    ``header`` is set once the first row has been read. Undecodable bytes, rows longer than
    the header and csv syntax errors are rejected with their line and reading goes on; an
    unreadable file is one reject. Short rows are padded with "".
    """

    def __init__(
        self, path: Path, report: LoadReport, *, delimiter: str = ",", encoding: str = "utf-8-sig"
    ) -> None:
        self.path = path
        self.report = report
        self.delimiter = delimiter
        self.encoding = encoding
        self.header: list[str] | None = None

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        csv.field_size_limit(1 << 24)
        try:
            with self.path.open(encoding=self.encoding, errors="replace", newline="") as fh:
                yield from self._rows(csv.reader(fh, delimiter=self.delimiter))
        except OSError as exc:
            self.report.reject(self.path, None, f"unreadable: {exc}")

    def _rows(self, reader: Iterator[list[str]]) -> Iterator[tuple[int, dict[str, str]]]:
        last = 0
        while True:
            start = last + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self.report.reject(self.path, start, f"csv_error: {exc}")
                if reader.line_num == last:  # type: ignore[attr-defined]
                    return
                last = reader.line_num  # type: ignore[attr-defined]
                continue
            last = reader.line_num  # type: ignore[attr-defined]
            if not any(c.strip() for c in cells):
                continue
            if self.header is None:  # undecodable names fail the caller's column check
                self.header = [c.strip() for c in cells]
                continue
            raw = self.delimiter.join(cells)
            if "\ufffd" in raw:
                self.report.reject(self.path, start, "encoding: undecodable bytes", raw)
                continue
            if len(cells) > len(self.header):
                self.report.reject(
                    self.path, start, f"columns: {len(cells)} for {len(self.header)}", raw
                )
                continue
            cells += [""] * (len(self.header) - len(cells))
            yield start, dict(zip(self.header, cells, strict=True))
