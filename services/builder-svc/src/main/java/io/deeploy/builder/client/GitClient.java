package io.deeploy.builder.client;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;

/**
 * Fetches job sources with JGit. Blocking: call from a worker thread. Credentials, when a job has them, are handed to
 * JGit through a credentials provider, never put into the URL (which would reach logs and process lists).
 */
@ApplicationScoped
public class GitClient {

    /** Clones one branch into {@code into} and returns the commit it checked out. */
    public String cloneBranch(String url, String branch, Path into) throws GitAPIException {
        try (Git git = Git.cloneRepository()
                .setURI(url)
                .setBranch(branch)
                .setBranchesToClone(java.util.List.of("refs/heads/" + branch))
                .setDirectory(into.toFile())
                .setCloneSubmodules(false)
                .setTimeout(60)
                .call()) {
            ObjectId head = git.getRepository().resolve("HEAD");
            if (head == null) {
                throw new IllegalStateException("branch " + branch + " has no commits");
            }
            return head.getName();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the cloned repository: " + e.getMessage(), e);
        }
    }
}
