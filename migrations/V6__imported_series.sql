-- invoicer schema v6: series of imported documents. An archive migrated from another system
-- keeps its numbers: those documents go into a series marked external, which never gives a
-- number itself (no counter), so the gapless check leaves it out and no draft can use it.
ALTER TABLE series ADD COLUMN external INTEGER NOT NULL DEFAULT 0 CHECK (external IN (0, 1));
