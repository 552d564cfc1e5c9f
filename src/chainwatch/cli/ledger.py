"""``chainwatch ledger``: the tamper-evident record of imports, screenings, findings, decisions.

Exit codes: 0 on success, 2 on a user error (one line on stderr), and 1 when ``ledger verify``
finds tampering (or a proof does not verify).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chainwatch.cli.options import JsonOpt
from chainwatch.cli.output import atomic_output, console, emit_json, esc, plain
from chainwatch.errors import InputError
from chainwatch.service import ledger as service
from chainwatch.settings import load_settings
from chainwatch.storage.session import open_session

app = typer.Typer(
    help="Append-only evidence ledger: Merkle proofs, signed checkpoints, tamper checks.",
    no_args_is_help=True,
)


@app.command()
def status(json_out: JsonOpt = False) -> None:
    """Size, current root hash, latest checkpoint and entries per kind."""
    settings = load_settings()
    with open_session(settings) as session:
        data = service.status(session)
    if json_out:
        emit_json(data)
        return
    console.print(f"entries: {data['size']}   root: {data['root_hash'] or '(unreadable)'}")
    cp = data["latest_checkpoint"]
    if cp:
        console.print(
            f"latest checkpoint: size {cp['size']}, {cp['created_at']}, signed by "
            f"{esc(', '.join(cp['signers']))}; {data['unsigned_entries']} entries since"
        )
    else:
        console.print("no checkpoint yet: run `chainwatch ledger checkpoint`")
    if data["kinds"]:
        table = Table("kind", "entries", title="Entries per kind")
        for kind, count in data["kinds"].items():
            table.add_row(plain(kind), str(count))
        console.print(table)


@app.command("list")
def list_entries(
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="Only this kind (repeatable).")
    ] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="Only this subject.")] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Show the last N matching entries.")
    ] = 50,
    json_out: JsonOpt = False,
) -> None:
    """List entries, newest last."""
    settings = load_settings()
    with open_session(settings) as session:
        rows = service.entries(session, kinds=kind, subject=subject, limit=limit)
    if json_out:
        emit_json(rows)
        return
    table = Table("seq", "kind", "subject", "recorded (UTC)", title="Ledger entries")
    for r in rows:
        table.add_row(
            str(r["seq"]), plain(r["kind"]), plain(r["subject"]), plain(r["recorded_at"][:19])
        )
    console.print(table)


@app.command()
def checkpoint(json_out: JsonOpt = False) -> None:
    """Sign the current tree head with the operator key (made on first use) and store it."""
    settings = load_settings()
    with open_session(settings) as session:
        cp = service.checkpoint(session, settings)
    if json_out:
        emit_json(cp)
        return
    # plain echo: the note must be copyable byte for byte (Rich would wrap long lines)
    typer.echo(f"checkpoint {cp['id']}: size {cp['size']}, root {cp['root_hash']}")
    typer.echo(cp["note"], nl=False)


@app.command()
def prove(
    seq: Annotated[int, typer.Argument(help="The entry's seq (leaf index).")],
    size: Annotated[
        int | None,
        typer.Option("--size", help="Tree size to prove against (default: latest checkpoint)."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Inclusion proof of one entry: verifiable offline with the checkpoint and public key.

    Exit 1 if the proof does not verify against the stored leaves.
    """
    settings = load_settings()
    with open_session(settings) as session:
        proof = service.inclusion_proof(session, seq, size)
    ok = service.check_inclusion(proof)
    if json_out:
        emit_json(proof)
    else:
        e = proof["entry"]
        console.print(
            f"seq {seq} ({esc(e['kind'])} {esc(e['subject'])}) in tree of size "
            f"{proof['tree_size']}, root {proof['root_hash']}"
        )
        for i, h in enumerate(proof["audit_path"]):
            console.print(f"  path[{i}] {h}")
        signed = (
            "signed checkpoint attached" if proof["checkpoint"] else "no checkpoint of this size"
        )
        console.print(f"proof {'verifies' if ok else 'DOES NOT VERIFY'}; {signed}")
    if not ok:
        raise typer.Exit(1)


