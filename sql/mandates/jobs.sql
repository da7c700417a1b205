-- The module's standing pg_cron jobs: session cleanup, daily cache warming (or, when
-- configure_cache_warming() turned it on, one staggered job per target), and the renewal
-- of the system mandate before it expires.

-- purge_mandate_audit, reseal_credential: owner only (no grant)

-- URL and key are read from Vault when the job runs: nothing secret in cron.job.command.
SELECT cron.schedule('cleanup-expired-sessions', '0 2 * * *', $cmd$
  SELECT net.http_post(
    url := public.get_supabase_url() || '/functions/v1/cleanup-sessions',
    headers := '{"Content-Type": "application/json"}'::jsonb
  ) AS request_id;
$cmd$);

SELECT cron.schedule('daily-cache-warming', '0 2 * * *', $cmd$
  SELECT net.http_post(
    url := public.get_supabase_url() || '/functions/v1/warm-cache-authenticated',
    headers := jsonb_build_object('Content-Type', 'application/json',
                                  'Authorization', 'Bearer ' || public.get_service_role_key()),
    body := '{}'::jsonb,
    timeout_milliseconds := 300000
  ) AS request_id
  WHERE CASE WHEN pgcadence.cache_warm_per_target() THEN false  -- the per-target jobs warm instead
             ELSE NOT pgcadence.skip_unconfigured('mandates', 'daily-cache-warming') END;
$cmd$);

-- Hourly: settle the last renewal request, and ask the executor to renew SYSTEM_MANDATE_JWS
-- when less than renew_before (48 h) remains (nothing to do while no mandate is stored).
SELECT cron.schedule('system-mandate-renewal', '23 * * * *', $cmd$
  SELECT public.call_mandate_renewal();
$cmd$);

-- The per-target warming jobs (none unless configure_cache_warming(true)): scheduled here
-- too, so that they stay recorded as this file's jobs.
SELECT pgcadence.sync_cache_warm_jobs();
