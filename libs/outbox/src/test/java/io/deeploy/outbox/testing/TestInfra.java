package io.deeploy.outbox.testing;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

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

    /**
     * The client settings of the test instance's Kafka for a test that reads and writes every topic, as the broker's
     * admin principal (tests stand in for every producer); the broker refuses clients without credentials.
     */
    public static Properties kafkaAdminClient() {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafkaBootstrapServers());
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", "SCRAM-SHA-512");
        props.put("sasl.jaas.config", jaas(required("DEEPLOY_KAFKA_ADMIN_USERNAME"), required("DEEPLOY_KAFKA_ADMIN_PASSWORD")));
        return props;
    }

    /** A SCRAM login for Kafka's clients. */
    public static String jaas(String username, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + username + "\" password=\""
                + password + "\";";
    }

    /**
     * The environment a platform service's process gets to run against the test instance: its own PostgreSQL role and
     * Kafka principal (as {@code ./deeploy up} hands them to each service, and no other service's), the addresses of the
     * parts, and the Docker engine.
     */
    public static Map<String, String> serviceEnvironment(String service) {
        String suffix = service.toUpperCase(Locale.ROOT).replace('-', '_');
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DEEPLOY_KAFKA_BOOTSTRAP", kafkaBootstrapServers());
        env.put("DEEPLOY_KAFKA_USERNAME", service);
        env.put("DEEPLOY_KAFKA_PASSWORD", required("DEEPLOY_KAFKA_PASSWORD_" + suffix));
        env.put("DEEPLOY_PG_HOST", required("DEEPLOY_PG_HOST"));
        env.put("DEEPLOY_PG_PORT", required("DEEPLOY_PG_PORT"));
        env.put("DEEPLOY_PG_USER", service.replace('-', '_'));
        env.put("DEEPLOY_PG_PASSWORD", required("DEEPLOY_PG_PASSWORD_" + suffix));
        return env;
    }

    /**
     * A scheduler that starts now on the test instance begins with a clean slate: the job commands earlier tests left on
     * Kafka are skipped, and the jobs earlier tests left placed or waiting in its database are released, so none of them
     * lands on a test's nodes (where a job of another test would take capacity or fetch from servers long gone). Run it
     * while no scheduler-svc of the instance is up.
     */
    public static void cleanSchedulerSlate() throws Exception {
        try (KafkaEvents kafka = KafkaEvents.fromEnvironment()) {
            kafka.skipToEnd("scheduler-svc", io.deeploy.events.Topics.JOB_COMMANDS);
        }
        Map<String, String> env = serviceEnvironment("scheduler-svc");
        Properties login = new Properties();
        login.put("user", env.get("DEEPLOY_PG_USER"));
        login.put("password", env.get("DEEPLOY_PG_PASSWORD"));
        // The driver itself rather than DriverManager, which looks in the class loader of the first test that ran.
        try (java.sql.Connection db = new org.postgresql.Driver().connect("jdbc:postgresql://" + env.get("DEEPLOY_PG_HOST") + ":"
                + env.get("DEEPLOY_PG_PORT") + "/scheduler", login);
                java.sql.Statement statement = db.createStatement()) {
            if (db.getMetaData().getTables(null, null, "allocation", null).next()) {
                statement.executeUpdate("UPDATE placement SET state = 'RELEASED' WHERE state <> 'RELEASED'");
                statement.executeUpdate("UPDATE allocation SET desired = 'STOP', stop_announced = true, node_confirmed = true");
            }
        }
    }
}
