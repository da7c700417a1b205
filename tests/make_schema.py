"""``make schema``: migrate a throwaway cluster and write tests/fixtures/schema.sql from it."""

from pgcadence import migrate, schema_dump
from tests.cluster import start_cluster


def main() -> None:
    cluster = start_cluster()
    try:
        migrate.apply(cluster.url(), progress=lambda m: None)
        schema_dump.SNAPSHOT.write_text(schema_dump.dump(cluster.url()))
        print(f"wrote {schema_dump.SNAPSHOT}")
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
