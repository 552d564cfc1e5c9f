"""Engines that run ``access.batch.enrich_batch`` over many batches (STYLE.md point 3).

``local`` (in-process or a process pool) is the reference; ``spark`` hands the very same
function to ``DataFrame.mapInArrow``. A parity test runs one fixture through both.
"""
