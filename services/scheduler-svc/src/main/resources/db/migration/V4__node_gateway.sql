-- Who may speak for a node at the node gateway: registered by its operator through project-svc (NodeRegistered), put
-- out of service by an admin (NodeStatusChanged). A node with no row here is refused at the gateway.
CREATE TABLE node_identity (
    node_id         varchar(63)  PRIMARY KEY,
    public_key      varchar(200) NOT NULL,
    operator        varchar(42)  NOT NULL,
    payout_address  varchar(42)  NOT NULL,
    address         varchar(255) NOT NULL,
    status          varchar(12)  NOT NULL,
    status_reason   text,
    updated_at      timestamptz  NOT NULL
);

-- What each node is to run (RUN) or to stop (STOP, until the node confirms it), as Nomad's allocations: agents pull
-- them through the gateway and make their node match. modify_index grows with every change, so an agent asks "anything
-- newer than N?" and waits; stop_announced says JobStopped went out for a STOP (by the node, or for a lost node by the
-- scheduler); node_confirmed says the node itself confirmed it, until when the node keeps seeing the STOP.
CREATE SEQUENCE allocation_index;
CREATE TABLE allocation (
    job_id          varchar(40)  NOT NULL,
    node_id         varchar(63)  NOT NULL,
    desired         varchar(4)   NOT NULL,
    placement       bigint       NOT NULL,
    spec            text         NOT NULL,
    reason          text         NOT NULL,
    modify_index    bigint       NOT NULL,
    stop_announced  boolean      NOT NULL DEFAULT false,
    node_confirmed  boolean      NOT NULL DEFAULT false,
    updated_at      timestamptz  NOT NULL,
    PRIMARY KEY (job_id, node_id)
);
CREATE INDEX allocation_node ON allocation (node_id, modify_index);
CREATE INDEX allocation_unannounced_stop ON allocation (node_id) WHERE desired = 'STOP' AND NOT stop_announced;