@app.command()
def consistency(
    old: Annotated[int, typer.Argument(help="The older tree size.")],
    new: Annotated[int | None, typer.Argument(help="The newer tree size (default: now).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Consistency proof: the ledger of OLD entries is a prefix of the one of NEW entries.

    Exit 1 if the proof does not verify.
    """
    settings = load_settings()
    with open_session(settings) as session:
        proof = service.consistency_proof(session, old, new)
    ok = service.check_consistency(proof)
    if json_out:
        emit_json(proof)
    else:
        console.print(f"size {proof['old_size']} root {proof['old_root']}")
        console.print(f"size {proof['new_size']} root {proof['new_root']}")
        for i, h in enumerate(proof["consistency_path"]):
            console.print(f"  path[{i}] {h}")
        console.print(f"proof {'verifies' if ok else 'DOES NOT VERIFY'}")
    if not ok:
        raise typer.Exit(1)


@app.command()
def verify(
    cosigner: Annotated[
        list[Path] | None,
        typer.Option(
            "--cosigner",
            help="Public key file of a co-signer whose signature the latest checkpoint must "
            "carry (repeatable).",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Check every entry, the hash chain and every signed checkpoint; name each modified,
    deleted, inserted, reordered or rewritten entry by seq, kind and subject.

    Exit 0 when the ledger is intact, 1 when anything was tampered with.
    """
    settings = load_settings()
    keys = [service.read_verifier(path) for path in cosigner or []]
    with open_session(settings) as session:
        result = service.verify(session, settings, trusted_keys=keys)
    if json_out:
        emit_json(result.to_dict())
    else:
        cp = result.checkpoint
        signed = (
            f"latest good checkpoint: size {cp['size']}, signed by {', '.join(cp['signers'])}; "
            f"{result.unsigned_entries} entries since"
            if cp
            else "no signed checkpoint"
        )
        if result.problems:
            table = Table("seq", "problem", "detail", title="Ledger problems")
            for p in result.problems:
                table.add_row(
                    "-" if p.seq is None else str(p.seq),
                    plain(p.problem, "bold red"),
                    plain(p.detail),
                )
            console.print(table)
            console.print(
                f"[bold red]ledger FAILED verification[/]: {len(result.problems)} "
                f"problem(s) in {result.size} entries; {esc(signed)}"
            )
        else:
            console.print(
                f"ledger OK: {result.size} entries, root {result.root_hash}; {esc(signed)}"
            )
        for note in result.notes:
            console.print(f"note: {esc(note)}")
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def pubkey(json_out: JsonOpt = False) -> None:
    """Print the operator's public key (a Go note verifier key) for auditors and co-signers."""
    settings = load_settings()
    key = service.public_key(settings)
    if json_out:
        v = service.read_verifier(key)
        emit_json(
            {
                "name": v.name,
                "key_id": v.key_id.hex(),
                "verifier_key": key,
                "origin": service.origin(v),
            }
        )
        return
    typer.echo(key)


@app.command()
def cosign(
    key: Annotated[Path, typer.Option("--key", help="The co-signer's private key file.")],
    name: Annotated[
        str | None,
        typer.Option("--name", help="The co-signer's name (must match the key's name)."),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            help="The co-signer's own copy of the last head it signed (default: KEY.last).",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a co-signature line to the latest checkpoint (the co-signer says: I saw this head).

    Before signing, the stored entries must give the checkpoint's root, and every head this
    co-signer signed before (in the database, and its own copy in --state) must be a prefix
    of it; otherwise it refuses (exit 2). The signed note is then saved to --state.
    """
    signer = service.read_signer(key)
    if name is not None and name != signer.name:
        raise InputError(f"{key}: the key is named {signer.name!r}, not {name!r}")
    state = state or key.with_name(key.name + ".last")
    last = None
    if state.exists():
        try:
            last = state.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--state {state}: cannot read ({exc})") from None
    settings = load_settings()
    with open_session(settings) as session:
        cp = service.cosign(session, signer, last_signed=last)
        with atomic_output(state) as out:  # kept only if the signature is committed
            out.write(cp["note"])
    if json_out:
        emit_json(cp)
        return
    console.print(
        f"checkpoint {cp['id']} (size {cp['size']}) now signed by {esc(', '.join(cp['signers']))}"
    )
    console.print(f"head kept in {esc(state)}")


@app.command()
def keygen(
    out: Annotated[Path, typer.Option("--out", help="Where to write the private key (0600).")],
    name: Annotated[
        str, typer.Option("--name", help="Key name, e.g. the studio or auditor.")
    ] = "cosigner",
    json_out: JsonOpt = False,
) -> None:
    """Make a co-signer key: the private key to OUT, the public key to OUT.pub."""
    verifier = service.generate_key(name, out)
    pub = out.with_name(out.name + ".pub")
    pub.write_text(verifier.to_string() + "\n", "ascii")
    if json_out:
        emit_json(
            {
                "private_key": str(out),
                "public_key_file": str(pub),
                "verifier_key": verifier.to_string(),
            }
        )
        return
    console.print(f"private key: {esc(out)} (keep it secret)\npublic key:  {esc(pub)}")
    typer.echo(verifier.to_string())
