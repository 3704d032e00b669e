package io.deeploy.project.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class NodeRegistrationRepository implements PanacheRepositoryBase<NodeRegistration, String> {

    public Uni<List<NodeRegistration>> ofOperator(String operator) {
        return list("operator = ?1 order by id", operator);
    }

    public Uni<NodeRegistration> findByKey(String publicKey) {
        return find("publicKey", publicKey).firstResult();
    }

    public Uni<List<NodeRegistration>> listOrdered() {
        return list("order by id");
    }
}
