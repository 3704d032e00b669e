package io.deeploy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import io.deeploy.outbox.testing.GitDaemon;
import io.deeploy.signing.DeeployWallet;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/**
 * The console in a real browser, through the tutorial's flow on the whole platform in escrow billing: the browser test
 * ({@code e2e/console/console.test.mjs}: Playwright driving Debian's Chromium, a test wallet injected into the page)
 * signs in, creates a project, writes the job in the wizard with its cost quoted, pays and deploys through the wallet,
 * sees the build log while it builds, opens the app at its URL, pushes a commit and sees it deployed, rolls back to the
 * first commit and resumes, edits the job, and stops it.
 * This side gives the owner's wallet gas and tokens and a git server, then checks what the browser did against the API
 * and the chain: the job ran both commits and stopped, it was paid for by the owner's wallet, and its stop refunded what
 * it had not used. Screenshots of each step: {@code target/console-screenshots}.
 */
class ConsoleE2EIT {

    static final Path CONSOLE_TEST = Path.of("console");
    static final Path SHOTS = Path.of("target", "console-screenshots");

    static Platform platform;
    static TestChain chain;
    static GitDaemon git;
    static Credentials owner;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        owner = Credentials.create(Keys.createEcKeyPair());
        Platform.stopShared();
        platform = Platform.start("e2e-console-" + UUID.randomUUID().toString().substring(0, 8), "127.0.0.1",
                Platform.escrowBilling(), DeeployWallet.fromPrivateKey(privateKey(owner)), owner.getAddress());
        chain = new TestChain(System.getenv("ETH_RPC_URL"));
        token = json(Platform.get(platform.url("escrow-svc", "/api/chain")).body()).path("tokenAddress").asText();
        git = GitDaemon.start();
        // The browser test's packages (Playwright's library, ethers for the test wallet); never a browser download.
        run(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"), CONSOLE_TEST,
                Path.of("target", "console-npm.log"), Duration.ofMinutes(5));
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
        if (chain != null) {
            chain.close();
        }
        if (git != null) {
            git.close();
        }
    }

    @Test
    void aUserPaysDeploysWatchesAndStopsAJobInTheBrowser() throws Exception {
        chain.setBalance(owner.getAddress(), new BigInteger("100000000000000000000"));
        chain.mint(token, owner.getAddress(), 100_000_000);
        BigInteger start = balance();
        String alias = "console-" + UUID.randomUUID().toString().substring(0, 8);
        String repoUrl = git.createRepository(alias, Map.of("index.html", "console v1"));
        deleteShots();

        Path output = Path.of("target", "console-test.out");
        Path log = Path.of("target", "console-test.log");
        ProcessBuilder browserTest = new ProcessBuilder("node", "console.test.mjs").directory(CONSOLE_TEST.toFile())
                .redirectOutput(output.toFile()).redirectError(log.toFile());
        browserTest.environment().putAll(Map.of(
                "CONSOLE_URL", platform.url("project-svc", "/"),
                "RPC_URL", System.getenv("ETH_RPC_URL"),
                "OWNER_KEY", privateKey(owner),
                "REPO_URL", repoUrl,
                "NODE_ID", platform.nodeId,
                "ALIAS", alias,
                "SHOTS_DIR", SHOTS.toAbsolutePath().toString()));
        Process process = browserTest.start();
        boolean ended = process.waitFor(12, TimeUnit.MINUTES);
        if (!ended) {
            process.destroyForcibly();
        }
        assertThat(ended && process.exitValue() == 0).as("the browser test (its log, last lines):\n" + tail(log)).isTrue();
        JsonNode result = json(Files.readAllLines(output).stream().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                .orElseThrow());
        String jobId = result.path("jobId").asText();

        // What the browser did, as the API and the chain see it: the owner's job, both commits served, stopped.
        JsonNode job = json(platform.apiGet("/api/jobs/" + jobId).body());
        assertThat(job.path("alias").asText()).isEqualTo(alias);
        assertThat(job.path("state").asText()).isEqualTo("STOPPED");
        assertThat(job.path("spec").path("env").path("GREETING").asText()).isEqualTo("from the console");
        JsonNode served = json(platform.apiGet("/api/jobs/" + jobId + "/versions").body()).path("served");
        assertThat(served.toString()).contains(result.path("commits").get(0).asText(),
                result.path("commits").get(1).asText());
        BigInteger locked = new BigInteger(job.path("spend").path("locked").asText());
        assertThat(locked).isPositive();
        // Paid from the owner's wallet; the stop gives back what the job had not used once its chain job closes, and
        // never more than was paid.
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> balance().compareTo(start.subtract(locked)) > 0);
        assertThat(balance()).isLessThanOrEqualTo(start);

        // A screenshot of every step (the payment's progress only if it was still showing).
        try (Stream<Path> shots = Files.list(SHOTS)) {
            assertThat(shots.map(p -> p.getFileName().toString()).toList()).hasSizeGreaterThanOrEqualTo(13)
                    .anyMatch(name -> name.endsWith("-wizard.png")).anyMatch(name -> name.endsWith("-running.png"))
                    .anyMatch(name -> name.endsWith("-stopped.png"));
        }
    }

    static BigInteger balance() throws Exception {
        return chain.callUint(token, "balanceOf", owner.getAddress());
    }

    static String privateKey(Credentials credentials) {
        return Numeric.toHexStringWithPrefixZeroPadded(credentials.getEcKeyPair().getPrivateKey(), 64);
    }

    static JsonNode json(String body) throws Exception {
        return EventCodec.mapper().readTree(body);
    }

    static void deleteShots() throws Exception {
        Files.createDirectories(SHOTS);
        try (Stream<Path> old = Files.list(SHOTS)) {
            for (Path shot : old.toList()) {
                Files.delete(shot);
            }
        }
    }

    static String tail(Path log) throws Exception {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    static void run(List<String> command, Path directory, Path log, Duration timeout) throws Exception {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        boolean ended = process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly();
        }
        assertThat(ended && process.exitValue() == 0).as(String.join(" ", command) + ":\n" + tail(log)).isTrue();
    }
}
