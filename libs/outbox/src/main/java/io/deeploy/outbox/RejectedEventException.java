package io.deeploy.outbox;

/**
 * A well-formed event that a consumer can never apply (it contradicts the consumer's state for good). Not retried:
 * the record goes to the dead-letter topic with this message.
 */
public class RejectedEventException extends RuntimeException {

    public RejectedEventException(String message) {
        super(message);
    }
}
