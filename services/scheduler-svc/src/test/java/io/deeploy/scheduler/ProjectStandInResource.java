package io.deeploy.scheduler;

import io.deeploy.node.Ed25519Keys;
import io.deeploy.outbox.testing.ProjectStandIn;
import io.deeploy.outbox.testing.TestInfra;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * The platform around the scheduler in its tests: project-svc's two answers for the gateway (secrets for the internal
 * token, the log-grant key), and a clean slate, so that jobs earlier modules' tests left on Kafka or in the scheduler's
 * database are not placed on this module's test nodes.
 */
public class ProjectStandInResource implements QuarkusTestResourceLifecycleManager {

    /** The test profile's internal token ({@code %test.deeploy.internal.token}). */
    static final String INTERNAL_TOKEN = "test-internal-token";
    static final String LOG_GRANT_KEY = Ed25519Keys.encode(Ed25519Keys.generate().getPublic());

    private ProjectStandIn standIn;

    @Override
    public Map<String, String> start() {
        try {
            TestInfra.cleanSchedulerSlate();
            standIn = new ProjectStandIn(INTERNAL_TOKEN, LOG_GRANT_KEY);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of("deeploy.gateway.project-url", standIn.url(), "deeploy.test.project-url", standIn.url());
    }

    @Override
    public void stop() {
        if (standIn != null) {
            standIn.close();
        }
    }
}
