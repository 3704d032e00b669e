package io.deeploy.escrow.repository;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;

/** Node id to the address its earnings are paid to, as registered by its operator. */
@ApplicationScoped
public class NodeOperatorRepository {

    /** Records (or changes) a node's payout address; runs in the caller's transaction. */
    public Uni<Void> upsert(String nodeId, String payoutAddress, String operator, Instant at) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "INSERT INTO node_operator (node_id, payout_address, operator, updated_at) VALUES (?1, ?2, ?3, ?4) "
                        + "ON CONFLICT (node_id) DO UPDATE SET payout_address = excluded.payout_address, "
                        + "operator = excluded.operator, updated_at = excluded.updated_at")
                .setParameter(1, nodeId).setParameter(2, payoutAddress).setParameter(3, operator)
                .setParameter(4, at.atOffset(ZoneOffset.UTC)).executeUpdate()).replaceWithVoid();
    }

    /** The node's payout address, or null if none is registered. */
    public Uni<String> payoutOf(String nodeId) {
        return Panache.getSession().chain(session -> session.createNativeQuery(
                "SELECT payout_address FROM node_operator WHERE node_id = ?1", String.class).setParameter(1, nodeId)
                .getResultList()).map(rows -> rows.isEmpty() ? null : rows.get(0));
    }
}
