package io.deeploy.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.BuildCompleted;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.outbox.testing.GitDaemon;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.net.ssl.HttpsURLConnection;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.transport.HttpTransport;
import org.junit.jupiter.api.Test;

/**
 * A tenant's repository URL aimed at the node itself, against the real agent, git daemon and Docker engine: a path on
 * the node ({@code file://}: the platform's checkout, another tenant's mirror) and a loopback address outside what
 * this node's operator allows (the tests allow 127.0.0.1 only) are refused before anything is fetched, with a reason
 * naming {@code repository.url}. Without the checks both are cloned, built and served.
 */
@QuarkusTest
class RepositoryTargetsIT {

    @Inject
    DockerClient docker;

    @Test
    void aRepositoryOnTheNodesOwnDiskIsNotFetched() throws Exception {
        // Stands for what a node holds: another tenant's mirror, say, with a file that must stay where it is.
        Path neighbour = Files.createTempDirectory("deeploy-other-tenant");
        try (Git git = Git.init().setInitialBranch("main").setDirectory(neighbour.toFile()).call()) {
            Files.writeString(neighbour.resolve("index.html"), "the neighbour's secret");
            git.add().addFilepattern("index.html").call();
            git.commit().setMessage("private").setAuthor("n", "n@example.org").setCommitter("n", "n@example.org").call();
        }
        assertRefused(neighbour.toUri().toString());
        assertRefused(neighbour.toString());
    }

    @Test
    void aLoopbackAddressTheOperatorDidNotAllowIsNotFetched() throws Exception {
        try (GitDaemon otherLoopback = GitDaemon.start("127.0.0.2")) {
            String url = otherLoopback.createRepository("internal", Map.of("index.html", "an internal service's answer"));
            assertRefused(url);
        }
    }

    @Test
    void everyRepositoryConnectionOfTheAgentGoesThroughTheChecks() {
        assertThat(HttpTransport.getConnectionFactory().getClass().getSimpleName()).isEqualTo("PinnedHttpConnectionFactory");
        assertThat(HttpsURLConnection.getDefaultSSLSocketFactory().getClass().getSimpleName()).isEqualTo("PeerCheckingSocketFactory");
    }

    private void assertRefused(String url) {
        String jobId = "job-" + UUID.randomUUID();
        JobSpec spec = WarDeployIT.war(url, List.of("python3 -m http.server 8000"));
        Jobs.request(jobId, spec);
        BuildCompleted failed = await().atMost(Duration.ofSeconds(60))
                .until(() -> Jobs.first(jobId, BuildCompleted.class), Optional::isPresent).orElseThrow();
        assertThat(failed.success()).isFalse();
        assertThat(failed.failureReason()).as(url).contains("repository.url: ");
        assertThat(Jobs.all(jobId, AppStarted.class)).isEmpty();
        Jobs.stopAndCheckClean(docker, jobId);
    }
}
