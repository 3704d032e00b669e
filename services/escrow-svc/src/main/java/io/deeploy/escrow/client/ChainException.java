package io.deeploy.escrow.client;

/** The chain could not be reached or refused a request; worth retrying later. */
public class ChainException extends RuntimeException {

    public ChainException(String message, Throwable cause) {
        super(message, cause);
    }
}
