package io.deeploy.project.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;

@ApplicationScoped
public class NodeRegistrationRepository implements PanacheRepositoryBase<NodeRegistration, String> {

    public Uni<List<NodeRegistration>> ofOperator(String operator) {
        return list("operator = ?1 order by id", operator);
    }

    /**
     * The registration, its row locked until the transaction ends: an operator's renewal and an admin's decision on one
     * node are taken one after the other, each seeing what the other wrote (a renewal never lands on a node blacklisted
     * after it read the row).
     */
    public Uni<NodeRegistration> findForUpdate(String id) {
        return findById(id, LockModeType.PESSIMISTIC_WRITE);
    }

    public Uni<NodeRegistration> findByKey(String publicKey) {
        return find("publicKey", publicKey).firstResult();
    }

    public Uni<List<NodeRegistration>> listOrdered() {
        return list("order by id");
    }
}
