"""Plain text and CSV: bytes decoded by ``decode_text`` (which tells KPS 9566 from EUC-KR),
kept for the text detectors; CSV also reports its header row and row count."""

from __future__ import annotations

import csv
import io

from chainwatch.forensics.limits import ScanLimits
from chainwatch.forensics.notes import decode_bytes, head_bytes
from chainwatch.forensics.record import Extracted


def extract_text(data: bytes, limits: ScanLimits) -> Extracted:
    ex = Extracted()
    text, decoded, encoding = decode_bytes(head_bytes(data, limits.max_text_chars * 4))
    ex.metadata.update({"encoding": encoding, "lines": text.count("\n") + 1})
    ex.decoded = decoded
    ex.add_text(text[: limits.max_text_chars], "text")
    return ex


def extract_csv(data: bytes, limits: ScanLimits) -> Extracted:
    ex = extract_text(data, limits)
    sample = ex.text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample[:8192])
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    rows = csv.reader(io.StringIO(sample), delimiter=delimiter)
    header = next(rows, [])
    ex.metadata.update(
        {
            "delimiter": delimiter,
            "header": [h[:100] for h in header[:50]],
            "rows": ex.text.count("\n"),
        }
    )
    return ex
