-- Job secrets (git tokens, secret env values, tunnel tokens), AES-GCM encrypted; see SecretCipher. The plaintext is
-- never stored, logged or put in an event; agents read it back for the jobs placed on them.
CREATE TABLE job_secret (
    job_id      varchar(40)  NOT NULL REFERENCES job (id),
    name        varchar(200) NOT NULL,
    key_id      varchar(40)  NOT NULL,
    nonce       bytea        NOT NULL,
    ciphertext  bytea        NOT NULL,
    created_at  timestamptz  NOT NULL,
    PRIMARY KEY (job_id, name)
);
CREATE INDEX job_secret_key ON job_secret (key_id);
