"""Evidence packs, pure parts: build a pack from plain data and check one offline.

``manifest`` (sha256 of every file), ``graph_svg`` / ``world_map`` / ``timeline`` (inline SVG
drawings), ``access_summary`` (events to map and timeline data), ``files`` (evidence files
found, hashed, copied), ``ledger_scope`` (which ledger entries a pack carries), ``render``
(report.html from the Jinja2 template), ``pdf`` (WeasyPrint, else headless Chromium),
``readme``, ``verify`` (offline checks). No session, no clock: ``service.evidence`` gathers
the data and writes the pack; ``cli.evidence`` is the command.
"""
