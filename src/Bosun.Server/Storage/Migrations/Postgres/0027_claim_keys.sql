-- The runs each claim took, by the claim's Idempotency-Key, for an hour: a claim sent again after its answer was lost
-- gets the runs the first one took, rather than taking others and leaving those with a worker that never heard of them.
CREATE TABLE claim_keys (
    id TEXT PRIMARY KEY,
    claimant TEXT NOT NULL,
    run_ids TEXT NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX ix_claim_keys_created ON claim_keys (created);
