package io.deeploy.builder.client;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.RevisionSyntaxException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

/**
 * Job sources with JGit. Blocking: call from a worker thread. Each job keeps one local mirror of its branch, fetched
 * (not cloned again) for every new commit; every build gets its own checkout, so a build never touches the files of the
 * version that is serving. Credentials, when a job has them, go through a credentials provider, never into the URL
 * (which would reach logs and process lists). Every remote is checked first by {@link RepositoryTargets}: the tenant
 * names it, the node connects to it.
 */
@ApplicationScoped
public class GitClient {

    static final int NETWORK_TIMEOUT_SECONDS = 60;

    private final RepositoryTargets targets;

    public GitClient(RepositoryTargets targets) {
        this.targets = targets;
    }

    /**
     * Credentials for a private repository over HTTP(S), or null without a token. Git hosts accept a token as the
     * password with any user name; "git" stands in when the job names none.
     */
    public static CredentialsProvider credentials(String username, String token) {
        return token == null ? null : new UsernamePasswordCredentialsProvider(username == null ? "git" : username, token);
    }

    /** The commit at the head of {@code branch} on the remote, or null if the branch does not exist. */
    public String headOf(String url, String branch, CredentialsProvider credentials) throws GitAPIException, IOException {
        String ref = Constants.R_HEADS + branch;
        for (Ref remote : Git.lsRemoteRepository().setRemote(targets.connectable(url)).setHeads(true)
                .setTimeout(NETWORK_TIMEOUT_SECONDS).setCredentialsProvider(credentials).call()) {
            if (remote.getName().equals(ref)) {
                return remote.getObjectId().getName();
            }
        }
        return null;
    }

    /**
     * Brings the job's mirror at {@code mirror} up to date with the remote branch (clone on first use, fetch after)
     * and returns the branch head it now has.
     */
    public String sync(String url, String branch, Path mirror, CredentialsProvider credentials) throws GitAPIException, IOException {
        String ref = Constants.R_HEADS + branch;
        String remote = targets.connectable(url);
        if (!Files.exists(mirror.resolve("HEAD"))) {
            Files.createDirectories(mirror.getParent());
            Git.cloneRepository().setURI(remote).setBare(true).setBranchesToClone(List.of(ref)).setBranch(ref)
                    .setDirectory(mirror.toFile()).setTimeout(NETWORK_TIMEOUT_SECONDS).setCredentialsProvider(credentials).call().close();
        } else {
            try (Git git = Git.open(mirror.toFile())) {
                git.fetch().setRemote(remote).setRefSpecs(new RefSpec("+" + ref + ":" + ref)).setTimeout(NETWORK_TIMEOUT_SECONDS)
                        .setCredentialsProvider(credentials).call();
            }
        }
        try (Git git = Git.open(mirror.toFile())) {
            ObjectId head = git.getRepository().resolve(ref);
            if (head == null) {
                throw new IllegalStateException("branch " + branch + " has no commits");
            }
            return head.getName();
        }
    }

    /** True when {@code commit} is a commit reachable from {@code branch} in the mirror (a pinned commit must be). */
    public boolean onBranch(Path mirror, String branch, String commit) throws IOException {
        try (Git git = Git.open(mirror.toFile()); RevWalk walk = new RevWalk(git.getRepository())) {
            ObjectId wanted = git.getRepository().resolve(commit + "^{commit}");
            ObjectId head = git.getRepository().resolve(Constants.R_HEADS + branch);
            return wanted != null && head != null && walk.isMergedInto(walk.parseCommit(wanted), walk.parseCommit(head));
        } catch (MissingObjectException | IncorrectObjectTypeException | RevisionSyntaxException e) {
            return false;
        }
    }

    /** Checks {@code commit} out of the mirror into a fresh directory {@code into}. */
    public void checkout(Path mirror, String commit, Path into) throws GitAPIException {
        try (Git git = Git.cloneRepository().setURI(mirror.toUri().toString()).setDirectory(into.toFile()).setNoCheckout(true).call()) {
            // A hard reset rather than a checkout: the clone checked nothing out, and a checkout of any commit but the
            // head "conflicts" with the files missing from that empty work tree.
            git.reset().setMode(ResetCommand.ResetType.HARD).setRef(commit).call();
        }
    }
}
