-- Reliable-messaging tables of every Deeploy service (shipped by deeploy-outbox; services number theirs from V1).

-- Events written in the same transaction as the state change they announce; the relay publishes them in seq order.
CREATE TABLE outbox_event (
    id           uuid         PRIMARY KEY,
    seq          bigserial    NOT NULL,
    topic        varchar(249) NOT NULL,
    event_key    varchar(200) NOT NULL,
    event_type   varchar(100) NOT NULL,
    payload      text         NOT NULL,
    created_at   timestamptz  NOT NULL DEFAULT now(),
    published_at timestamptz,
    attempts     integer      NOT NULL DEFAULT 0,
    last_error   text
);
CREATE INDEX outbox_event_pending ON outbox_event (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_event_published ON outbox_event (published_at) WHERE published_at IS NOT NULL;

-- Ids of the events each consumer has applied, recorded in the transaction of the effect.
CREATE TABLE processed_event (
    consumer     varchar(100) NOT NULL,
    event_id     uuid         NOT NULL,
    event_type   varchar(100) NOT NULL,
    processed_at timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX processed_event_age ON processed_event (processed_at);
