"""File forensics: what is in a pile of files, and which carry North Korean artifacts.

Public surface (the service layer and the demo use these):

- ``inspect_bytes`` / ``inspect_file``: one file or archive member → records and rejects;
- ``FileRecord``, ``ScanLimits``, ``InspectOptions``;
- ``build_trailer`` / ``append_marks`` / ``decode_trailer``: the Red Star OS watermark
  (FILE-1), decoded and built (tests and the demo make marked files with it);
- ``run_pool``: the process pool with per-file time and memory limits.

Layout: ``sniff.py`` (types by content), ``extract/`` (one module per format family),
``archive.py`` (members in memory, bomb and traversal checks), ``detect/`` (FILE-1, FILE-2,
FILE-5), ``notes.py`` (the one call into ``chainwatch.text`` for FILE-3/4/6 and LANG-1),
``ocr.py`` (optional tesseract), ``inspect.py`` (the per-file pipeline), ``pool.py``.
"""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chainwatch.forensics.detect.redstar import append_marks, build_trailer, decode_trailer
    from chainwatch.forensics.inspect import (
        Inspection,
        InspectOptions,
        inspect_bytes,
        inspect_file,
    )
    from chainwatch.forensics.limits import DEFAULT_LIMITS, ScanLimits
    from chainwatch.forensics.record import FileRecord

# Imported on first use (PEP 562): ``chainwatch scan`` starts its workers' forkserver
# after importing ``forensics.pool`` and before the extractors and their libraries.
_HOME = {
    "append_marks": "detect.redstar",
    "build_trailer": "detect.redstar",
    "decode_trailer": "detect.redstar",
    "Inspection": "inspect",
    "InspectOptions": "inspect",
    "inspect_bytes": "inspect",
    "inspect_file": "inspect",
    "DEFAULT_LIMITS": "limits",
    "ScanLimits": "limits",
    "FileRecord": "record",
}


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)


__all__ = [
    "DEFAULT_LIMITS",
    "FileRecord",
    "InspectOptions",
    "Inspection",
    "ScanLimits",
    "append_marks",
    "build_trailer",
    "decode_trailer",
    "inspect_bytes",
    "inspect_file",
]
