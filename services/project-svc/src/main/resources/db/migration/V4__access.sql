-- Who may act for an owner (a wallet address) and with which permission bits: 1 create, 2 extend, 4 nodes, 8 redeem,
-- the same bits as the escrow contract's delegates.
CREATE TABLE delegate (
    owner        varchar(42)  NOT NULL,
    delegate     varchar(42)  NOT NULL,
    permissions  integer      NOT NULL CHECK (permissions BETWEEN 1 AND 15),
    updated_at   timestamptz  NOT NULL,
    PRIMARY KEY (owner, delegate)
);
CREATE INDEX delegate_of ON delegate (delegate);

-- API tokens for scripts and CI, each scoped to one project. Only the SHA-256 of the token is kept: the token itself is
-- shown once, when it is created.
CREATE TABLE api_token (
    id           varchar(40)  PRIMARY KEY,
    project_id   varchar(40)  NOT NULL REFERENCES project (id),
    name         varchar(100) NOT NULL,
    permissions  integer      NOT NULL CHECK (permissions BETWEEN 0 AND 15),
    token_hash   varchar(64)  NOT NULL UNIQUE,
    created_at   timestamptz  NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX api_token_project ON api_token (project_id);

-- The replay cache of signed requests: a (sender, nonce) pair is accepted once. Rows older than the nonce window are
-- useless (such a nonce is refused as expired anyway) and are purged.
CREATE TABLE request_nonce (
    sender       varchar(42)  NOT NULL,
    nonce_ms     bigint       NOT NULL,
    expires_at   timestamptz  NOT NULL,
    PRIMARY KEY (sender, nonce_ms)
);
CREATE INDEX request_nonce_expiry ON request_nonce (expires_at);
