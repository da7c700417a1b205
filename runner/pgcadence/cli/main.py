"""The ``pgcadence`` command line: the root group and the one place verbs are registered.

Exit codes: 0 success, 1 a failure the message explains, 2 bad usage. Every error is
one line on stderr (``pgcadence: error: ...``); a traceback only with PGCADENCE_DEBUG=1.
"""

from __future__ import annotations

import importlib
import os
import sys

import click
import psycopg

from pgcadence import __version__, logging_setup
from pgcadence.cli import common
from pgcadence.errors import CadenceError

# Every verb and the module of pgcadence.cli that defines it (in its COMMANDS). A verb's
# module is imported when that verb runs, not before: `pgcadence worker` loads the queue,
# not the HTTP executor, the console and the MCP SDK (≈ 1.5 s of start-up and 50 MB per
# process on a small machine). tests/test_cli.py checks this table against COMMANDS.
VERBS = {
    "migrate": "migrate", "rollback": "migrate", "uninstall": "migrate", "modules": "migrate", "doctor": "migrate",
    "dump-schema": "migrate", "status": "status", "up": "cluster", "down": "cluster", "run": "cluster",
    "serve": "executor", "keys": "executor", "secrets": "secrets", "net-worker": "net", "net": "net",
    "worker": "jobs", "jobs": "jobs", "cron": "cron", "movies": "movies", "cache": "cache",
    "credentials": "mandates", "mandates": "mandates", "admin": "admin", "demo": "admin",
}


class Root(click.Group):
    """Runs a verb and turns every failure into one clear line and an exit code; loads a
    verb's module only when the verb is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(VERBS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = VERBS.get(name)
        if module is None:
            return None
        commands = importlib.import_module(f"pgcadence.cli.{module}").COMMANDS
        return next(c for c in commands if c.name == name)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            common.say("aborted; nothing more was done")
            code = 130
        except click.ClickException as exc:  # bad usage: unknown option, missing argument, no such file …
            where = exc.ctx.command_path if getattr(exc, "ctx", None) else (prog_name or "pgcadence")
            common.say(f"error: {exc.format_message()} (see '{where} --help')")
            code = exc.exit_code
        except CadenceError as exc:
            common.say(f"error: {exc}")
            code = exc.exit_code
        except psycopg.Error as exc:
            common.say(f"database error: {common.database_error(exc)}")
            code = 1
        except BrokenPipeError:  # the reader went away (pgcadence cron list | head): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            code = 1
        except OSError as exc:
            common.say(f"error: {common.os_error(exc)}")
            code = 1
        except KeyboardInterrupt:
            common.say("interrupted")
            code = 130
        except Exception as exc:  # a bug: still one line, the traceback on request
            if os.environ.get("PGCADENCE_DEBUG"):
                raise
            common.say(f"internal error: {type(exc).__name__}: {exc} (a bug in pgcadence; "
                       "PGCADENCE_DEBUG=1 shows the traceback)")
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pgcadence")
@click.option("--log-level", type=click.Choice(logging_setup.LEVELS, case_sensitive=False),
              envvar=logging_setup.ENV_LEVEL, default=logging_setup.DEFAULT_LEVEL, show_default=True,
              help=f"Least severe log line to print (JSON lines on stderr). Also ${logging_setup.ENV_LEVEL}.")
def cli(log_level: str) -> None:
    """Scheduled work on PostgreSQL: pg_cron, a pg_net-compatible sender, Vault-style
    secrets and a job queue, with this thin runner beside the database.

    \b
    Start here:  pgcadence up        (a local PostgreSQL with pg_cron, migrated)
                 pgcadence status    (URLs, keys, services, migrations)
                 pgcadence doctor    (is this database ready?)
    """
    logging_setup.configure(log_level)


def main() -> None:
    cli(prog_name="pgcadence")


if __name__ == "__main__":
    main()
