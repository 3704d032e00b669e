package io.deeploy.project.service;

import io.deeploy.project.repository.Delegate;
import io.deeploy.project.repository.DelegateRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;

/**
 * The owner's delegates: addresses that act on all of the owner's projects with permission bits. Only the owner, by
 * signature, grants or revokes; setting the same bits again changes nothing, so the commands are idempotent as PUT and
 * DELETE are.
 */
@ApplicationScoped
public class DelegateService {

    private final DelegateRepository delegates;

    public DelegateService(DelegateRepository delegates) {
        this.delegates = delegates;
    }

    @WithTransaction
    public Uni<Delegate> grant(Caller caller, String delegate, int permissions) {
        ProjectAccess.requireSigner(caller, "managing delegates");
        if (delegate.equals(caller.address())) {
            throw ApiException.invalid("address", "an owner is not their own delegate");
        }
        if (permissions == 0) {
            throw ApiException.invalid("permissions", "grant at least one permission, or DELETE the delegate to revoke it");
        }
        Delegate.Key key = new Delegate.Key(caller.address(), delegate);
        return delegates.findById(key).chain(existing -> {
            if (existing != null) {
                if (existing.permissions != permissions) {
                    existing.permissions = permissions;
                    existing.updatedAt = Instant.now();
                }
                return Uni.createFrom().item(existing);
            }
            Delegate created = new Delegate();
            created.key = key;
            created.permissions = permissions;
            created.updatedAt = Instant.now();
            return delegates.persist(created);
        });
    }

    @WithTransaction
    public Uni<Void> revoke(Caller caller, String delegate) {
        ProjectAccess.requireSigner(caller, "managing delegates");
        return delegates.deleteById(new Delegate.Key(caller.address(), delegate)).replaceWithVoid();
    }

    @WithSession
    public Uni<List<Delegate>> list(Caller caller) {
        ProjectAccess.requireSigner(caller, "managing delegates");
        return delegates.ofOwner(caller.address());
    }
}
