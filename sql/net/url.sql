-- pg_net's URL building and argument checks, for the net shim. Applied only where the
-- real pg_net is not installed (condition net_shim in sql/manifest.toml).

-- ======================================================== functions: URL building
-- Percent-encode a string as curl_escape does (all but A-Z a-z 0-9 - . _ ~).
CREATE OR REPLACE FUNCTION net._urlencode_string(string character varying) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    raw bytea;
    b integer;
    encoded text := '';
BEGIN
    IF string::text ~ '^[A-Za-z0-9._~-]*$' THEN
        RETURN string;  -- nothing to encode
    END IF;
    raw := pg_catalog.convert_to(string, 'UTF8');
    FOR i IN 0 .. pg_catalog.octet_length(raw) - 1 LOOP
        b := pg_catalog.get_byte(raw, i);
        IF (b BETWEEN 48 AND 57) OR (b BETWEEN 65 AND 90) OR (b BETWEEN 97 AND 122) OR b IN (45, 46, 95, 126) THEN
            encoded := encoded || pg_catalog.chr(b);
        ELSE
            encoded := encoded || '%' || pg_catalog.upper(pg_catalog.lpad(pg_catalog.to_hex(b), 2, '0'));
        END IF;
    END LOOP;
    RETURN encoded;
END
$fn$;

-- Validate an http(s) URL the way pg_net (libcurl's URL parser) does and append
-- already-encoded 'k=v' params to its query string. Errors: 'invalid URL "…": <reason>'.
CREATE OR REPLACE FUNCTION net._encode_url_with_params_array(url text, params_array text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    m text[];
    scheme text;
    rest text;
    authority text;
    tail text;
    fragment text := '';
    port text;
    reason text;
BEGIN
    m := pg_catalog.regexp_match(url, '^([A-Za-z0-9][A-Za-z0-9+.-]*):(.*)$');
    IF m IS NULL THEN
        reason := 'Bad scheme';
    ELSIF pg_catalog.lower(m[1]) NOT IN ('http', 'https') THEN
        reason := 'Unsupported URL scheme';
    ELSIF url ~ '[\x01-\x20\x7f]' THEN
        reason := 'Malformed input to a URL function';
    ELSE
        scheme := pg_catalog.lower(m[1]);
        rest := m[2];
        m := pg_catalog.regexp_match(rest, '^(/{1,3})([^/?#]*)(.*)$');
        IF m IS NULL OR pg_catalog.length(rest) - pg_catalog.length(pg_catalog.ltrim(rest, '/')) > 3 THEN
            reason := 'Unsupported number of slashes following scheme';
        ELSE
            authority := m[2];
            tail := m[3];
            port := (pg_catalog.regexp_match(authority, ':([^:\]@]*)$'))[1];
            IF pg_catalog.regexp_replace(authority, '^[^@]*@', '') ~ '^(:|$)' THEN
                reason := 'No host part in the URL';
            ELSIF port IS NOT NULL AND port <> ''
                  AND (port !~ '^[0-9]{1,5}$' OR port::integer > 65535) THEN
                reason := 'Port number was not a decimal number between 0 and 65535';
            END IF;
        END IF;
    END IF;
    IF reason IS NOT NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('invalid URL "%s": %s', url, reason);
    END IF;

    -- normalise like curl: lower-case scheme, "//", a path of at least "/"
    IF pg_catalog.strpos(tail, '#') > 0 THEN
        fragment := pg_catalog.substr(tail, pg_catalog.strpos(tail, '#'));
        tail := pg_catalog.substr(tail, 1, pg_catalog.strpos(tail, '#') - 1);
    END IF;
    IF tail = '' OR pg_catalog.left(tail, 1) = '?' THEN
        tail := '/' || tail;
    END IF;
    IF pg_catalog.cardinality(params_array) > 0 THEN
        tail := pg_catalog.rtrim(tail, '?');
        tail := tail || CASE WHEN pg_catalog.strpos(tail, '?') > 0 THEN '&' ELSE '?' END
                     || pg_catalog.array_to_string(params_array, '&');
    END IF;
    RETURN scheme || '://' || authority || tail || fragment;
END
$fn$;

-- The params jsonb as the encoded 'k=v' list pg_net appends (jsonb key order).
CREATE OR REPLACE FUNCTION pgcadence.net_params_array(params jsonb) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF params IS NULL OR params = '{}'::jsonb THEN
        RETURN '{}'::text[];
    END IF;
    RETURN coalesce((SELECT pg_catalog.array_agg(net._urlencode_string(p.key) || '=' || net._urlencode_string(p.value))
                       FROM pg_catalog.jsonb_each_text(params) p), '{}'::text[]);
END
$fn$;

-- NULL url or timeout: the not-null violation pg_net gives (23502), raised before the
-- INSERT so that the error's DETAIL cannot echo the row (its headers may hold a key).
CREATE OR REPLACE FUNCTION pgcadence.net_require(url text, timeout_milliseconds integer) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF url IS NULL OR timeout_milliseconds IS NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'not_null_violation',
            MESSAGE = pg_catalog.format('null value in column "%s" of relation "http_request_queue" violates not-null constraint',
                                        CASE WHEN url IS NULL THEN 'url' ELSE 'timeout_milliseconds' END),
            SCHEMA = 'net', TABLE = 'http_request_queue',
            COLUMN = CASE WHEN url IS NULL THEN 'url' ELSE 'timeout_milliseconds' END;
    END IF;
END
$fn$;
