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

from chainwatch.forensics.detect.redstar import append_marks, build_trailer, decode_trailer
from chainwatch.forensics.inspect import Inspection, InspectOptions, inspect_bytes, inspect_file
from chainwatch.forensics.limits import DEFAULT_LIMITS, ScanLimits
from chainwatch.forensics.record import FileRecord

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
