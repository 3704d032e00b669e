package io.deeploy.events;

/** A record on a Deeploy topic that is not a decodable event of a known type. Retrying it cannot help. */
public class MalformedEventException extends RuntimeException {

    public MalformedEventException(String message) {
        super(message);
    }
}
