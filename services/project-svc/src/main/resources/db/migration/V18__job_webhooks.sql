-- A job's push webhook: the id in its URL and its secret, sealed as job secrets are (SecretCipher); one per job, replaced
-- when rotated. The secret never leaves this table in the clear but in the answer that made it.
CREATE TABLE job_webhook (
    job_id      varchar(40)  PRIMARY KEY REFERENCES job (id) ON DELETE CASCADE,
    hook_id     varchar(64)  NOT NULL UNIQUE,
    key_id      varchar(40)  NOT NULL,
    nonce       bytea        NOT NULL,
    ciphertext  bytea        NOT NULL,
    created_at  timestamptz  NOT NULL
);
