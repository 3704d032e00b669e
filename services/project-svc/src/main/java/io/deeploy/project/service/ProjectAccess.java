package io.deeploy.project.service;

import io.deeploy.project.repository.DelegateRepository;
import io.deeploy.project.repository.Project;
import io.deeploy.project.repository.ProjectRepository;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Who may do what with a project (and so with its jobs, logs and URLs): its owner everything; a delegate of the owner
 * what its permission bits allow, and reading; an API token the same within its one project, but never what only the
 * owner's own signature may do (tokens, delegates, deleting the project). A project the caller may not even read is
 * reported missing, so ids of other tenants cannot be probed; one it may read but not change gives 403.
 * Runs in the caller's session.
 */
@ApplicationScoped
public class ProjectAccess {

    private final ProjectRepository projects;
    private final DelegateRepository delegates;

    public ProjectAccess(ProjectRepository projects, DelegateRepository delegates) {
        this.projects = projects;
        this.delegates = delegates;
    }

    /** The project if the caller may see it. */
    public Uni<Project> readable(Caller caller, String projectId) {
        return grantOn(caller, projectId).map(Grant::project);
    }

    /** The project if the caller may do {@code permission} on it. */
    public Uni<Project> permitted(Caller caller, String projectId, Permission permission) {
        return grantOn(caller, projectId).map(grant -> {
            if (!grant.owner() && !permission.in(grant.bits())) {
                throw new ApiException(403, "PERMISSION_DENIED", null, caller.describe() + " may read project " + projectId
                        + " but lacks the '" + permission.name().toLowerCase(java.util.Locale.ROOT) + "' permission");
            }
            return grant.project();
        });
    }

    /** The project if the caller is its owner, proven by a signature. */
    public Uni<Project> ownedBySigner(Caller caller, String projectId) {
        return grantOn(caller, projectId).map(grant -> {
            requireSigner(caller, "managing project " + projectId);
            if (!grant.owner()) {
                throw new ApiException(403, "OWNER_ONLY", null, "only the owner of project " + projectId + " may do this");
            }
            return grant.project();
        });
    }

    /** Refuses an API token where the wallet itself must act, by its signature or its sign-in session. */
    public static void requireWallet(Caller caller, String what) {
        if (caller.viaToken()) {
            throw new ApiException(403, "TOKEN_SCOPE", null, "an API token cannot be used for " + what
                    + "; sign the request with the owner's wallet");
        }
    }

    /** Refuses an API token or a sign-in session where only the wallet's own signature will do. */
    public static void requireSigner(Caller caller, String what) {
        requireWallet(caller, what);
        if (caller.viaSession()) {
            throw new ApiException(403, "SESSION_SCOPE", null, "a sign-in session cannot be used for " + what
                    + "; sign the request with the wallet itself");
        }
    }

    /** What the caller holds on a project: owner (all), or permission bits (reading implied); missing if nothing. */
    record Grant(Project project, boolean owner, int bits) {
    }

    private Uni<Grant> grantOn(Caller caller, String projectId) {
        if (!Ids.wellFormed(projectId)) {
            return Uni.createFrom().failure(missing(String.valueOf(projectId)));
        }
        return projects.findLive(projectId).chain(project -> {
            if (project == null) {
                return Uni.createFrom().failure(missing(projectId));
            }
            if (caller.viaToken()) {
                if (!caller.tokenProjectId().equals(projectId)) {
                    return Uni.createFrom().failure(missing(projectId));
                }
                return Uni.createFrom().item(new Grant(project, false, caller.tokenPermissions()));
            }
            if (project.owner.equals(caller.address())) {
                return Uni.createFrom().item(new Grant(project, true, Permission.ALL));
            }
            return delegates.permissions(project.owner, caller.address()).map(bits -> {
                if (bits == 0) {
                    throw missing(projectId);
                }
                return new Grant(project, false, bits);
            });
        });
    }

    static ApiException missing(String projectId) {
        return ApiException.notFound("PROJECT_NOT_FOUND", "no project " + projectId);
    }
}
