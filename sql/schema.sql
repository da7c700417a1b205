--
-- PostgreSQL database dump
--

--
-- Name: auth; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA auth;

--
-- Name: pg_cron; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_cron WITH SCHEMA public;

--
-- Name: EXTENSION pg_cron; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_cron IS 'Job scheduler for PostgreSQL';

--
-- Name: extensions; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA extensions;

--
-- Name: pgcadence; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA pgcadence;

--
-- Name: SCHEMA pgcadence; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON SCHEMA pgcadence IS 'pgcadence internals: bookkeeping and settings; not an API.';

--
-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;

--
-- Name: EXTENSION pgcrypto; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';

--
-- Name: email(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.email() RETURNS text
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.email', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
            )::text
        $$;

--
-- Name: FUNCTION email(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.email() IS 'Email claim of the current request, or NULL.';

--
-- Name: jwt(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.jwt() RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim', true), ''),
                nullif(current_setting('request.jwt.claims', true), '')
            )::jsonb
        $$;

--
-- Name: FUNCTION jwt(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.jwt() IS 'All JWT claims of the current request as jsonb, or NULL.';

--
-- Name: role(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.role() RETURNS text
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.role', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
            )::text
        $$;

--
-- Name: FUNCTION role(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.role() IS 'Role claim of the current request (anon, authenticated, service_role), or NULL.';

--
-- Name: uid(); Type: FUNCTION; Schema: auth; Owner: -
--

CREATE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$
            SELECT coalesce(
                nullif(current_setting('request.jwt.claim.sub', true), ''),
                (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
            )::uuid
        $$;

--
-- Name: FUNCTION uid(); Type: COMMENT; Schema: auth; Owner: -
--

COMMENT ON FUNCTION auth.uid() IS 'User id (sub claim) of the current request, or NULL.';

--
-- Name: cron_beat(); Type: FUNCTION; Schema: pgcadence; Owner: -
--

CREATE FUNCTION pgcadence.cron_beat() RETURNS void
    LANGUAGE sql
    SET search_path TO ''
    AS $$
    UPDATE pgcadence.cron_heartbeat SET beats = beats + 1, beat_at = pg_catalog.now();
$$;

--
-- Name: created_objects; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.created_objects (
    kind text NOT NULL,
    name text NOT NULL,
    CONSTRAINT created_objects_kind_check CHECK ((kind = ANY (ARRAY['role'::text, 'schema'::text, 'function'::text, 'extension'::text])))
);

--
-- Name: TABLE created_objects; Type: COMMENT; Schema: pgcadence; Owner: -
--

COMMENT ON TABLE pgcadence.created_objects IS 'Objects migration 0001 created because they were missing; its rollback drops only these.';

--
-- Name: cron_heartbeat; Type: TABLE; Schema: pgcadence; Owner: -
--

CREATE TABLE pgcadence.cron_heartbeat (
    id boolean DEFAULT true NOT NULL,
    beats bigint DEFAULT 0 NOT NULL,
    beat_at timestamp with time zone,
    CONSTRAINT cron_heartbeat_id_check CHECK (id)
);

--
-- Name: created_objects created_objects_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.created_objects
    ADD CONSTRAINT created_objects_pkey PRIMARY KEY (kind, name);

--
-- Name: cron_heartbeat cron_heartbeat_pkey; Type: CONSTRAINT; Schema: pgcadence; Owner: -
--

ALTER TABLE ONLY pgcadence.cron_heartbeat
    ADD CONSTRAINT cron_heartbeat_pkey PRIMARY KEY (id);

--
-- Name: SCHEMA auth; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA auth TO anon;
GRANT USAGE ON SCHEMA auth TO authenticated;
GRANT USAGE ON SCHEMA auth TO service_role;

--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA public TO anon;
GRANT USAGE ON SCHEMA public TO authenticated;
GRANT USAGE ON SCHEMA public TO service_role;

--
-- Name: SCHEMA extensions; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA extensions TO anon;
GRANT USAGE ON SCHEMA extensions TO authenticated;
GRANT USAGE ON SCHEMA extensions TO service_role;

--
-- Name: FUNCTION cron_beat(); Type: ACL; Schema: pgcadence; Owner: -
--

REVOKE ALL ON FUNCTION pgcadence.cron_beat() FROM PUBLIC;

--
-- PostgreSQL database dump complete
--
