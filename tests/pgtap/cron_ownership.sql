-- Admins see and change only the cron jobs created through the admin functions in this
-- database (docs/security.md, "Cron jobs"): pgcadence's standing jobs are visible but
-- read-only with their command hidden; the DBA's own jobs and other databases' jobs are
-- not shown, not changed, and their history is not deleted.
SELECT plan(16);
GRANT USAGE ON SCHEMA tap TO anon, authenticated, service_role;
GRANT ALL ON __tcache__ TO anon, authenticated, service_role;
GRANT ALL ON SEQUENCE __tcache___id_seq, __tresults___numb_seq TO anon, authenticated, service_role;

INSERT INTO public.profiles (id, role) VALUES ('00000000-0000-0000-0000-0000000000b1', 'admin');
SELECT public.register_job_handler('ownership_echo', 'pgTAP test handler');

-- the DBA's own job with a secret in its command, and a job of another database
SELECT cron.schedule('dba_private_job', '0 5 * * *', $$SELECT 'Bearer sk_live_secret'$$);
INSERT INTO cron.job (schedule, command, nodename, nodeport, database, username, jobname)
VALUES ('0 0 1 1 *', 'SELECT 2', 'localhost', 5432, 'some_other_db', current_user, 'other_db_job');
INSERT INTO cron.job_run_details (jobid, runid, database, username, status, return_message, start_time, end_time)
SELECT j.jobid, nextval('cron.runid_seq'), j.database, j.username, 'succeeded', 'old', now() - interval '30 days', now() - interval '30 days'
  FROM cron.job j WHERE j.jobname IN ('dba_private_job', 'other_db_job', 'pgcadence_heartbeat');

SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub": "00000000-0000-0000-0000-0000000000b1", "role": "authenticated"}';
SELECT ok(public.create_cron_job('owned_by_admins', '0 4 * * *', 'ownership_echo') > 0, 'an admin creates a job');
SELECT results_eq($q$SELECT managed_by, command IS NOT NULL FROM public.get_cron_jobs() WHERE jobname = 'owned_by_admins'$q$,
                  $q$VALUES ('admin'::text, true)$q$, 'get_cron_jobs: the admins'' job, with its command');
SELECT results_eq($q$SELECT managed_by, command FROM public.get_cron_jobs() WHERE jobname = 'pgcadence_heartbeat'$q$,
                  $q$VALUES ('pgcadence'::text, NULL::text)$q$, 'a standing job is shown read-only, without its command');
SELECT is((SELECT count(*) FROM public.get_cron_jobs() WHERE jobname IN ('dba_private_job', 'other_db_job')), 0::bigint,
          'the DBA''s job and another database''s job are not shown');
SELECT is((SELECT count(*) FROM public.get_cron_jobs() WHERE command LIKE '%sk_live_secret%'), 0::bigint, 'no other job''s command leaks');
SELECT is((SELECT count(*) FROM public.get_cron_job_runs(1000) WHERE jobname IN ('dba_private_job', 'other_db_job')), 0::bigint,
          'get_cron_job_runs shows none of their runs');
SELECT throws_ok($q$SELECT * FROM public.get_cron_job_runs(10, 'dba_private_job')$q$, 'P0002', 'no cron job named "dba_private_job"',
                 'nor the runs of one of them by name');
SELECT throws_ok($q$SELECT public.toggle_cron_job('dba_private_job', false)$q$, 'P0002', 'no cron job named "dba_private_job"',
                 'toggle_cron_job: the DBA''s job is unknown to admins');
SELECT throws_ok($q$SELECT public.delete_cron_job('other_db_job')$q$, 'P0002', 'no cron job named "other_db_job"',
                 'delete_cron_job: another database''s job is unknown to admins');
SELECT throws_ok($q$SELECT public.update_cron_schedule('dba_private_job', '0 6 * * *')$q$, 'P0002', NULL,
                 'update_cron_schedule: refused');
SELECT throws_ok($q$SELECT * FROM public.run_cron_job_now('dba_private_job')$q$, 'P0002', NULL, 'run_cron_job_now: refused');
SELECT throws_ok($q$SELECT public.toggle_cron_job('game_platform_sync_incremental', false)$q$, '42501', NULL,
                 'a standing job cannot be toggled by an admin');
SELECT is(public.toggle_cron_job('owned_by_admins', false), false, 'the admins'' own job can be toggled');
SELECT ok(public.cron_history_cleanup('1 day') >= 0, 'an admin runs the history cleanup');
RESET ROLE;
SELECT is((SELECT count(*) FROM cron.job_run_details d JOIN cron.job j ON j.jobid = d.jobid
            WHERE j.jobname IN ('dba_private_job', 'other_db_job') AND d.return_message = 'old'), 2::bigint,
          'it kept the history of the DBA''s job and of the other database');
SELECT results_eq($q$SELECT active, schedule, command FROM cron.job WHERE jobname = 'dba_private_job'$q$,
                  $q$VALUES (true, '0 5 * * *'::text, $c$SELECT 'Bearer sk_live_secret'$c$::text)$q$,
                  'the DBA''s job is unchanged');

SELECT * FROM finish();
