"""The embedded cluster behind ``pgcadence up`` and ``make run``.

A private PostgreSQL with pg_cron preloaded, living in one directory:

    <base>/pgdata        the cluster (owned by the server's OS user)
    <base>/run           its unix socket (mode 0700: only that user and root get in)
    <base>/postgres.log  the server log (mode 0600: it can hold failed statements with literals)
    <base>/cluster.json  port, database and the generated superuser password (mode 0600)

PostgreSQL refuses to run as root, so when we are root every server-side command
runs as the ``postgres`` OS user through ``runuser``; this process stays root.
"""

from __future__ import annotations

import errno
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

from pgcadence import resources, vault
from pgcadence.errors import CadenceError

DEFAULT_PORT = 54329
DEFAULT_DB = "pgcadence"
SERVER_USER = "postgres"  # OS user that runs the server when we are root
PACKAGES = "postgresql-15 postgresql-15-cron postgresql-15-pgtap"


def pg_bindir() -> Path:
    """Directory of initdb/pg_ctl: $PGCADENCE_PG_BINDIR, Debian's newest, or PATH."""
    if os.environ.get("PGCADENCE_PG_BINDIR"):
        return Path(os.environ["PGCADENCE_PG_BINDIR"])
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if debian:
        return debian[-1].parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise CadenceError(f"PostgreSQL server binaries not found: install them (Debian: apt-get install {PACKAGES})")


def _check_pg_cron(bindir: Path) -> None:
    libdir = subprocess.run(
        [str(bindir / "pg_config"), "--pkglibdir"], capture_output=True, text=True
    ).stdout.strip() if (bindir / "pg_config").exists() else str(bindir.parent / "lib")
    if not (Path(libdir) / "pg_cron.so").exists():
        raise CadenceError(f"pg_cron is not installed for {bindir.parent}: install it (Debian: apt-get install {PACKAGES})")


def default_base() -> Path:
    """$PGCADENCE_HOME, else ./.pgcadence in a source checkout, else ~/.local/share/pgcadence."""
    if os.environ.get("PGCADENCE_HOME"):
        return Path(os.environ["PGCADENCE_HOME"]).resolve()
    checkout = resources.CHECKOUT
    if checkout is not None and os.access(checkout, os.W_OK):
        return checkout / ".pgcadence"
    return Path.home() / ".local" / "share" / "pgcadence"


def _is_root() -> bool:
    return os.geteuid() == 0


def _server_cmd(cmd: list[str]) -> list[str]:
    if _is_root():
        return ["runuser", "-u", SERVER_USER, "--", *cmd]
    return cmd


def _run(cmd: list[str], what: str) -> str:
    proc = subprocess.run(_server_cmd(cmd), capture_output=True, text=True, cwd="/")
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise CadenceError(f"{what} failed: {detail[-1] if detail else 'exit ' + str(proc.returncode)}")
    return proc.stdout


def _server_owner() -> tuple[int, int] | None:
    """(uid, gid) of the server's OS user when we are root, else None (we are that user)."""
    if not _is_root():
        return None
    pw = pwd.getpwnam(SERVER_USER)
    return pw.pw_uid, pw.pw_gid


