-- Sign-in sessions: a wallet signs one request and gets a bearer token that acts as that wallet until it expires or is
-- ended, so a browser console need not ask the wallet for a signature on every request. Only its SHA-256 is stored.
CREATE TABLE wallet_session (
    id          varchar(40)  PRIMARY KEY,
    address     varchar(42)  NOT NULL,
    token_hash  varchar(64)  NOT NULL UNIQUE,
    created_at  timestamptz  NOT NULL,
    expires_at  timestamptz  NOT NULL
);
CREATE INDEX wallet_session_address ON wallet_session (address);
