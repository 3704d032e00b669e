package io.deeploy.project.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

@ApplicationScoped
public class DelegateRepository implements PanacheRepositoryBase<Delegate, Delegate.Key> {

    /** The permission bits {@code delegate} holds from {@code owner}; 0 if none. */
    public Uni<Integer> permissions(String owner, String delegate) {
        return findById(new Delegate.Key(owner, delegate)).map(found -> found == null ? 0 : found.permissions);
    }

    public Uni<List<Delegate>> ofOwner(String owner) {
        return list("key.owner = ?1 order by key.delegate", owner);
    }
}
