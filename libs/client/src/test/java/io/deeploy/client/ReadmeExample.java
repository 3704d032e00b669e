package io.deeploy.client;

import io.deeploy.signing.DeeployWallet;
import java.time.Duration;

/** The README's SDK example, compiled with the build so that it cannot go stale ({@link ReadmeExampleTest}). */
final class ReadmeExample {

    private ReadmeExample() {
    }

    static void deploy(String privateKey) {
        // README example: begin
        DeeployClient deeploy = DeeployClient.withWallet("http://localhost:8081", DeeployWallet.fromPrivateKey(privateKey));
        Project project = deeploy.createProject("my-site");
        Job job = deeploy.createJob(project.id(), JobRequest.war("hello", "https://github.com/me/site.git", "main",
                        "local/python:bookworm")
                .commands("python3 -m http.server 8000").port(8000).resources(0.5, 256));
        System.out.println(deeploy.awaitState(job.id(), "RUNNING", Duration.ofMinutes(2)).url());
        deeploy.followLogs(job.id(), "app", 100, line -> System.out.println(line.text()));
        // README example: end
    }
}