def create_private(path: Path, data: bytes, owner: tuple[int, int] | None, *, keep: bool = False) -> None:
    """Create ``path`` with mode 0600 from the first byte (never world-readable, whatever
    the umask); ``keep``: an existing file keeps its content and is made 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if keep else os.O_EXCL)
    fd = os.open(path, flags, 0o600)
    try:
        os.fchmod(fd, 0o600)
        if owner is not None:
            os.fchown(fd, *owner)
        if data:
            os.write(fd, data)
    finally:
        os.close(fd)


def _own(path: Path, mode: int) -> None:
    """Create ``path`` for the server user with ``mode``."""
    path.mkdir(parents=True, exist_ok=True)
    if _is_root():
        pw = pwd.getpwnam(SERVER_USER)
        os.chown(path, pw.pw_uid, pw.pw_gid)
    path.chmod(mode)


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something already listens on (or holds) ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _check_traversable(path: Path) -> None:
    """As root, the server user must be able to reach ``path``."""
    if not _is_root():
        return
    probe = subprocess.run(["runuser", "-u", SERVER_USER, "--", "test", "-x", str(path)], cwd="/")
    if probe.returncode != 0:
        raise CadenceError(
            f"the '{SERVER_USER}' OS user cannot reach {path}: pass --data-dir under a directory "
            f"it can traverse (e.g. /var/tmp/pgcadence) or set PGCADENCE_HOME"
        )


def _in_base(name: str, doc: str) -> property:
    return property(lambda self: self.base / name, doc=doc)


@dataclass
class Cluster:
    base: Path
    port: int = DEFAULT_PORT
    dbname: str = DEFAULT_DB

    pgdata = _in_base("pgdata", "the cluster's data directory")
    sockdir = _in_base("run", "the unix socket's directory")
    logfile = _in_base("postgres.log", "the server log")
    state_file = _in_base("cluster.json", "port, database and superuser password (mode 0600)")
    run_file = _in_base("run.json", "written by 'pgcadence run' while it serves this cluster: its pid and port")

    # -- state ---------------------------------------------------------------
    def _load_state(self) -> dict:
        if self.state_file.exists():
            return json.loads(self.state_file.read_text())
        return {}

    def _save_state(self, state: dict) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(state, f, indent=2)
        tmp.replace(self.state_file)

    def url(self, dbname: str | None = None) -> str:
        state = self._load_state()
        password = quote(state.get("password", ""), safe="")
        return f"postgresql://postgres:{password}@127.0.0.1:{state.get('port', self.port)}/{dbname or self.dbname}"

    # -- lifecycle -----------------------------------------------------------
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def server_pid(self) -> int | None:
        """The postmaster's pid while the server runs, else None."""
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, IndexError, ValueError):
            return None
        return pid if _alive(pid) else None

    def running(self) -> bool:
        return self.server_pid() is not None

    def running_port(self) -> int:
        return int(self._load_state().get("port", self.port))

    # -- who uses it ---------------------------------------------------------
    def record_runner(self, serve_port: int) -> None:
        """``pgcadence run`` announces itself (removed again by ``forget_runner``)."""
        tmp = self.run_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"pid": os.getpid(), "serve_port": serve_port}))
        tmp.replace(self.run_file)

    def forget_runner(self) -> None:
        try:
            if json.loads(self.run_file.read_text()).get("pid") == os.getpid():
                self.run_file.unlink()
        except (OSError, ValueError):
            pass

    def runner(self) -> dict | None:
        """{"pid", "serve_port"} of the ``pgcadence run`` serving this cluster, if it is alive."""
        try:
            info = json.loads(self.run_file.read_text())
            return info if _alive(int(info["pid"])) else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def summary(self) -> str | None:
        """Where it runs and who serves it, in words, while the server runs; else None."""
        pid = self.server_pid()
        if pid is None:
            return None
        text = f"running on 127.0.0.1:{self.running_port()} (PostgreSQL pid {pid})"
        runner = self.runner()
        if runner:
            text += f", served by 'pgcadence run' (pid {runner['pid']}) on http://127.0.0.1:{runner['serve_port']}"
        return text

    def init(self, progress=print) -> None:
        """initdb once; a second call on an initialised directory does nothing."""
        bindir = pg_bindir()
        _check_pg_cron(bindir)
        self.base.mkdir(parents=True, exist_ok=True)
        self.base.chmod(0o755)
        _check_traversable(self.base)
        if self.initialised():
            return
        progress(f"initdb {self.pgdata}")
        password = secrets.token_urlsafe(24)
        _own(self.pgdata, 0o700)
        pwfile = self.base / "pwfile.tmp"
        pwfile.unlink(missing_ok=True)
        create_private(pwfile, (password + "\n").encode(), _server_owner())
        try:
            _run(
                [str(bindir / "initdb"), "-D", str(self.pgdata), "-U", "postgres", "-E", "UTF8",
                 "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256",
                 f"--pwfile={pwfile}"],
                "initdb",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        conf = self.pgdata / "postgresql.conf"
        with conf.open("a") as f:
            f.write("\n# pgcadence settings are kept in their own file, rewritten by 'pgcadence up'\n")
            f.write("include_if_exists = 'pgcadence.conf'\n")
        self._save_state({"password": password, "port": self.port, "dbname": self.dbname})

    def _write_conf(self) -> None:
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.sockdir),
            "shared_preload_libraries": "pg_cron",
            "cron.database_name": self.dbname,
            "cron.use_background_workers": "on",
            "cron.max_running_jobs": "8",
            "max_worker_processes": "32",
            "max_connections": "200",
            "autovacuum_naptime": "10s",  # queue tables churn: vacuum dead claim-index entries soon
            "log_min_messages": "warning",
            "log_line_prefix": "%m [%p] %q%u@%d ",
        }
        text = "".join(f"{k} = '{v}'\n" for k, v in settings.items())
        path = self.pgdata / "pgcadence.conf"
        path.write_text("# written by pgcadence up; edits are overwritten\n" + text)
        if _is_root():
            pw = pwd.getpwnam(SERVER_USER)
            os.chown(path, pw.pw_uid, pw.pw_gid)

    def ensure_vault_key(self, progress=print) -> None:
        """The Vault key ring (pgdata/pgcadence_vault.keys, postgres-owned, 0600) the server reads."""
        if vault.ensure_key_file(self.pgdata, SERVER_USER if _is_root() else None):
            progress(f"created vault key file {self.pgdata / vault.KEY_FILE_NAME}")

    def start(self, progress=print) -> None:
        """Start the server unless it already runs; wait until it accepts connections."""
        self.ensure_vault_key(progress)
        state = self._load_state()
        if self.running():
            self.port = state.get("port", self.port)
            progress(f"cluster already running on port {self.port}")
            return
        if port_in_use(self.port):
            raise CadenceError(f"port {self.port} on 127.0.0.1 is in use by another program: "
                               "pass --port with a free port (or stop what listens there)")
        _own(self.sockdir, 0o700)
        self._write_conf()
        state.update({"port": self.port, "dbname": self.dbname})
        self._save_state(state)
        # the log can hold failed statements with their literals: 0600 from the start,
        # writable by the server user
        create_private(self.logfile, b"", _server_owner(), keep=True)
        progress(f"starting PostgreSQL on 127.0.0.1:{self.port} (log: {self.logfile})")
        try:
            _run([str(pg_bindir() / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.pgdata),
                  "-l", str(self.logfile)], "starting PostgreSQL")
        except CadenceError as exc:
            tail = self.logfile.read_text(errors="replace").strip().splitlines()[-1:] if self.logfile.exists() else []
            raise CadenceError(f"{exc}{(' — ' + tail[0]) if tail else ''}") from None
        self._ensure_database()

    def stop(self, progress=print) -> None:
        if not self.running():
            progress("cluster is not running")
            return
        progress("stopping PostgreSQL")
        _run([str(pg_bindir() / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.pgdata)], "stopping PostgreSQL")

    def _ensure_database(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=5) as conn:
                    exists = conn.execute("select 1 from pg_database where datname = %s", (self.dbname,)).fetchone()
                    if not exists:
                        conn.execute(f'create database "{self.dbname}"')
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def stopped_cluster(base: Path | None = None) -> Path | None:
    """The default place's cluster when it exists but is not running (else None)."""
    cluster = Cluster(base or default_base())
    return cluster.base if cluster.initialised() and not cluster.running() else None


def running_url(base: Path | None = None) -> str | None:
    """URL of the embedded cluster in the default place, if it is running."""
    cluster = Cluster(base or default_base())
    if cluster.state_file.exists() and cluster.running():
        state = cluster._load_state()
        cluster.port = state.get("port", cluster.port)
        cluster.dbname = state.get("dbname", cluster.dbname)
        return cluster.url()
    return None
