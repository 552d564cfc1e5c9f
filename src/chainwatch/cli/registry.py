"""``chainwatch projects`` and ``chainwatch parties``: browse the registry."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import console, emit_json, esc, plain
from chainwatch.registry.chainfile import chain_to_document
from chainwatch.service.chains import export_chain, list_parties, list_projects, party_detail
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

projects_app = typer.Typer(help="Browse projects.", no_args_is_help=True)
parties_app = typer.Typer(help="Browse parties (companies and people).", no_args_is_help=True)


@projects_app.command("list")
def projects_list(json_out: JsonOpt = False) -> None:
    """Every project with its client and how many engagements it has."""
    with open_session(load_settings()) as session:
        rows = list_projects(session)
    if json_out:
        emit_json(rows)
        return
    table = Table("id", "title", "client", "aliases", "engagements", "tiers", title="Projects")
    for r in rows:
        table.add_row(
            plain(r["key"]),
            plain(r["title"]),
            plain(r["client"]),
            plain(", ".join(r["aliases"])),
            str(r["engagements"]),
            str(r["max_tier"]),
        )
    console.print(table)


@projects_app.command("show")
def projects_show(
    project: Annotated[str, typer.Argument(help="Project id.")], json_out: JsonOpt = False
) -> None:
    """A project with its parties, engagements, ownership links and assets."""
    with open_session(load_settings()) as session:
        doc = chain_to_document(export_chain(session, project))
    if json_out:
        emit_json(doc)
        return
    p = doc["projects"][0]
    console.print(f"[bold]{esc(p['title'])}[/] ({esc(p['id'])}), client {esc(p['client'])}")
    if p.get("aliases"):
        console.print(f"a.k.a. {esc(', '.join(p['aliases']))}")
    table = Table("engagement", "contractor", "subcontractor", "status", "scope", "from", "to")
    for e in doc.get("engagements", []):
        table.add_row(
            plain(e["id"]),
            plain(e["contractor"]),
            plain(e["subcontractor"]),
            plain(e["status"]),
            plain(e.get("scope", "")),
            plain(e.get("start", "")),
            plain(e.get("end", "")),
        )
    console.print(table)
    console.print(
        f"{len(doc.get('parties', []))} parties, "
        f"{len(doc.get('ownership', []))} ownership links, "
        f"{len(doc.get('assets', []))} assets"
    )


@parties_app.command("list")
def parties_list(json_out: JsonOpt = False) -> None:
    """Every party with its kind, country and the projects it works on."""
    with open_session(load_settings()) as session:
        rows = list_parties(session)
    if json_out:
        emit_json(rows)
        return
    table = Table("id", "name", "kind", "country", "projects", title="Parties")
    for r in rows:
        table.add_row(
            plain(r["key"]),
            plain(r["name"]),
            plain(r["kind"]),
            plain((r["country"] or "").upper()),
            plain(", ".join(r["projects"])),
        )
    console.print(table)


@parties_app.command("show")
def parties_show(
    party: Annotated[str, typer.Argument(help="Party id.")], json_out: JsonOpt = False
) -> None:
    """A party: names in every script, identifiers, locations, networks, accounts, links."""
    with open_session(load_settings()) as session:
        d = party_detail(session, party)
    if json_out:
        emit_json(d)
        return
    console.print(
        f"[bold]{esc(d['name'])}[/] ({esc(d['key'])}, {esc(d['kind'])}, "
        f"{esc((d['country'] or '?').upper())})"
    )
    for n in d["names"]:
        console.print(
            f"  name      {esc(n['value'])}  [dim]{esc(n['kind'])} {esc(n.get('script'))}[/]"
        )
    for i in d["identifiers"]:
        console.print(
            f"  id        {esc(i['type'])}: {esc(i['value'])} "
            f"{esc((i.get('country') or '').upper())}"
        )
    for loc in d["locations"]:
        where = ", ".join(
            x for x in (loc.get("city"), loc.get("region"), loc["country"].upper()) if x
        )
        console.print(f"  location  {esc(where)}")
    for net in d["networks"]:
        console.print(f"  network   {esc(net)}")
    for asn in d["asns"]:
        console.print(f"  asn       AS{esc(asn)}")
    if d["timezone"]:
        console.print(f"  timezone  {esc(d['timezone'])}")
    for a in d["accounts"]:
        console.print(
            f"  account   {esc(a['kind'])}: {esc(a['value'])} [dim]{esc(a.get('system'))}[/]"
        )
    for e in d["engagements"]:
        console.print(
            f"  engaged   {esc(e['role'])} on {esc(e['project'])}: {esc(e['other'])} "
            f"({esc(e['status'])})"
        )
    for o in d["ownership"]:
        console.print(f"  owned     {esc(o['direction'])} {esc(o['other'])} {esc(o['share'])}%")
    if d["notes"]:
        console.print(f"  notes     {esc(d['notes'])}")
