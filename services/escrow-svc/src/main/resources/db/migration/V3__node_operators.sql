-- Where each node's earnings go: the payout address its operator registered (NodeRegistered, from project-svc).
CREATE TABLE node_operator (
    node_id         varchar(63)  PRIMARY KEY,
    payout_address  varchar(42)  NOT NULL,
    operator        varchar(42)  NOT NULL,
    updated_at      timestamptz  NOT NULL
);
