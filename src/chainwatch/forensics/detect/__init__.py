"""Artifact detectors over one file's bytes and extracted fields: FILE-1 (``redstar``),
FILE-2 (``pyongyang_time``), FILE-5 (``nk_fonts``). Text rules (FILE-3/4/6, LANG-1) live in
``chainwatch.text`` and are called from ``forensics.notes``."""
