package io.deeploy.project.repository;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class IdempotentCommandRepository implements PanacheRepositoryBase<IdempotentCommand, IdempotentCommand.Key> {
}
