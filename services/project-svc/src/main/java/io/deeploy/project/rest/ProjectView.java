package io.deeploy.project.rest;

import io.deeploy.project.repository.Project;
import java.time.Instant;

public record ProjectView(String id, String name, String owner, Instant createdAt) {

    public static ProjectView of(Project project) {
        return new ProjectView(project.id, project.name, project.owner, project.createdAt);
    }
}
