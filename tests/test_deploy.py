"""The deployment recipes in deploy/ say what they mean: the systemd unit is one systemd
accepts, and every pgcadence command line in them (the unit's, its commented alternatives,
the container's) is one the CLI accepts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_cli

UNIT = ROOT / "deploy" / "pgcadence@.service"
CONTAINERFILE = ROOT / "deploy" / "Containerfile"


def _command_lines() -> list[list[str]]:
    """pgcadence argument lists of the unit's ExecStart lines (commented ones too) and of
    the container's ENTRYPOINT + CMD; ${VAR}s become a port number."""
    out = []
    for line in UNIT.read_text().splitlines():
        m = re.match(r"^#?\s*ExecStart=\S*/pgcadence (.+)$", line.strip())
        if m:
            out.append(re.sub(r"\$\{\w+\}", "54399", m.group(1)).split())
    text = CONTAINERFILE.read_text()
    entry = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M).group(1))
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    assert entry == ["pgcadence"]
    out.append(cmd)
    return out


def test_there_are_command_lines_to_check():
    verbs = {args[0] for args in _command_lines()}
    assert verbs == {"serve", "net-worker", "worker"}, verbs


@pytest.mark.parametrize("args", _command_lines(), ids=lambda a: " ".join(a))
def test_each_command_line_is_one_the_cli_accepts(args, db_url):
    """Run against a database that does not exist on a running server: every option is
    parsed and checked (a bad one is a usage error, exit 2) before the command stops at the
    database (exit 1). (A server that is down would not do: the worker waits for it.)"""
    r = run_cli(*args, env={"DATABASE_URL": db_url.rsplit("/", 1)[0] + "/nowhere"})
    assert r.returncode == 1 and "Usage:" not in r.stderr, r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("pgcadence: error:"), r.stderr


def test_the_systemd_unit_verifies(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed here")
    unit = tmp_path / UNIT.name
    # the unit names /opt/pgcadence; verify it against this checkout's executable instead
    unit.write_text(UNIT.read_text().replace("/opt/pgcadence/bin/pgcadence", str(ROOT / ".venv" / "bin" / "pgcadence")
                                             if (ROOT / ".venv" / "bin" / "pgcadence").exists()
                                             else shutil.which("pgcadence") or sys.executable))
    r = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "pgcadence@a.service")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "Unknown" not in r.stderr, r.stderr
