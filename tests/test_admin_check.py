"""The admin check trusts profiles.role only while no API role can write it: a common
Supabase policy lets users update their own profile, and then any user could make
themselves an admin of pgcadence's cron jobs, queue and audit."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from pgcadence import migrate
from pgcadence.errors import CadenceError

ADMIN = str(uuid.uuid4())
USER = str(uuid.uuid4())


def _is_admin(conn, sub: str) -> bool:
    with conn.transaction():
        conn.execute("set local role authenticated")
        conn.execute("select set_config('request.jwt.claims', %s, true)", (f'{{"sub": "{sub}", "role": "authenticated"}}',))
        return conn.execute("select public.is_admin_user()").fetchone()[0]


@pytest.fixture
def profiles(migrated_url):
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("insert into public.profiles (id, role) values (%s, 'admin'), (%s, 'user')", (ADMIN, USER))
    yield migrated_url
    with psycopg.connect(migrated_url, autocommit=True) as c:
        c.execute("revoke update, insert on public.profiles from authenticated")
        c.execute("drop policy if exists profiles_update_own on public.profiles")
        c.execute("delete from public.profiles where id in (%s, %s)", (ADMIN, USER))


def test_a_writable_role_column_makes_nobody_admin_and_migrate_refuses(profiles):
    url = profiles
    with psycopg.connect(url, autocommit=True) as c:
        assert _is_admin(c, ADMIN) and not _is_admin(c, USER)
        # the common policy: "users can update their own profile"
        c.execute("grant update on public.profiles to authenticated")
        c.execute("create policy profiles_update_own on public.profiles for update to authenticated "
                  "using (id = (select auth.uid())) with check (id = (select auth.uid()))")
        with c.transaction():
            c.execute("set local role authenticated")
            c.execute("select set_config('request.jwt.claims', %s, true)", (f'{{"sub": "{USER}", "role": "authenticated"}}',))
            assert c.execute("update public.profiles set role = 'admin' where id = %s", (USER,)).rowcount == 1
        # the self-promoted user is no admin, and neither is anyone else while the hole is open
        assert not _is_admin(c, USER) and not _is_admin(c, ADMIN)
        assert c.execute("select pgcadence.profiles_role_writers()").fetchone()[0] == ["authenticated"]
    with pytest.raises(CadenceError, match="public.profiles.role is writable by authenticated"):
        migrate.apply(url, progress=lambda m: None)
    with psycopg.connect(url, autocommit=True) as c:
        c.execute("update public.profiles set role = 'user' where id = %s", (USER,))
        # only the other columns stay writable: the check is satisfied again
        c.execute("revoke update on public.profiles from authenticated")
        c.execute("grant update (updated_at) on public.profiles to authenticated")
        assert c.execute("select pgcadence.profiles_role_writers()").fetchone()[0] == []
        assert _is_admin(c, ADMIN) and not _is_admin(c, USER)
        c.execute("revoke update (updated_at) on public.profiles from authenticated")
    migrate.apply(url, progress=lambda m: None)
