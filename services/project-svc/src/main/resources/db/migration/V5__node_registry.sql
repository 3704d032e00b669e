-- Edge nodes as their operators registered them: the node's public key (Ed25519, X.509, base64) with which its agent
-- signs every call to the node gateway, the wallet that registered it, where its earnings go, where its apps are reached,
-- and whether an admin has it in service. project-svc announces each change (operator-events); scheduler-svc's gateway
-- authenticates nodes with it.
CREATE TABLE node_registration (
    id              varchar(63)  PRIMARY KEY,
    public_key      varchar(200) NOT NULL,
    operator        varchar(42)  NOT NULL,
    payout_address  varchar(42)  NOT NULL,
    address         varchar(255) NOT NULL,
    status          varchar(12)  NOT NULL,
    status_reason   text,
    registered_at   timestamptz  NOT NULL,
    updated_at      timestamptz  NOT NULL
);
-- One key, one node: a key registered twice would let one agent speak as two nodes.
CREATE UNIQUE INDEX node_registration_key ON node_registration (public_key);
CREATE INDEX node_registration_operator ON node_registration (operator);
