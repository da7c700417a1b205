"""CLI verbs for sealed credentials and system mandates:

    pgcadence credentials init-key | rotate-key | list
    pgcadence mandates rotate | show | public-key
"""

from __future__ import annotations

from pathlib import Path

import click

from pgcadence import credentials as creds, mandates as mand, vault
from pgcadence.cli.common import confirm, connect, database_option, emit, emit_object, json_option, yes_option
from pgcadence.errors import CadenceError
key_file_option = click.option(
    "--key-file", type=click.Path(dir_okay=False, path_type=Path),
    help=f"The {creds.ENV_KEY} key ring file. Default: ${creds.ENV_FILE}, else <pgcadence home>/{creds.KEY_FILE_NAME}.")


@click.group("credentials")
def credentials_group() -> None:
    """Sealed provider credentials (AES-256-GCM under CRED_SEAL_KEY, kept outside the database)."""


@credentials_group.command("init-key")
@key_file_option
def init_key(key_file: Path | None) -> None:
    """Create the CRED_SEAL_KEY key ring file with one fresh key (mode 0600)."""
    path = key_file or creds.default_key_file()
    fp = creds.init_key_file(path)
    click.echo(f"created {path} (key fingerprint {fp})")
    click.echo(f"the executor reads it when {creds.ENV_KEY} is not set; point {creds.ENV_FILE} at it if it lives elsewhere")


@credentials_group.command("rotate-key")
@database_option
@key_file_option
@click.option("--prune", is_flag=True, help="After re-sealing, drop the old keys from the key file (asks first).")
@yes_option
def rotate_key(database: str | None, key_file: Path | None, prune: bool, yes: bool) -> None:
    """Add a fresh key and re-seal every stored credential under it, in one transaction.

    The old keys stay in the file (so a failure half-way changes nothing that matters)
    unless --prune. Restart nothing: the executor reads the file on every use.
    """
    path = key_file or creds.default_key_file()
    if prune:
        confirm(f"after re-sealing, drop the old keys from {path}? Backups taken before now then need a copy "
                "of the current key file", yes)
    try:
        with connect(database) as conn:
            fp, n = creds.rotate(conn, path, prune=prune)
    except creds.SealError as exc:
        raise CadenceError(str(exc)) from None
    click.echo(f"re-sealed {n} credential(s) under key {fp}" + ("; old keys removed" if prune else ""))


@credentials_group.command("list")
@database_option
@json_option
def list_credentials(database: str | None, as_json: bool) -> None:
    """Stored credentials: id, owner, provider, alias, key fingerprint, updated (never secrets)."""
    with connect(database) as conn:
        cur = conn.execute("select id, user_id, provider, alias, key_fp, updated_at from public.stored_credentials "
                           "order by updated_at desc")
        rows = [dict(zip([d.name for d in cur.description], r)) for r in cur.fetchall()]
    emit(rows, {"id": "ID", "user_id": "USER", "provider": "PROVIDER", "alias": "ALIAS", "key_fp": "KEY",
                "updated_at": "UPDATED"}, as_json, empty="no stored credentials")


@click.group("mandates")
def mandates_group() -> None:
    """System mandates: signed JWS (Ed25519) that authorise cache warming."""


def _scopes(ctx, param, value):
    if not value:
        return None
    return [s.strip() for s in value.split(",") if s.strip()]


@mandates_group.command("rotate")
@database_option
@click.option("--user-id", metavar="UUID", help="The system user. Default: the current mandate's.")
@click.option("--scopes", callback=_scopes, metavar="A,B", help="Comma-separated. Default: the current mandate's, "
              "else scp:authenticate,scp:discover:fields,scp:find_programs.")
@click.option("--minutes", type=click.IntRange(1, 129600), default=mand.DEFAULT_DURATION_MINUTES, show_default=True,
              help="Validity in minutes (default 10080 = 7 days).")
def rotate(database: str | None, user_id: str | None, scopes: list[str] | None, minutes: int) -> None:
    """Issue a new system mandate and store it in Vault as SYSTEM_MANDATE_JWS."""
    with connect(database) as conn:
        m = mand.rotate(conn, user_id, scopes, minutes)
    click.echo(f"stored {mand.MANDATE_SECRET}: user {m.user_id}, scopes {','.join(m.claims['scopes'])}, "
               f"expires {m.expires_at:%Y-%m-%d %H:%M} UTC")


@mandates_group.command("show")
@database_option
@json_option
def show(database: str | None, as_json: bool) -> None:
    """The stored system mandate's claims and whether it verifies (never the JWS itself). Exit 1 when invalid."""
    with connect(database) as conn:
        jws = vault.get_secret(conn, mand.MANDATE_SECRET)
        key = mand.signing_key(conn)
    if not jws:
        raise CadenceError(f"{mand.MANDATE_SECRET} not configured: run 'pgcadence mandates rotate --user-id UUID'")
    try:
        m = mand.verify(jws, key)
        state = "valid"
    except mand.MandateError as exc:
        m, state = None, f"INVALID ({exc.message})"
    claims = m.claims if m else {}
    exp = mand.unverified_expiry(jws)
    emit_object({"user": claims.get("user_id", "?"), "scopes": ",".join(claims.get("scopes", [])),
                 "expires": f"{exp:%Y-%m-%d %H:%M} UTC" if exp else "?", "status": state}, as_json)
    if m is None:
        raise SystemExit(1)


@mandates_group.command("public-key")
@database_option
def public_key(database: str | None) -> None:
    """Print the PEM public key that verifies mandates (give it to the MCP provider)."""
    with connect(database) as conn:
        key = mand.signing_key(conn)
    if key is None:
        raise CadenceError(f"no {mand.SIGNING_KEY_SECRET} in Vault yet: run 'pgcadence mandates rotate --user-id UUID'")
    click.echo(mand.public_key_pem(key), nl=False)


COMMANDS = (credentials_group, mandates_group)
