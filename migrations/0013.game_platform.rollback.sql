-- Undo 0013: the game platform tables (and their data). The functions and jobs
-- (sql/game_platform/) are dropped before this runs.
DROP TABLE pgcadence.game_platform_settings;
DROP TABLE public.game_platform_sync_state;
DROP TABLE public.game_platform_activity;
DROP TABLE public.competitors;
