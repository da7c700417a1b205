-- Evaluating the alert rules (the pgcadence_alerts_evaluate job, every minute).
--
-- Per rule: one "firing" notification when its condition starts (or new subjects join
-- it), one "resolved" when it ends, never more than one "firing" per repeat_interval
-- (1 hour) while it holds; nothing while silenced. Every decision is taken here, under
-- a row lock on the rules, and the webhook request is queued in the same transaction:
-- two evaluations, or two replicas calling this at once, send each notification once.

-- Record one line of alert history.
CREATE OR REPLACE FUNCTION pgcadence.alert_record(rule_name text, status text, delivery text, subjects jsonb,
                                                  summary text, request_id bigint, error text)
RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO public.alert_events (rule, status, delivery, subjects, summary, request_id, error)
    VALUES (rule_name, status, delivery, subjects, summary, request_id, error)
$$;
REVOKE ALL ON FUNCTION pgcadence.alert_record(text, text, text, jsonb, text, bigint, text) FROM PUBLIC, anon, authenticated;

-- Evaluate every rule once; one row per rule saying what happened.
CREATE OR REPLACE FUNCTION pgcadence.alerts_evaluate()
RETURNS TABLE (rule_name text, is_firing boolean, subject_count integer, action text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r public.alert_rules;
    p jsonb;
    hits jsonb;
    keys text[];
    held boolean;
    silenced boolean;
    announce boolean;
    why text;
    msg jsonb;
    del text;      -- delivery of the notification queued by this evaluation (NULL: none)
    req bigint;
    err text;
    failure text;
BEGIN
    -- One evaluation at a time: a concurrent caller waits here, then reads the state the
    -- first one committed (each statement below takes a fresh snapshot).
    PERFORM 1 FROM public.alert_rules a FOR UPDATE;

    FOR r IN SELECT * FROM public.alert_rules a ORDER BY a.name LOOP
        rule_name := r.name;
        action := NULL;
        silenced := coalesce(r.silenced_until > pg_catalog.now(), false);

        -- a disabled rule stops holding; who heard "firing" hears "resolved"
        IF NOT r.enabled THEN
            IF r.firing OR r.notified = 'firing' THEN
                del := NULL; req := NULL; err := NULL;
                IF r.notified = 'firing' AND NOT silenced THEN
                    SELECT x.delivery, x.request_id, x.error INTO del, req, err
                      FROM pgcadence.alert_deliver(pgcadence.alert_message(r.name, r.kind, r.params, 'resolved', r.subjects, r.since)) x;
                END IF;
                action := 'resolved: ' || coalesce(del, 'not_announced');
                PERFORM pgcadence.alert_record(r.name, 'resolved', coalesce(del, 'not_announced'), r.subjects,
                                               'rule disabled', req, err);
                UPDATE public.alert_rules a
                   SET firing = false, since = NULL, subjects = '[]', evaluated_at = pg_catalog.now(), eval_error = NULL,
                       notified = CASE WHEN del = 'sent' THEN 'resolved' ELSE a.notified END,
                       notified_subjects = CASE WHEN del = 'sent' THEN '{}' ELSE a.notified_subjects END,
                       last_notified_at = CASE WHEN del = 'sent' THEN pg_catalog.now() ELSE a.last_notified_at END
                 WHERE a.name = r.name;
            END IF;
            is_firing := false; subject_count := 0;
            RETURN NEXT;
            CONTINUE;
        END IF;

        -- the check; a failing one is recorded on its rule and does not stop the others
        BEGIN
            p := pgcadence.alert_params(r.kind, r.params);
            hits := pgcadence.alert_check(r.kind, p);
            failure := NULL;
        EXCEPTION WHEN OTHERS THEN
            failure := SQLERRM;
        END;
        IF failure IS NOT NULL THEN
            UPDATE public.alert_rules a SET evaluated_at = pg_catalog.now(), eval_error = pg_catalog.left(failure, 1000)
             WHERE a.name = r.name;
            is_firing := r.firing; subject_count := pg_catalog.jsonb_array_length(r.subjects);
            action := 'error: ' || failure;
            RETURN NEXT;
            CONTINUE;
        END IF;

        keys := ARRAY(SELECT e ->> 'subject' FROM pg_catalog.jsonb_array_elements(hits) e);
        held := pg_catalog.cardinality(keys) > 0;
        del := NULL; req := NULL; err := NULL;

        IF held THEN
            -- announce: not yet told it fires, or subjects joined since the last "firing"
            announce := r.notified IS DISTINCT FROM 'firing' OR NOT keys <@ r.notified_subjects;
            IF announce THEN
                why := CASE WHEN silenced THEN 'silenced'
                            WHEN r.last_firing_at > pg_catalog.now() - r.repeat_interval THEN 'rate_limited' END;
                IF why IS NULL THEN
                    msg := pgcadence.alert_message(r.name, r.kind, p, 'firing', hits,
                                                   CASE WHEN r.firing THEN r.since ELSE pg_catalog.now() END);
                    SELECT x.delivery, x.request_id, x.error INTO del, req, err FROM pgcadence.alert_deliver(msg) x;
                    why := del;
                END IF;
                action := 'firing: ' || why;
                -- history: every send, and every start or growth of the condition left unannounced
                IF why = 'sent' OR NOT r.firing
                   OR NOT keys <@ ARRAY(SELECT e ->> 'subject' FROM pg_catalog.jsonb_array_elements(r.subjects) e) THEN
                    PERFORM pgcadence.alert_record(r.name, 'firing', why, hits, pgcadence.alert_describe(r.kind, p), req, err);
                END IF;
            END IF;
            UPDATE public.alert_rules a
               SET firing = true, since = CASE WHEN a.firing THEN a.since ELSE pg_catalog.now() END,
                   subjects = hits, evaluated_at = pg_catalog.now(), eval_error = NULL,
                   notified = CASE WHEN del = 'sent' THEN 'firing' ELSE a.notified END,
                   -- subjects that stopped holding are forgotten, so their return is announced
                   notified_subjects = CASE WHEN del = 'sent' THEN keys
                                            ELSE ARRAY(SELECT k FROM pg_catalog.unnest(a.notified_subjects) k WHERE k = ANY (keys)) END,
                   last_firing_at = CASE WHEN del = 'sent' THEN pg_catalog.now() ELSE a.last_firing_at END,
                   last_notified_at = CASE WHEN del = 'sent' THEN pg_catalog.now() ELSE a.last_notified_at END
             WHERE a.name = r.name;
        ELSE
            IF r.notified = 'firing' THEN
                IF silenced THEN
                    why := 'silenced';
                ELSE
                    SELECT x.delivery, x.request_id, x.error INTO del, req, err
                      FROM pgcadence.alert_deliver(pgcadence.alert_message(r.name, r.kind, p, 'resolved', r.subjects, r.since)) x;
                    why := del;
                END IF;
            ELSE
                why := 'not_announced';
            END IF;
            IF r.firing OR del = 'sent' THEN
                action := 'resolved: ' || why;
                PERFORM pgcadence.alert_record(r.name, 'resolved', why, r.subjects, pgcadence.alert_describe(r.kind, p), req, err);
            END IF;
            UPDATE public.alert_rules a
               SET firing = false, since = NULL, subjects = '[]', evaluated_at = pg_catalog.now(), eval_error = NULL,
                   notified = CASE WHEN del = 'sent' THEN 'resolved' ELSE a.notified END,
                   notified_subjects = CASE WHEN del = 'sent' THEN '{}' ELSE a.notified_subjects END,
                   last_notified_at = CASE WHEN del = 'sent' THEN pg_catalog.now() ELSE a.last_notified_at END
             WHERE a.name = r.name;
        END IF;
        is_firing := held; subject_count := pg_catalog.cardinality(keys);
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION pgcadence.alerts_evaluate() IS
    'Evaluate every alert rule once: update its state, queue "firing"/"resolved" notifications to the webhook (deduplicated, rate limited), record history. Run every minute by pg_cron.';
REVOKE ALL ON FUNCTION pgcadence.alerts_evaluate() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION pgcadence.alerts_evaluate() TO service_role;
