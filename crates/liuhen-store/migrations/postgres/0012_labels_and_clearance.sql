-- Labels on documents (密级 / 敏感标识), the case's by default, and a clearance
-- per user (NULL: the role's default, decided by the service).
ALTER TABLE documents ADD COLUMN label TEXT NOT NULL DEFAULT 'internal'
    CHECK (label IN ('public', 'internal', 'personal_privacy', 'trade_secret'));
UPDATE documents SET label = (SELECT c.label FROM cases c WHERE c.id = documents.case_id)
    WHERE EXISTS (SELECT 1 FROM cases c WHERE c.id = documents.case_id);
ALTER TABLE users ADD COLUMN clearance TEXT
    CHECK (clearance IS NULL OR clearance IN ('public', 'internal', 'personal_privacy', 'trade_secret'));
