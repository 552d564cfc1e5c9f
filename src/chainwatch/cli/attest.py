"""``chainwatch attest``: signed vendor declarations (in-toto + DSSE) and C2PA manifests.

Vendor side: ``keygen``, ``declare``, ``sign``. Studio side: ``trust``, ``revoke``, ``keys``,
``import``, ``verify``, ``list``, ``c2pa-init``, ``c2pa-sign``, ``c2pa-verify``. A
signature or manifest that fails verification exits 1 and names what failed; user mistakes
exit 2 with one line.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import atomic_output, check_out_file, console, emit_json, esc, plain
from chainwatch.errors import InputError
from chainwatch.provenance.declaration import parse_location
from chainwatch.service import content_credentials as credentials
from chainwatch.service import provenance as service
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

app = typer.Typer(
    help="Signed vendor declarations (in-toto/DSSE) and C2PA manifests on deliveries.",
    no_args_is_help=True,
)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def _write(out: Path, text: str, inputs: tuple[Path, ...] = ()) -> None:
    check_out_file(out, inputs=inputs)
    with atomic_output(out) as fh:
        fh.write(text)


@app.command()
def keygen(
    out: Annotated[Path, typer.Option("--out", help="Private key file; FILE.pub is written too.")],
    json_out: JsonOpt = False,
) -> None:
    """Make an Ed25519 key pair for a vendor to sign declarations with."""
    info = service.keygen(out)
    if json_out:
        emit_json(info.to_dict())
        return
    console.print(f"private key: {esc(info.private_key)} (keep it secret)")
    console.print(f"public key:  {esc(info.public_key)} (send it to the studio)")
    console.print(f"keyid:       {info.keyid}")


@app.command()
def trust(
    party: Annotated[str, typer.Argument(help="Party key whose signatures the key makes.")],
    pubkey: Annotated[Path, typer.Argument(help="The vendor's public key file (PEM).")],
    json_out: JsonOpt = False,
) -> None:
    """Trust a vendor's public key for a party's declarations."""
    settings = load_settings()
    with open_session(settings) as session:
        info = service.trust_key(session, party, pubkey)
    if json_out:
        emit_json(info.to_dict())
        return
    console.print(f"{info.status}: key {info.keyid[:16]} for {esc(party)}")


@app.command()
def revoke(
    party: Annotated[str, typer.Argument(help="Party key.")],
    keyid: Annotated[str, typer.Argument(help="Keyid, or its first 8+ characters.")],
    json_out: JsonOpt = False,
) -> None:
    """Stop trusting a key: declarations it alone verified no longer count."""
    settings = load_settings()
    with open_session(settings) as session:
        info = service.revoke_key(session, party, keyid)
    if json_out:
        emit_json(info.to_dict())
        return
    console.print(f"revoked: key {info.keyid[:16]} for {esc(party)} ({info.revoked_at})")


@app.command()
def keys(
    party: Annotated[str | None, typer.Option("--party", help="Only this party.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List the vendor keys the studio trusts (and revoked ones)."""
    settings = load_settings()
    with open_session(settings) as session:
        rows = service.list_keys(session, party)
    if json_out:
        emit_json([r.to_dict() for r in rows])
        return
    table = Table("party", "keyid", "status", "added", title="Trusted vendor keys")
    for r in rows:
        table.add_row(plain(r.party), r.keyid[:16], r.status, (r.added_at or "")[:19])
    console.print(table)


