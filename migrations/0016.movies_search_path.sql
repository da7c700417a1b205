-- The two functions behind movies.stale_at are part of the table's definition (0011);
-- pin their search_path with pg_temp last, like every other function of pgcadence, in
-- databases that applied 0011 before it did so itself (an empty search_path still
-- searches the session's temporary schema first).
ALTER FUNCTION public.movie_refresh_interval(date, double precision, date)
    SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION public.movie_stale_at(date, double precision, timestamptz, timestamptz)
    SET search_path = pg_catalog, pg_temp;
