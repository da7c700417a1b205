"""CLI verbs for sealed credentials and system mandates:

    pgcadence credentials init-key | rotate-key | list
    pgcadence mandates rotate | show | public-key
"""

from __future__ import annotations

from pathlib import Path

import click

from pgcadence import credentials as creds, db, mandates as mand
from pgcadence.errors import CadenceError

DATABASE_HELP = "Connection URL or conninfo. Default: $DATABASE_URL, else the PG* variables, else the running embedded cluster."
database_option = click.option("--database", "-d", metavar="URL", help=DATABASE_HELP)
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
@click.option("--prune", is_flag=True, help="After re-sealing, drop the old keys from the key file.")
def rotate_key(database: str | None, key_file: Path | None, prune: bool) -> None:
    """Add a fresh key and re-seal every stored credential under it, in one transaction.

    The old keys stay in the file (so a failure half-way changes nothing that matters)
    unless --prune. Restart nothing: the executor reads the file on every use.
    """
    path = key_file or creds.default_key_file()
    try:
        with db.connect(db.resolve_dsn(database)) as conn:
            fp, n = creds.rotate(conn, path, prune=prune)
    except creds.SealError as exc:
        raise CadenceError(str(exc)) from None
    click.echo(f"re-sealed {n} credential(s) under key {fp}" + ("; old keys removed" if prune else ""))


@credentials_group.command("list")
@database_option
def list_credentials(database: str | None) -> None:
    """Stored credentials: id, owner, provider, alias, key fingerprint, updated (never secrets)."""
    with db.connect(db.resolve_dsn(database)) as conn:
        rows = conn.execute("select id, user_id, provider, alias, key_fp, updated_at from public.stored_credentials "
                            "order by updated_at desc").fetchall()
    if not rows:
        click.echo("no stored credentials")
    for r in rows:
        click.echo(f"{r[0]}  user {r[1]}  {r[2]}  '{r[3]}'  key {r[4]}  updated {r[5]:%Y-%m-%d %H:%M}")


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
              help="Validity in minutes (seed: 10080 = 7 days).")
def rotate(database: str | None, user_id: str | None, scopes: list[str] | None, minutes: int) -> None:
    """Issue a new system mandate and store it in Vault as SYSTEM_MANDATE_JWS."""
    with db.connect(db.resolve_dsn(database)) as conn:
        m = mand.rotate(conn, user_id, scopes, minutes)
    click.echo(f"stored {mand.MANDATE_SECRET}: user {m.user_id}, scopes {','.join(m.claims['scopes'])}, "
               f"expires {m.expires_at:%Y-%m-%d %H:%M} UTC")


@mandates_group.command("show")
@database_option
def show(database: str | None) -> None:
    """The stored system mandate's claims and whether it verifies (never the JWS itself)."""
    with db.connect(db.resolve_dsn(database)) as conn:
        jws = mand._get(conn, mand.MANDATE_SECRET)
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
    click.echo(f"user      {claims.get('user_id', '?')}")
    click.echo(f"scopes    {','.join(claims.get('scopes', []))}")
    click.echo(f"expires   {exp:%Y-%m-%d %H:%M} UTC" if exp else "expires   ?")
    click.echo(f"status    {state}")
    if m is None:
        raise SystemExit(1)


@mandates_group.command("public-key")
@database_option
def public_key(database: str | None) -> None:
    """Print the PEM public key that verifies mandates (give it to the MCP provider)."""
    with db.connect(db.resolve_dsn(database)) as conn:
        key = mand.signing_key(conn)
    if key is None:
        raise CadenceError(f"no {mand.SIGNING_KEY_SECRET} in Vault yet: run 'pgcadence mandates rotate --user-id UUID'")
    click.echo(mand.public_key_pem(key), nl=False)


def register(cli: click.Group) -> None:
    cli.add_command(credentials_group)
    cli.add_command(mandates_group)
    from pgcadence import doctor

    if mand.doctor_checks not in doctor.EXTRA_CHECKS:
        doctor.EXTRA_CHECKS.append(mand.doctor_checks)
