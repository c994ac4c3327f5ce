-- SQLite's part of migration 7: the full-text index removes a deleted
-- row's terms from its pages instead of only marking them deleted (R21:
-- an erased person's words leave the search index's own tables too).
INSERT INTO search_fts (search_fts, rank) VALUES ('secure-delete', 1);
