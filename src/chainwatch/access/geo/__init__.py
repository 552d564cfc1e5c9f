"""Offline IP intelligence: geo/ASN range tables, DPRK prefixes, VPN/datacenter/Tor, hubs.

* :mod:`.install` — fetch (``npm pack``) or take user files, compile, install atomically.
* :mod:`.sources` — read MMDB and CSV sources; :mod:`.ranges` — the compiled range tables.
* :mod:`.netintel` — curated DPRK prefixes and hub regions, VPN/datacenter/Tor lists.
* :mod:`.lookup` — :class:`~chainwatch.access.geo.lookup.IpIntel`, vectorized enrichment.

Design notes and measurements: access-logs-and-ip-data.md §2, §3.2, §6 and SIGNALS.md
NET-1, NET-2, NET-6.
"""
