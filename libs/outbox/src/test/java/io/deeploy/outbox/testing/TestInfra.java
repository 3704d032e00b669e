package io.deeploy.outbox.testing;

/** Where the test instance's real parts listen; the README's test command starts them and exports these variables. */
public final class TestInfra {

    private TestInfra() {
    }

    public static String kafkaBootstrapServers() {
        return required("DEEPLOY_KAFKA_BOOTSTRAP");
    }

    public static String required(String variable) {
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(variable + " is not set: integration tests run against the real parts "
                    + "that './deeploy test' starts (or 'eval \"$(DEEPLOY_INSTANCE=test infra/infra.sh env)\"').");
        }
        return value;
    }
}
