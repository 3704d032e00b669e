package io.deeploy.project.service;

import io.deeploy.project.repository.ApiTokenRepository;
import io.deeploy.project.repository.DelegateRepository;
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
    private final ProjectAccess access;
    private final DelegateRepository delegates;
    private final ApiTokenRepository tokens;

    public ProjectService(ProjectRepository projects, JobRepository jobs, IdempotentCommands commands, ProjectAccess access,
            DelegateRepository delegates, ApiTokenRepository tokens) {
        this.projects = projects;
        this.jobs = jobs;
        this.commands = commands;
        this.access = access;
        this.delegates = delegates;
        this.tokens = tokens;
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

    /** A new project owned by the signer (an API token, scoped to one project, cannot make another). */
    @WithTransaction
    public Uni<Project> create(Caller caller, CreateProjectRequest request, String idempotencyKey) {
        ProjectAccess.requireWallet(caller, "creating projects");
        String owner = caller.address();
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

    /**
     * A page of the live projects of {@code owner} (default: the caller's own) in creation order; another owner's only
     * for their delegate. An API token sees its one project.
     */
    @WithSession
    public Uni<PageRequest.Page<Project>> list(Caller caller, String owner, PageRequest request) {
        if (caller.viaToken()) {
            // A token sees its one project.
            return access.readable(caller, caller.tokenProjectId())
                    .map(project -> new PageRequest.Page<>(request.after() == null ? List.of(project) : List.of(), null));
        }
        String whose = owner == null ? caller.address() : owner;
        Uni<Void> allowed = whose.equals(caller.address()) ? Uni.createFrom().voidItem()
                : delegates.permissions(owner, caller.address()).chain(bits -> bits == 0
                        ? Uni.createFrom().failure(new ApiException(403, "NOT_A_DELEGATE", "owner",
                                caller.address() + " is not a delegate of " + owner))
                        : Uni.createFrom().voidItem());
        return allowed.chain(() -> request.after() == null ? Uni.createFrom().<Project>nullItem()
                        : projects.findLive(request.after()).onItem().ifNull().failWith(() -> notAProjectOf(whose))
                                .invoke(after -> {
                                    if (!after.owner.equals(whose)) {
                                        throw notAProjectOf(whose);
                                    }
                                }))
                .chain(after -> projects.pageOfOwner(whose, after, request.fetch()))
                .map(fetched -> new PageRequest.Page<>(request.shown(fetched), request.nextAfter(fetched, project -> project.id)));
    }

    private static ApiException notAProjectOf(String owner) {
        return ApiException.invalid("after", "after is not a project of " + owner);
    }

    @WithSession
    public Uni<Project> get(Caller caller, String id) {
        return access.readable(caller, id);
    }

    /** Deletes an empty project (owner only) and revokes its API tokens; one with jobs that are not stopped is refused. */
    @WithTransaction
    public Uni<Void> delete(Caller caller, String id) {
        return access.ownedBySigner(caller, id).chain(project -> jobs.countLiveInProject(id).chain(live -> {
            if (live > 0) {
                return Uni.createFrom().failure(ApiException.conflict("PROJECT_HAS_LIVE_JOBS",
                        "stop the project's " + live + " job(s) before deleting it"));
            }
            project.deletedAt = Instant.now();
            return tokens.revokeAllOfProject(id, project.deletedAt).replaceWithVoid();
        }));
    }
}
