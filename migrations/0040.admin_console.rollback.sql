-- Undo 0040.admin_console: the console's sessions, links, settings and demo bookkeeping.
DROP TABLE IF EXISTS pgcadence.admin_demo_rows;
DROP TABLE IF EXISTS pgcadence.admin_sessions;
DROP TABLE IF EXISTS pgcadence.admin_login_links;
DROP TABLE IF EXISTS pgcadence.admin_settings;
