-- R11: each user's signed confidentiality commitment (salassapitositoumus).
-- Until one is recorded, the user sees no personal data.
CREATE TABLE confidentiality_commitments (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    signed_on TEXT NOT NULL,
    document_version TEXT NOT NULL,
    recorded_by TEXT REFERENCES users (id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX confidentiality_commitments_by_user ON confidentiality_commitments (user_id, signed_on);
