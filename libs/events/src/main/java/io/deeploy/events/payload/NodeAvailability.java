package io.deeploy.events.payload;

/** Attested availability of one node for one job in one epoch, in thousandths (1000 = always up). */
public record NodeAvailability(String nodeId, int permille) {
}
