"""The package as a user installs it: build the wheel, install it into a fresh virtualenv
outside the checkout (dependencies from the package index), and run ``pgcadence migrate``
and ``pgcadence doctor`` from there against a fresh cluster."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.cluster import start_cluster
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def fresh_cluster():
    c = start_cluster()
    yield c
    c.stop()


def _run(cmd: list, cwd: Path, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def test_the_wheel_installs_and_runs_outside_the_checkout(tmp_path, fresh_cluster):
    _run([sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "--quiet", "-w", tmp_path / "dist"], cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("pgcadence-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "pgcadence/_data/migrations/0001.supabase_base.sql" in names
    assert "pgcadence/_data/sql/manifest.toml" in names and "pgcadence/cli/main.py" in names
    assert "pgcadence/queries.toml" in names
    assert not [n for n in names if n.startswith(("runner/", "tests/"))], "only the pgcadence package is installed"

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    _run([venv / "bin" / "pip", "install", "--quiet", wheel], cwd=tmp_path)

    work = tmp_path / "elsewhere"  # no checkout anywhere above it
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PG", "PYTHON", "VIRTUAL_ENV")) and k != "DATABASE_URL"}
    env.update(PGCADENCE_HOME=str(tmp_path / "home"), HOME=str(tmp_path))
    where = _run([venv / "bin" / "python", "-c",
                  "import pgcadence, pgcadence.resources as r; print(pgcadence.__file__); print(r.data_dir('sql'))"],
                 cwd=work, env=env).stdout.splitlines()
    assert all(line.startswith(str(venv)) for line in where), where  # not the checkout's copy

    url = fresh_cluster.url()
    r = _run([venv / "bin" / "pgcadence", "migrate", "--database", url], cwd=work, env=env)
    assert "applied in" in r.stdout
    r = _run([venv / "bin" / "pgcadence", "doctor", "--database", url], cwd=work, env=env)
    assert "PASS  migrations" in r.stdout and "PASS  SQL sources" in r.stdout and " 0 failed" in r.stdout
