"""pgcadence runner: applies the migrations and is the HTTP side pg_net calls."""

__version__ = "0.1.0"
