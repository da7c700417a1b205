-- The provider's tools (scp.*) as the executor calls them, and what a user is told when
-- one fails (docs/requirements.md, "Audit trail and sessions"). The runner sends the
-- calls; these functions decide which tool a name means, what it needs, and which
-- friendly error a failure becomes. The technical detail stays in logs and audit rows.

-- One tool by its MCP name (scp.search_providers) or the orchestrator's internal name (search_provider).
CREATE OR REPLACE FUNCTION public.mcp_tool(p_name text)
RETURNS TABLE (tool text, internal_name text, read_only boolean, needs_login boolean, scopes text[])
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT t.tool, t.internal_name, t.read_only, t.needs_login, t.scopes
      FROM public.mcp_tools t
     WHERE t.tool = p_name OR t.internal_name = p_name
$$;
COMMENT ON FUNCTION public.mcp_tool(text) IS
    'A provider tool by MCP or internal name: read_only (may be retried after it was sent, may fall back to '
    'the mock), needs_login (gets the session''s credential), the mandate scopes it needs.';
REVOKE ALL ON FUNCTION public.mcp_tool(text) FROM PUBLIC, anon, authenticated;

-- The friendly error for a failure of p_tool. p_kind: timeout, network, http_5xx, http_4xx,
-- tool_error, session_expired, not_signed_in; p_sent: the server may have received the call.
CREATE OR REPLACE FUNCTION public.mcp_friendly_error(p_tool text, p_kind text, p_sent boolean DEFAULT true)
RETURNS TABLE (code text, message text, retryable boolean, action text, http_status integer)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH t AS (SELECT coalesce((SELECT x.read_only FROM public.mcp_tool(p_tool) x), true) AS read_only,
                      coalesce((SELECT x.tool FROM public.mcp_tool(p_tool) x), p_tool) AS tool),
    c AS (
        SELECT CASE
            WHEN p_kind IN ('session_expired', 'not_signed_in') THEN p_kind
            -- a registration that may have reached the provider is never "try again"
            WHEN NOT t.read_only AND p_sent AND p_kind IN ('timeout', 'network', 'http_5xx')
                THEN 'registration_unconfirmed'
            WHEN p_kind = 'timeout' THEN 'timeout'
            WHEN t.tool = 'scp.search_providers' AND p_kind IN ('network', 'http_5xx', 'tool_error')
                THEN 'search_unavailable'
            WHEN p_kind = 'network' THEN 'network_error'
            WHEN p_kind = 'http_5xx' THEN 'provider_unavailable'
            WHEN p_kind = 'http_4xx' THEN 'provider_refused'
            ELSE 'provider_error'
        END AS code
        FROM t
    )
    SELECT m.code, m.message, m.retryable, m.action, m.http_status
      FROM c JOIN public.mcp_error_messages m ON m.code = c.code
$$;
COMMENT ON FUNCTION public.mcp_friendly_error(text, text, boolean) IS
    'What a user is told when a tool call fails: code, message (public.mcp_error_messages), retryable, '
    'the action to offer (retry, login, check_status, contact_support) and the HTTP status.';
REVOKE ALL ON FUNCTION public.mcp_friendly_error(text, text, boolean) FROM PUBLIC, anon, authenticated;

GRANT EXECUTE ON FUNCTION public.mcp_tool(text), public.mcp_friendly_error(text, text, boolean)
    TO authenticated, service_role;
