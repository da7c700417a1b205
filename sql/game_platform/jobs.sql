-- The standing Game Platform jobs: every 30 minutes an incremental sync, every
-- hour the totals sweep, both as job_queue tasks. Their task types are registered
-- here because the jobs enqueue them; the runner refreshes the list on start.

INSERT INTO public.job_handlers (task_type, description, registered_by) VALUES
    ('game_platform_sync', 'Game Platform incremental sync', 'migration'),
    ('game_platform_totals_sweep', 'Refresh totals of competitors flagged needs_totals_refresh', 'migration')
ON CONFLICT (task_type) DO NOTHING;

SELECT pgcadence.cron_schedule_task('game_platform_sync_incremental', '*/30 * * * *', 'game_platform_sync',
                                    '{"incremental": true}', 3, NULL);
SELECT pgcadence.cron_schedule_task('game_platform_totals_sweep_hourly', '0 * * * *', 'game_platform_totals_sweep',
                                    '{}', 3, NULL);
