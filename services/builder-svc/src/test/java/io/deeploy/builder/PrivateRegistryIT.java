package io.deeploy.builder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PushResponseItem;
import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppFailed;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.HealthCheck;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobStopped;
import io.deeploy.events.payload.RegistryAuth;
import io.deeploy.events.payload.Resources;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.outbox.testing.TestInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Container App Runner jobs whose image is in a private registry: the test instance's registry (basic auth) holds an
 * image the engine does not have, and the agent pulls it with the job's credentials, read like every job secret from
 * project-svc through the node gateway (here the {@link TestPlatform}'s stand-in of project-svc). A wrong password or an unknown image fails the job
 * with the registry's refusal, and no password reaches an event or the agent's log, which for this class goes to a file
 * with the Docker client at DEBUG.
 */
@QuarkusTest
@TestProfile(PrivateRegistryIT.SecretsAndLogFile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrivateRegistryIT {

    public static class SecretsAndLogFile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.path", "target/private-registry-it-" + UUID.randomUUID() + ".log",
                    "quarkus.log.file.format", "%d{HH:mm:ss.SSS} %-5p [%c] %s%e%n",
                    "quarkus.log.file.level", "DEBUG",
                    "quarkus.log.console.level", "INFO",
                    "quarkus.log.category.\"com.github.dockerjava\".level", "DEBUG",
                    "quarkus.log.category.\"io.deeploy\".level", "DEBUG");
        }
    }

    static final String BASE_IMAGE = "local/python:bookworm";
    static final String REPOSITORY = "deeploy-it/python";

    static KafkaEvents kafka;
    static String registry;
    static String user;
    static String password;
    /** The image pushed for this run, under a tag of its own. */
    static String image;
    static final List<String> wrongPasswords = new ArrayList<>();

    @Inject
    DockerClient docker;

    @Inject
    NodeConfig node;

    @ConfigProperty(name = "quarkus.log.file.path")
    String logFile;

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.fromEnvironment();
        registry = TestInfra.required("DEEPLOY_REGISTRY");
        user = TestInfra.required("DEEPLOY_REGISTRY_USER");
        password = TestInfra.required("DEEPLOY_REGISTRY_PASSWORD");
        image = registry + "/" + REPOSITORY + ":it-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterAll
    static void close() throws Exception {
        kafka.close();
        if (image != null) {
            deleteFromRegistry(image.substring(image.lastIndexOf(':') + 1));
        }
    }

    /** The engine keeps no copy of the run's image, whatever a test left behind. */
    @AfterEach
    void removeLocalCopy() {
        try {
            docker.removeImageCmd(image).exec();
        } catch (NotFoundException alreadyGone) {
            // nothing to remove
        }
    }

    static <T> List<T> all(String jobId, Class<T> type) {
        return kafka.eventsWithKey(Topics.JOB_EVENTS, jobId).stream().map(Event::payload).filter(type::isInstance).map(type::cast)
                .toList();
    }

    static JobSpec car(String image, RegistryAuth auth) {
        return new JobSpec(JobKind.CAR, "private", image, null,
                List.of("mkdir -p /srv && echo from-the-registry > /srv/index.html && exec python3 -m http.server 8000 --directory /srv"),
                Map.of(), List.of(), 8000, new Resources(250, 128, 0), "always", new HealthCheck(HealthCheck.Mode.HTTP, "/", 0, 60, 5),
                List.of(), 1, List.of(), 30, null, null, null, auth);
    }

    @Test
    @Order(1)
    void anImageOnlyInThePrivateRegistryIsPulledWithTheJobsCredentialsAndServes() throws Exception {
        push(image);
        assertThat(presentLocally(image)).as("the agent must pull it: the engine does not have it").isFalse();

        String jobId = "job-" + UUID.randomUUID();
        giveSecrets(jobId, password);
        Jobs.request(jobId, car(image, new RegistryAuth(registry, user, RegistryAuth.PASSWORD_SECRET)));

        AppStarted started = await().atMost(Duration.ofSeconds(120)).until(() -> all(jobId, AppStarted.class), l -> !l.isEmpty()).get(0);
        assertThat(Jobs.get(started.port())).isEqualTo("from-the-registry\n");
        assertThat(docker.inspectContainerCmd(started.containerId()).exec().getConfig().getImage()).isEqualTo(image);
        assertThat(presentLocally(image)).isTrue();
        assertThat(all(jobId, AppFailed.class)).isEmpty();

        stop(jobId);
        assertNoPasswordIn(EventCodec.toJson(kafka.eventsWithKey(Topics.JOB_EVENTS, jobId)));
        assertLogHoldsNoPassword();
    }

    @Test
    @Order(2)
    void aWrongPasswordFailsTheJobWithTheRegistrysRefusalAndNoPassword() throws Exception {
        push(image);
        String wrong = "wrong-" + UUID.randomUUID();
        wrongPasswords.add(wrong);
        String jobId = "job-" + UUID.randomUUID();
        giveSecrets(jobId, wrong);
        Jobs.request(jobId, car(image, new RegistryAuth(registry, user, RegistryAuth.PASSWORD_SECRET)));

        AppFailed failed = await().atMost(Duration.ofSeconds(60)).until(() -> all(jobId, AppFailed.class), l -> !l.isEmpty()).get(0);
        assertThat(failed.reason()).contains(image, registry).containsIgnoringCase("unauthorized");
        assertNoPasswordIn(failed.reason());
        assertThat(failed.nodeId()).isEqualTo(TestPlatform.NODE);
        assertThat(all(jobId, AppStarted.class)).isEmpty();
        assertThat(presentLocally(image)).isFalse();
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId)).exec())
                .isEmpty();

        stop(jobId);
        assertNoPasswordIn(EventCodec.toJson(kafka.eventsWithKey(Topics.JOB_EVENTS, jobId)));
        assertLogHoldsNoPassword();
    }

    @Test
    @Order(3)
    void anImageTheRegistryDoesNotHaveFailsTheJobNamingIt() throws Exception {
        String missing = registry + "/" + REPOSITORY + ":never-pushed-" + UUID.randomUUID().toString().substring(0, 8);
        String jobId = "job-" + UUID.randomUUID();
        giveSecrets(jobId, password);
        Jobs.request(jobId, car(missing, new RegistryAuth(registry, user, RegistryAuth.PASSWORD_SECRET)));

        AppFailed failed = await().atMost(Duration.ofSeconds(60)).until(() -> all(jobId, AppFailed.class), l -> !l.isEmpty()).get(0);
        assertThat(failed.reason()).contains(missing).containsIgnoringCase("manifest unknown");
        assertNoPasswordIn(failed.reason());
        assertThat(all(jobId, AppStarted.class)).isEmpty();

        stop(jobId);
        assertLogHoldsNoPassword();
    }

    @Test
    @Order(4)
    void anotherTenantCannotRunAPrivateImageBecauseTheFirstOnePulledIt() throws Exception {
        push(image);
        String owners = "job-" + UUID.randomUUID();
        giveSecrets(owners, password);
        Jobs.request(owners, car(image, new RegistryAuth(registry, user, RegistryAuth.PASSWORD_SECRET)));
        await().atMost(Duration.ofSeconds(120)).until(() -> all(owners, AppStarted.class), l -> !l.isEmpty());
        assertThat(presentLocally(image)).as("the owner's deployment brought the image into the engine").isTrue();

        // A stranger names the same image, without credentials: the registry is asked, and refuses.
        String strangers = "job-" + UUID.randomUUID();
        Jobs.request(strangers, car(image, null));
        AppFailed refused = await().atMost(Duration.ofSeconds(60)).until(() -> all(strangers, AppFailed.class), l -> !l.isEmpty()).get(0);
        assertThat(refused.reason()).contains(image).containsIgnoringCase("auth");
        assertThat(all(strangers, AppStarted.class)).isEmpty();
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, strangers)).exec())
                .isEmpty();
        stop(strangers);
        stop(owners);
    }

    /** Tags the locally built base image as {@code target}, pushes it with the registry's credentials, drops the tag. */
    void push(String target) throws Exception {
        int colon = target.lastIndexOf(':');
        docker.tagImageCmd(BASE_IMAGE, target.substring(0, colon), target.substring(colon + 1)).exec();
        List<String> errors = new ArrayList<>();
        docker.pushImageCmd(target.substring(0, colon)).withTag(target.substring(colon + 1))
                .withAuthConfig(new AuthConfig().withRegistryAddress(registry).withUsername(user).withPassword(password))
                .exec(new ResultCallback.Adapter<PushResponseItem>() {
                    @Override
                    public void onNext(PushResponseItem item) {
                        if (item.getErrorDetail() != null) {
                            errors.add(item.getErrorDetail().getMessage());
                        }
                    }
                }).awaitCompletion(120, TimeUnit.SECONDS);
        assertThat(errors).as("pushing " + target).isEmpty();
        docker.removeImageCmd(target).exec();
    }

    boolean presentLocally(String reference) {
        try {
            docker.inspectImageCmd(reference).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** What project-svc would hold for the job: its registry password, sealed there, handed to this node through the gateway. */
    void giveSecrets(String jobId, String registryPassword) throws Exception {
        Jobs.secrets(jobId, Map.of(RegistryAuth.PASSWORD_SECRET, registryPassword));
    }

    void stop(String jobId) {
        Jobs.stop(jobId);
        await().atMost(Duration.ofSeconds(60)).until(() -> !all(jobId, JobStopped.class).isEmpty());
        assertThat(docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerRuntime.JOB_LABEL, jobId)).exec())
                .isEmpty();
    }

    void assertLogHoldsNoPassword() throws Exception {
        Path file = Path.of(logFile);
        assertThat(file).exists();
        String log = Files.readString(file, StandardCharsets.UTF_8);
        // The Docker client at DEBUG did log this run's commands: the scan looks at a log that could have held them.
        assertThat(log).contains("com.github.dockerjava").contains(registry + "/" + REPOSITORY);
        assertNoPasswordIn(log);
    }

    /** Neither the registry's password nor a wrong one used here, as they are or base64-encoded (as in X-Registry-Auth). */
    static void assertNoPasswordIn(String text) {
        List<String> secrets = new ArrayList<>(wrongPasswords);
        secrets.add(password);
        for (String secret : secrets) {
            List<String> forms = encodedForms(secret);
            for (int i = 0; i < forms.size(); i++) {
                // Not assertThat(text).doesNotContain(form): its failure message would print the secret and the text.
                assertThat(text.contains(forms.get(i))).as("form %d (0: plain, then base64) of a registry password appears", i)
                        .isFalse();
            }
        }
    }

    /**
     * The secret itself and the parts of its base64 (standard and URL alphabets) that do not depend on what surrounds it
     * in a longer encoded text, for each of the three byte offsets it can start at.
     */
    static List<String> encodedForms(String secret) {
        List<String> forms = new ArrayList<>(List.of(secret));
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        for (Base64.Encoder encoder : List.of(Base64.getEncoder(), Base64.getUrlEncoder())) {
            for (int offset = 0; offset < 3; offset++) {
                byte[] shifted = new byte[offset + bytes.length];
                System.arraycopy(bytes, 0, shifted, offset, bytes.length);
                String encoded = encoder.encodeToString(shifted);
                int firstGroup = offset == 0 ? 0 : 1;
                int endGroup = (offset + bytes.length) / 3;
                forms.add(encoded.substring(4 * firstGroup, 4 * endGroup));
            }
        }
        return forms;
    }

    /** Removes the run's tag from the registry (its config enables deletes), by the digest the registry reports. */
    static void deleteFromRegistry(String tag) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        URI manifest = URI.create("http://" + registry + "/v2/" + REPOSITORY + "/manifests/" + tag);
        HttpResponse<Void> head = http.send(HttpRequest.newBuilder(manifest).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Authorization", basic)
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, "
                        + "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json")
                .build(), HttpResponse.BodyHandlers.discarding());
        String digest = head.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (head.statusCode() != 200 || digest == null) {
            return;
        }
        HttpResponse<Void> deleted = http.send(HttpRequest.newBuilder(URI.create("http://" + registry + "/v2/" + REPOSITORY
                + "/manifests/" + digest)).DELETE().header("Authorization", basic).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(deleted.statusCode()).as("deleting " + REPOSITORY + ":" + tag + " from the registry").isEqualTo(202);
    }
}
