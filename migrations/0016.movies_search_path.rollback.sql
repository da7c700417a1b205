-- Undo 0016: nothing to undo; the pinned search_path is what 0011 gives them too.
SELECT 1;
