package io.deeploy.events.payload;

import io.deeploy.events.EventPayload;
import java.time.Instant;

/** A job's paid time ends soon: at {@code paidUntil} it stops unless extended. Announced once per paid period. */
public record JobExpiring(String jobId, Instant paidUntil) implements EventPayload {

    @Override
    public String key() {
        return jobId;
    }
}
