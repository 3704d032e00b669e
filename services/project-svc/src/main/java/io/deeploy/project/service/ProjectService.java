package io.deeploy.project.service;

import io.deeploy.project.repository.JobRepository;
import io.deeploy.project.repository.Project;
import io.deeploy.project.repository.ProjectRepository;
import io.deeploy.project.rest.CreateProjectRequest;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

@ApplicationScoped
public class ProjectService {

    static final Pattern NAME = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N} ._-]{0,99}");

    private final ProjectRepository projects;
    private final JobRepository jobs;
    private final IdempotentCommands commands;

    public ProjectService(ProjectRepository projects, JobRepository jobs, IdempotentCommands commands) {
        this.projects = projects;
        this.jobs = jobs;
        this.commands = commands;
    }

    public static String validName(CreateProjectRequest request) {
        if (request == null || request.name() == null || request.name().isBlank()) {
            throw ApiException.invalid("name", "name is required");
        }
        String name = request.name().strip();
        if (!NAME.matcher(name).matches()) {
            throw ApiException.invalid("name", "name is 1-100 letters, digits, spaces or . _ - and starts with a letter or digit");
        }
        return name;
    }

    @WithTransaction
    public Uni<Project> create(String owner, CreateProjectRequest request, String idempotencyKey) {
        String name = validName(request);
        return commands.execute("project.create:" + owner, idempotencyKey, request, () ->
                        projects.nameTaken(owner, name).chain(taken -> {
                            if (taken) {
                                return Uni.createFrom().failure(new ApiException(409, "PROJECT_NAME_TAKEN", "name",
                                        "you already have a project named '" + name + "'"));
                            }
                            Project project = new Project();
                            project.id = "prj-" + UUID.randomUUID();
                            project.owner = owner;
                            project.name = name;
                            project.createdAt = Instant.now();
                            return projects.persist(project).map(p -> p.id);
                        }))
                .chain(outcome -> projects.findById(outcome.resourceId()));
    }

    @WithSession
    public Uni<List<Project>> list(String owner) {
        return projects.listLive(owner);
    }

    @WithSession
    public Uni<Project> get(String owner, String id) {
        return owned(owner, id);
    }

    /** Deletes an empty project; one with jobs that are not stopped is refused. */
    @WithTransaction
    public Uni<Void> delete(String owner, String id) {
        return owned(owner, id).chain(project -> jobs.countLiveInProject(id).chain(live -> {
            if (live > 0) {
                return Uni.createFrom().failure(ApiException.conflict("PROJECT_HAS_LIVE_JOBS",
                        "stop the project's " + live + " job(s) before deleting it"));
            }
            project.deletedAt = Instant.now();
            return Uni.createFrom().voidItem();
        }));
    }

    Uni<Project> owned(String owner, String id) {
        return projects.findLive(id).map(project -> {
            // Another owner's project is reported as missing, so ids cannot be probed.
            if (project == null || !project.owner.equals(owner)) {
                throw ApiException.notFound("PROJECT_NOT_FOUND", "no project " + id);
            }
            return project;
        });
    }
}
