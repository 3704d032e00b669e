package io.deeploy.builder.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.model.MountType;
import io.deeploy.builder.client.ContainerRuntime.Mount;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only the job's own workspace and the agent's named volumes can become mounts, whatever reaches the agent. */
class ContainerMountsTest {

    @TempDir
    Path work;

    Path jobs() {
        return work.resolve("jobs");
    }

    Path file(String relative) throws Exception {
        Path path = jobs().resolve(relative);
        Files.createDirectories(path.getParent());
        Files.writeString(path, "x");
        return path;
    }

    @Test
    void theJobsWorkspaceFilesAndItsVolumesAreMounted() throws Exception {
        Path config = file("job-1/files/conf");
        Path build = Files.createDirectories(jobs().resolve("job-1/builds/build-1"));
        var fileMount = ContainerRuntime.checked(Mount.workspace(config, "/config/app.ini", true), jobs(), "job-1");
        assertThat(fileMount.getType()).isEqualTo(MountType.BIND);
        assertThat(fileMount.getSource()).isEqualTo(config.toRealPath().toString());
        assertThat(fileMount.getReadOnly()).isTrue();
        assertThat(ContainerRuntime.checked(Mount.workspace(build, "/app", false), jobs(), "job-1").getTarget()).isEqualTo("/app");
        var volume = ContainerRuntime.checked(Mount.volume("deeploy-node-1-job-1-data", "/data"), jobs(), "job-1");
        assertThat(volume.getType()).isEqualTo(MountType.VOLUME);
        assertThat(volume.getSource()).isEqualTo("deeploy-node-1-job-1-data");
    }

    @Test
    void noHostPathOutsideTheJobsWorkspaceIsMounted() throws Exception {
        Path other = file("job-2/files/secret");
        Path outside = Files.writeString(work.resolve("outside"), "x");
        Files.createDirectories(jobs().resolve("job-1/files"));
        Path link = Files.createSymbolicLink(jobs().resolve("job-1/files/link"), outside);
        for (Path source : new Path[] {Path.of("/var/run/docker.sock"), Path.of("/run/docker.sock"), Path.of("/etc/passwd"),
                Path.of("/"), other, outside, link, jobs().resolve("job-1"), jobs().resolve("job-1/files/../../job-2/files/secret"),
                jobs().resolve("job-1/files/absent")}) {
            assertThatThrownBy(() -> ContainerRuntime.checked(Mount.workspace(source, "/data", false), jobs(), "job-1"))
                    .as(source.toString()).isInstanceOf(ContainerRuntime.MountRefused.class);
        }
    }

    @Test
    void aSocketInsideTheWorkspaceIsNotMountedEither() throws Exception {
        Files.createDirectories(jobs().resolve("job-1"));
        Path socket = jobs().resolve("job-1/docker.sock");
        try (var channel = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            channel.bind(java.net.UnixDomainSocketAddress.of(socket));
            assertThatThrownBy(() -> ContainerRuntime.checked(Mount.workspace(socket, "/var/run/docker.sock", false), jobs(), "job-1"))
                    .isInstanceOf(ContainerRuntime.MountRefused.class);
        }
    }

    @Test
    void volumeNamesAndTargetsCannotSmuggleAPath() throws Exception {
        for (String name : new String[] {"/var/run/docker.sock", "/etc", "data", "deeploy-x:/etc", "deeploy-../x", "deeploy-/x", "", "deeploy-node-1-job-2-data"}) {
            assertThatThrownBy(() -> ContainerRuntime.checked(Mount.volume(name, "/data"), jobs(), "job-1")).as(name)
                    .isInstanceOf(ContainerRuntime.MountRefused.class);
        }
        for (String target : new String[] {"relative", "/data/../etc", "/data:/x", "/a//b", null}) {
            assertThatThrownBy(() -> ContainerRuntime.checked(Mount.volume("deeploy-n-job-1-data", target), jobs(), "job-1")).as(target)
                    .isInstanceOf(ContainerRuntime.MountRefused.class);
        }
        Path config = file("job-1/files/conf");
        assertThatThrownBy(() -> ContainerRuntime.checked(Mount.workspace(config, "/c", true), jobs(), "../job-1"))
                .isInstanceOf(ContainerRuntime.MountRefused.class);
    }
}
