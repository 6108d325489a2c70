-- The catalog (internal/catalog) keeps every recipe and connection compiled
-- in memory. A process sees its own writes at once; to see another
-- process's writes it reads one counter each second and, only when it
-- moved, the (id, version) list. The counter is kept by triggers, so no
-- write path can forget it.
ALTER TABLE connections ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE catalog_changes (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO catalog_changes (id, seq) VALUES (1, 0);

CREATE TRIGGER recipes_insert_changes AFTER INSERT ON recipes BEGIN UPDATE catalog_changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER recipes_update_changes AFTER UPDATE ON recipes BEGIN UPDATE catalog_changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER recipes_delete_changes AFTER DELETE ON recipes BEGIN UPDATE catalog_changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER connections_insert_changes AFTER INSERT ON connections BEGIN UPDATE catalog_changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER connections_update_changes AFTER UPDATE ON connections BEGIN UPDATE catalog_changes SET seq = seq + 1 WHERE id = 1; END;
CREATE TRIGGER connections_delete_changes AFTER DELETE ON connections BEGIN UPDATE catalog_changes SET seq = seq + 1 WHERE id = 1; END;
