-- The cron module's internal functions are for the owner and the definer functions only.

REVOKE ALL ON FUNCTION pgcadence.cron_unschedule(text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_schedule_task(text, text, text, jsonb, integer, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_enqueue_command(text, jsonb, integer) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_schedule(text, text, text, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_find_job(text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_check_name(text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_caller() FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_require_admin(text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_next_run_safe(text, text, timestamptz) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_describe_safe(text, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_describe_spec(pgcadence.cron_spec) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_en_list(text[]) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_next_run(text, text, timestamptz) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_if_local(text, text, text, timestamptz) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_local_due(text, text, timestamptz) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_local_due_spec(pgcadence.cron_spec, text, timestamptz) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_utc_schedule(text, text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_zone_offsets(text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_render_field(integer[], integer, integer) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_timezone(text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_tz(text) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_parse(text, boolean) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_next_naive(pgcadence.cron_spec, timestamp) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_matches(pgcadence.cron_spec, timestamp) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_day_matches(pgcadence.cron_spec, timestamp) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION pgcadence.cron_field(text, text, integer, integer, text[], integer) FROM PUBLIC, anon, authenticated;
