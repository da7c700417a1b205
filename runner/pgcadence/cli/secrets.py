"""``pgcadence secrets``: Vault secrets and the key ring, from the shell.

Values are read from stdin (when it is not a terminal) or a hidden prompt, never
from argv, and are never printed. Key material is generated and written by this
process into the key ring file; it never travels through SQL text.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import psycopg

from pgcadence import queries as q, vault
from pgcadence.cli.common import connect, database_error, database_option, confirm, emit, json_option, yes_option
from pgcadence.errors import CadenceError


class _Conn:
    """Connect, and turn database errors raised inside into one clear line."""

    def __init__(self, database: str | None):
        self._cm = connect(database)

    def __enter__(self) -> psycopg.Connection:
        conn = self._cm.__enter__()
        if conn.execute("select to_regclass('vault.secrets') is null").fetchone()[0]:
            self._cm.__exit__(None, None, None)
            raise CadenceError("this database has no vault schema: run 'pgcadence migrate' first")
        return conn

    def __exit__(self, et, ev, tb):
        self._cm.__exit__(None, None, None)  # closes the connection
        if isinstance(ev, psycopg.Error):
            raise CadenceError(database_error(ev)) from None
        return False


def _read_value(name: str) -> str:
    if sys.stdin is None:
        raise CadenceError("no value: pipe it on stdin or run in a terminal to be prompted")
    if sys.stdin.isatty():
        value = click.prompt(f"Value for {name}", hide_input=True, confirmation_prompt=True, err=True)
    else:
        value = sys.stdin.read()
        if value.endswith("\r\n"):
            value = value[:-2]
        elif value.endswith("\n"):
            value = value[:-1]
    if value == "":
        raise CadenceError(f"empty value for secret '{name}': nothing stored")
    return value


@click.group("secrets")
def secrets() -> None:
    """Vault secrets (vault.secrets): set, list, rm, and the key that encrypts them.

    \b
    Values never go on the command line:
        printf %s "$TOKEN" | pgcadence secrets set service_role_key
        pgcadence secrets set project_url          (prompts, input hidden)
    """


@secrets.command("set")
@click.argument("name")
@click.option("--description", default=None, help="Free text shown by 'secrets list' (kept when omitted on update).")
@database_option
def set_(name: str, description: str | None, database: str | None) -> None:
    """Create secret NAME, or replace its value. The value comes from stdin, else a hidden prompt."""
    value = _read_value(name)
    with _Conn(database) as conn:
        existed = vault.secret_exists(conn, name)
        vault.set_secret(conn, name, value, description)
    click.echo(f"{'updated' if existed else 'created'} secret {name}")


@secrets.command("list")
@database_option
@json_option
def list_(database: str | None, as_json: bool) -> None:
    """Names, descriptions and last update of every secret (never their values)."""
    with _Conn(database) as conn:
        rows = [{"name": r.name, "description": r.description, "key_id": r.key_id, "updated_at": r.updated_at}
                for r in vault.list_secrets(conn)]
    emit(rows, {"name": "NAME", "updated_at": "UPDATED", "description": "DESCRIPTION"}, as_json, empty="no secrets")


@secrets.command("rm")
@click.argument("name")
@database_option
@yes_option
def rm(name: str, database: str | None, yes: bool) -> None:
    """Delete secret NAME (asks first; its value cannot be recovered)."""
    with _Conn(database) as conn:
        if not vault.secret_exists(conn, name):
            raise CadenceError(f"no secret named '{name}' (see 'pgcadence secrets list')")
        confirm(f"delete secret {name}? Its value cannot be recovered", yes)
        if not vault.delete_secret(conn, name):
            raise CadenceError(f"no secret named '{name}' (see 'pgcadence secrets list')")
    click.echo(f"deleted secret {name}")


def _shim_key_file(conn: psycopg.Connection) -> tuple[Path, str | None]:
    if conn.execute("select to_regprocedure(%s) is null", (q.VAULT_REENCRYPT_ALL.regprocedure,)).fetchone()[0]:
        raise CadenceError("this database uses the real supabase_vault extension: its key is managed by Supabase, not pgcadence")
    path, digest = conn.execute(f"select {q.VAULT_KEY_FILE}, {q.VAULT_KEY_FILE_DIGEST}").fetchone()
    return Path(path), digest


def _lock_ring(conn: psycopg.Connection) -> None:
    """One key ring writer at a time (session advisory lock, released when the connection closes)."""
    if not conn.execute("select pg_try_advisory_lock(hashtext('pgcadence.vault.keyring'))").fetchone()[0]:
        raise CadenceError("another 'pgcadence secrets rotate-key' or 'init-key' is running on this database; try again when it ends")


def _same_file(path: Path, server_digest: str | None) -> None:
    """The key ring must be readable here and identical to what the server reads."""
    if server_digest is None:
        raise CadenceError(f"vault key file {path} not found by the server: run 'pgcadence secrets init-key' on the database host")
    try:
        local = vault.file_digest(path)
    except OSError as exc:
        raise CadenceError(
            f"cannot read the vault key file {path} here ({exc.strerror}): run this command on the database host "
            "as root or the postgres OS user") from None
    if local != server_digest:
        raise CadenceError(f"{path} here is not the key file the server reads: run this command on the database host")


@secrets.command("rotate-key")
@click.option("--prune", is_flag=True,
              help="After the re-encryption has committed, drop keys no secret uses any more "
                   "(backups taken before the rotation then need the old key file).")
@database_option
@yes_option
def rotate_key(prune: bool, database: str | None, yes: bool) -> None:
    """Re-encrypt every secret under a new key, in one transaction.

    \b
    1. a new random key is appended to the key ring file (it becomes the active key);
    2. every secret is decrypted and re-encrypted under it in ONE transaction;
    3. only with --prune, and only after that commit, unused old keys are removed.
    A failure at any step loses nothing: old keys stay in the ring until step 3.
    Runs on the database host (as root or the postgres OS user): it writes the key file.
    """
    if prune:
        confirm("after re-encrypting, drop the keys no secret uses? Backups taken before now then need "
                "a copy of the current key file", yes)
    with _Conn(database) as conn:
        path, digest = _shim_key_file(conn)
        _lock_ring(conn)
        digest = conn.execute(f"select {q.VAULT_KEY_FILE_DIGEST}").fetchone()[0]
        _same_file(path, digest)
        keys = vault.parse_ring(path.read_text(), path)
        new = vault.new_key()
        vault.write_ring(path, keys + [new])
        if conn.execute(f"select {q.VAULT_KEY_FILE_DIGEST}").fetchone()[0] != vault.file_digest(path):
            raise CadenceError(f"the server does not see the new key in {path}; nothing was re-encrypted")
        with conn.transaction():
            count = conn.execute(f"select {q.VAULT_REENCRYPT_ALL}", (new.key_id,)).fetchone()[0]
        click.echo(f"re-encrypted {count} secret(s) under key {new.key_id}")
        if prune:
            used = {r[0] for r in conn.execute("select distinct key_id::text from vault.secrets where key_id is not null")}
            kept = [k for k in vault.parse_ring(path.read_text(), path) if k.key_id in used or k.key_id == new.key_id]
            vault.write_ring(path, kept)
            click.echo(f"pruned {len(keys) + 1 - len(kept)} unused key(s) from {path}")
        else:
            click.echo(f"older keys kept in {path} (needed to restore earlier backups; --prune removes unused ones)")


@secrets.command("init-key")
@click.option("--pgdata", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Create the key file in this data directory (server may be stopped). "
                   "Default: ask the running server where it looks.")
@database_option
def init_key(pgdata: Path | None, database: str | None) -> None:
    """Create the vault key file (one fresh random key, mode 0600, owned like its directory) if missing."""
    if pgdata is not None:
        created = vault.ensure_key_file(pgdata)
        path = pgdata / vault.KEY_FILE_NAME
        click.echo(f"{'created' if created else 'kept existing'} {path}")
        return
    with _Conn(database) as conn:
        path, digest = _shim_key_file(conn)
        _lock_ring(conn)
        digest = conn.execute(f"select {q.VAULT_KEY_FILE_DIGEST}").fetchone()[0]
        if digest is not None:
            click.echo(f"kept existing {path}")
            return
        if not path.parent.is_dir() or path.exists():
            raise CadenceError(f"cannot create {path} here: run this command on the database host as root or the postgres OS user")
        vault.write_ring(path, [vault.new_key()])
        if conn.execute(f"select {q.VAULT_KEY_FILE_DIGEST}").fetchone()[0] != vault.file_digest(path):
            path.unlink(missing_ok=True)
            raise CadenceError(f"the server does not see {path}: run this command on the database host")
        click.echo(f"created {path}")


COMMANDS = (secrets,)
