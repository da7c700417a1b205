-- Delivering alert notifications: a Slack-compatible JSON body posted with net.http_post
-- to the webhook URL kept in Vault as alert_webhook_url. The request is queued in the
-- evaluating transaction, so it is sent only if that transaction commits, and exactly once.

-- The notification body: Slack's incoming-webhook format (text, plus an attachment with
-- one field per subject, at most 10), which Mattermost, Rocket.Chat, Discord's /slack
-- endpoint and most chat bridges accept as well.
CREATE OR REPLACE FUNCTION pgcadence.alert_message(rule_name text, kind text, params jsonb, status text,
                                                   subjects jsonb, since timestamptz)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_catalog.jsonb_build_object(
        'text', CASE WHEN status = 'firing'
                     THEN pg_catalog.format('[pgcadence] FIRING %s on %s: %s', rule_name, pg_catalog.current_database(),
                                            pgcadence.alert_describe(kind, params))
                     ELSE pg_catalog.format('[pgcadence] RESOLVED %s on %s: %s (held %s)', rule_name, pg_catalog.current_database(),
                                            pgcadence.alert_describe(kind, params),
                                            coalesce(pg_catalog.to_char(pg_catalog.date_trunc('second', pg_catalog.now() - since), 'HH24:MI:SS'), '?'))
                END,
        'attachments', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'color', CASE WHEN status = 'firing' THEN 'danger' ELSE 'good' END,
            'title', rule_name || ': ' || status,
            'fields', coalesce((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                           'title', s.value ->> 'subject', 'value', coalesce(s.value ->> 'detail', ''), 'short', false)
                                       ORDER BY s.ord)
                                  FROM pg_catalog.jsonb_array_elements(subjects) WITH ORDINALITY s(value, ord)
                                 WHERE s.ord <= 10), '[]'::jsonb)
                      || CASE WHEN pg_catalog.jsonb_array_length(subjects) > 10
                              THEN pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
                                       'title', '…', 'value', (pg_catalog.jsonb_array_length(subjects) - 10) || ' more', 'short', false))
                              ELSE '[]'::jsonb END,
            'footer', 'pgcadence alerts · ' || pg_catalog.current_database(),
            'ts', pg_catalog.floor(extract(epoch FROM pg_catalog.now()))::bigint)))
$$;
COMMENT ON FUNCTION pgcadence.alert_message(text, text, jsonb, text, jsonb, timestamptz) IS
    'The Slack-compatible body of an alert notification (text, attachments with one field per subject).';
REVOKE ALL ON FUNCTION pgcadence.alert_message(text, text, jsonb, text, jsonb, timestamptz) FROM PUBLIC, anon, authenticated;

-- Queue one notification. Returns how it went: delivery 'sent' with the net request id,
-- 'no_webhook' (no alert_webhook_url in Vault), or 'webhook_error' with the reason
-- (Vault unreadable, not an http(s) URL, net refused it). Never raises.
CREATE OR REPLACE FUNCTION pgcadence.alert_deliver(body jsonb, OUT delivery text, OUT request_id bigint, OUT error text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    url text;
BEGIN
    BEGIN
        SELECT s.decrypted_secret INTO url FROM vault.decrypted_secrets s
         WHERE s.name = 'alert_webhook_url' ORDER BY s.updated_at DESC LIMIT 1;
    EXCEPTION WHEN OTHERS THEN
        delivery := 'webhook_error';
        error := 'cannot read alert_webhook_url from Vault: ' || SQLERRM;
        RETURN;
    END;
    url := pg_catalog.btrim(url);
    IF url IS NULL OR url = '' THEN
        delivery := 'no_webhook';
        RETURN;
    END IF;
    IF url !~* '^https?://' THEN
        delivery := 'webhook_error';
        error := 'alert_webhook_url in Vault is not an http(s) URL';
        RETURN;
    END IF;
    BEGIN
        request_id := net.http_post(url := url, body := body,
                                    headers := '{"Content-Type": "application/json"}'::jsonb,
                                    timeout_milliseconds := 10000);
        delivery := 'sent';
    EXCEPTION WHEN OTHERS THEN
        delivery := 'webhook_error';
        -- not SQLERRM: it may quote the URL, and a webhook URL is a credential
        error := 'net.http_post refused alert_webhook_url (SQLSTATE ' || SQLSTATE || ')';
    END;
END
$$;
COMMENT ON FUNCTION pgcadence.alert_deliver(jsonb) IS
    'Queue an alert notification to Vault''s alert_webhook_url through net.http_post: (sent, request id) | no_webhook | (webhook_error, why).';
REVOKE ALL ON FUNCTION pgcadence.alert_deliver(jsonb) FROM PUBLIC, anon, authenticated;
