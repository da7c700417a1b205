-- The mandates module's standing pg_cron jobs: session cleanup and daily cache warming.

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
  WHERE NOT pgcadence.skip_unconfigured('mandates', 'daily-cache-warming');
$cmd$);
