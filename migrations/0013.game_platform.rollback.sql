-- Undo 0013: the game platform tables (and their data) and functions.
DROP FUNCTION public.game_platform_store_totals(uuid, jsonb, timestamptz);
DROP FUNCTION public.game_platform_competitors_to_sweep(integer, uuid);
DROP FUNCTION public.game_platform_record_activity(jsonb, uuid, boolean);
DROP FUNCTION public.game_platform_sync_window(uuid);
DROP FUNCTION pgcadence.game_platform_scope(uuid);
DROP FUNCTION public.game_platform_configure(text, integer, integer, text);
DROP FUNCTION public.game_platform_config();
DROP TABLE pgcadence.game_platform_settings;
DROP TABLE public.game_platform_sync_state;
DROP TABLE public.game_platform_activity;
DROP TABLE public.competitors;
