package io.deeploy.events.payload;

/**
 * Where a Worker App Runner job's code comes from. Credentials never travel in events: {@code credentialsRef} names
 * the encrypted secret held by project-svc that an agent resolves when it clones. {@code commit}, when set, is the one
 * commit of the branch to run (a rollback), instead of its head.
 */
public record VcsSource(String repositoryUrl, String branch, String username, String credentialsRef, int pollIntervalSeconds,
        String commit) {

    /** Following the branch's head (no commit pinned). */
    public VcsSource(String repositoryUrl, String branch, String username, String credentialsRef, int pollIntervalSeconds) {
        this(repositoryUrl, branch, username, credentialsRef, pollIntervalSeconds, null);
    }

    /** Pinned to {@code pinned} (a rollback: new commits on the branch are not deployed), or following the head if null. */
    public VcsSource pinnedTo(String pinned) {
        return new VcsSource(repositoryUrl, branch, username, credentialsRef, pollIntervalSeconds, pinned);
    }

    /** True while a commit is pinned: the branch's new commits are not deployed (auto-deploy paused). */
    public boolean pinned() {
        return commit != null;
    }
}
