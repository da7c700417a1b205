"""Per-function settings from a Supabase ``config.toml`` (only what the executor uses).

    [functions.cleanup-sessions]
    verify_jwt = false

Other keys and sections of a Supabase file are ignored, so an existing file works as is.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pgcadence.errors import CadenceError

DEFAULT_PATH = Path("supabase/config.toml")


@dataclass
class FunctionSettings:
    verify_jwt: bool | None = None
    enabled: bool = True


@dataclass
class ExecutorConfig:
    path: Path | None = None
    functions: dict[str, FunctionSettings] = field(default_factory=dict)

    def for_function(self, name: str) -> FunctionSettings:
        return self.functions.get(name, FunctionSettings())


def load(path: Path | str | None) -> ExecutorConfig:
    """Read ``path``; ``None`` means ./supabase/config.toml if it exists, else nothing."""
    if path is None:
        if not DEFAULT_PATH.is_file():
            return ExecutorConfig()
        path = DEFAULT_PATH
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise CadenceError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise CadenceError(f"config file {path} is not valid TOML: {exc}") from None
    functions = data.get("functions", {})
    if not isinstance(functions, dict):
        raise CadenceError(f"{path}: [functions] must be a table")
    out: dict[str, FunctionSettings] = {}
    for name, section in functions.items():
        if not isinstance(section, dict):
            continue
        settings = FunctionSettings()
        if "verify_jwt" in section:
            if not isinstance(section["verify_jwt"], bool):
                raise CadenceError(f"{path}: functions.{name}.verify_jwt must be true or false")
            settings.verify_jwt = section["verify_jwt"]
        if "enabled" in section:
            if not isinstance(section["enabled"], bool):
                raise CadenceError(f"{path}: functions.{name}.enabled must be true or false")
            settings.enabled = section["enabled"]
        out[name] = settings
    return ExecutorConfig(path=path, functions=out)