@app.command()
def declare(
    project: Annotated[str, typer.Option("--project", help="Project key (as the studio uses).")],
    party: Annotated[str, typer.Option("--party", help="Your party key (the declarant).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the statement (JSON).")],
    subcontractor: Annotated[
        list[str] | None,
        typer.Option("--subcontractor", help="KEY or KEY=NAME; repeat for each. None: omit."),
    ] = None,
    location: Annotated[
        list[str] | None,
        typer.Option(
            "--location", help="Where staff worked: CC[:REGION[:CITY]][@CIDR,...]; repeatable."
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The list is complete as of (default today).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Start of the period declared (optional).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Your company name.")] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="Free text.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Write an unsigned declaration of all your subcontractors and work locations."""
    if not location:
        raise InputError("give at least one --location where staff worked (e.g. kr:Seoul)")
    statement = service.declare(
        project=project,
        party=party,
        subcontractors=[service.parse_subcontractor(s) for s in subcontractor or []],
        locations=[parse_location(loc) for loc in location],
        as_of=_date(as_of, "--as-of") or datetime.now(UTC).date(),
        party_name=name,
        period_start=_date(since, "--since"),
        notes=notes,
    )
    _write(out, statement.to_json())
    if json_out:
        emit_json({"out": str(out), "statement": statement.to_dict()})
        return
    subs = [s["party"] for s in statement.predicate["subcontractors"]]
    console.print(
        f"declaration written to {esc(out)}: {esc(party)} on {esc(project)}, "
        f"{len(subs)} subcontractor(s){': ' + esc(', '.join(subs)) if subs else ''}"
    )
    console.print(f"sign it: chainwatch attest sign {esc(out)} --key KEY --out ENVELOPE")


@app.command()
def sign(
    statement: Annotated[
        Path, typer.Argument(help="Statement JSON, or an envelope to countersign.")
    ],
    key: Annotated[Path, typer.Option("--key", help="Your Ed25519 private key (PEM).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the DSSE envelope.")],
    json_out: JsonOpt = False,
) -> None:
    """Sign a statement into a DSSE envelope, or add a signature to an envelope."""
    envelope = service.sign_statement(statement, key)
    _write(out, envelope.to_json(), (key,))
    if json_out:
        emit_json({"out": str(out), "signatures": [s.keyid for s in envelope.signatures]})
        return
    console.print(f"{esc(out)}: {len(envelope.signatures)} signature(s)")


@app.command(name="import")
def import_(
    envelope: Annotated[Path, typer.Argument(help="A signed declaration (DSSE envelope).")],
    json_out: JsonOpt = False,
) -> None:
    """Verify a vendor's signed declaration against its trusted keys and store it."""
    settings = load_settings()
    with open_session(settings) as session:
        result = service.import_envelope(session, envelope)
    if json_out:
        emit_json(result)
        return
    console.print(
        f"{result['status']}: declaration {result['id']} by {esc(result['party'])} on "
        f"{esc(result['project'])} as of {result['as_of']} "
        f"({len(result['subcontractors'])} subcontractor(s), keys "
        f"{', '.join(k[:16] for k in result['verified_keyids'])})"
    )
    for note in result.get("notes", []):
        console.print(f"note: {esc(note)}")


@app.command()
def verify(
    envelope: Annotated[Path, typer.Argument(help="A DSSE envelope.")],
    key: Annotated[
        list[Path] | None,
        typer.Option("--key", help="Public key file(s); default: the studio's trusted keys."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Verify an envelope's signatures offline; exit 1 if one fails or none is trusted."""
    if key:
        check = service.verify_envelope(None, envelope, key)
    else:
        settings = load_settings()
        with open_session(settings) as session:
            check = service.verify_envelope(session, envelope)
    if json_out:
        emit_json(check.to_dict())
    else:
        table = Table("#", "keyid", "party", "status", title=f"Signatures of {envelope.name}")
        for c in check.verification.checks:
            who = check.key_parties.get(c.verified_by or c.keyid, "")
            table.add_row(str(c.index), c.keyid[:16], plain(who), c.status)
        console.print(table)
        if check.party:
            console.print(
                f"declaration by {esc(check.party)} on {esc(check.project)} as of {check.as_of}"
            )
    failure = check.failure()
    if failure:
        from chainwatch.provenance.dsse import SignatureError

        raise SignatureError(failure)


@app.command(name="list")
def list_(
    project: Annotated[str | None, typer.Option("--project", help="Only this project.")] = None,
    manifests: Annotated[
        bool, typer.Option("--manifests", help="List issued C2PA manifests instead.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """List imported declarations (or, with --manifests, issued C2PA manifests)."""
    settings = load_settings()
    with open_session(settings) as session:
        rows = (
            credentials.list_manifests(session, project)
            if manifests
            else service.list_declarations(session, project)
        )
    if json_out:
        emit_json(rows)
        return
    if manifests:
        table = Table("id", "project", "recipient", "mode", "file", "signed", title="C2PA issued")
        for r in rows:
            table.add_row(
                str(r["id"]), plain(r["project"]), plain(r["recipient"]), r["mode"],
                plain(Path(r["path"]).name), r["signed_at"][:19],
            )  # fmt: skip
    else:
        table = Table(
            "id", "project", "party", "as of", "subcontractors", "keys", title="Declarations"
        )
        for r in rows:
            table.add_row(
                str(r["id"]), plain(r["project"]), plain(r["party"]), r["as_of"],
                plain(", ".join(r["subcontractors"]) or "(none)"),
                str(len(r["verified_keyids"])),
            )  # fmt: skip
    console.print(table)


@app.command(name="c2pa-init")
def c2pa_init(
    org: Annotated[
        str | None, typer.Option("--org", help="Organization name in the certificates.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create the studio's C2PA identity (private CA + signing certificate), once."""
    settings = load_settings()
    with open_session(settings) as session:
        identity, created = credentials.load_identity(settings, session, organization=org)
    folder = str(credentials.c2pa_dir(settings))
    info = {**identity.describe(), "created": created, "folder": folder}
    if json_out:
        emit_json(info)
        return
    verb = "created" if created else "exists"
    console.print(f"C2PA identity {verb}: {esc(info['signer'])}")
    console.print(f"trust anchor: {esc(info['issuer'])} (sha256 {info['ca_sha256'][:16]}…)")


@app.command(name="c2pa-sign")
def c2pa_sign(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to deliver.")],
    project: Annotated[str, typer.Option("--project", help="Project key.")],
    recipient: Annotated[str, typer.Option("--recipient", help="Party key of the recipient.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: c2pa-RECIPIENT/ beside each file)."),
    ] = None,
    sidecar: Annotated[
        bool, typer.Option("--sidecar", help="Write a .c2pa sidecar even where it could embed.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Sign delivered files with a C2PA manifest naming project and recipient."""
    settings = load_settings()
    with open_session(settings) as session:
        results = credentials.c2pa_sign_paths(
            session, settings, paths, project=project, recipient=recipient, out_dir=out,
            sidecar=sidecar,
        )  # fmt: skip
    if json_out:
        emit_json([r.to_dict() for r in results])
        return
    table = Table("file", "written", "manifest", "note", title="C2PA signed")
    for r in results:
        where = r.out if r.sidecar is None else f"{r.out} + {Path(r.sidecar).name}"
        table.add_row(plain(r.path), plain(where), r.mode, plain(r.note or ""))
    console.print(table)
    console.print(f"{len(results)} file(s) signed for {esc(recipient)} on {esc(project)}")


@app.command(name="c2pa-verify")
def c2pa_verify(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to check.")],
    json_out: JsonOpt = False,
) -> None:
    """Check C2PA manifests (embedded or sidecar) against the studio CA; exit 1 unless
    all are Trusted."""
    settings = load_settings()
    with open_session(settings) as session:
        results = credentials.c2pa_verify_paths(settings, paths, session)
    if json_out:
        emit_json([r.to_dict() for r in results])
    else:
        table = Table("file", "manifest", "state", "project", "recipient", "failures",
                      title="C2PA verification")  # fmt: skip
        for r in results:
            rep = r.report
            table.add_row(
                plain(r.path), rep.binding or "none", rep.state or "-", plain(rep.project or ""),
                plain(rep.recipient or ""), plain(", ".join(rep.failure_codes)),
            )  # fmt: skip
        console.print(table)
    bad = [r for r in results if not r.ok]
    if bad:
        first = bad[0]
        why = first.report.state or "no manifest"
        if first.report.failure_codes:
            why += " (" + ", ".join(first.report.failure_codes) + ")"
        from chainwatch.provenance.dsse import SignatureError

        raise SignatureError(
            f"{len(bad)} of {len(results)} file(s) not Trusted; {first.path}: {why}"
        )
