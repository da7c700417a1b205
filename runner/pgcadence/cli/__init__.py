"""The ``pgcadence`` command line (click): the root group and one module per area."""

from pgcadence.cli.main import cli, main

__all__ = ["cli", "main"]
