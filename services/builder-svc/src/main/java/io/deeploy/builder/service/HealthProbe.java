package io.deeploy.builder.service;

import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.config.NodeConfig;
import io.deeploy.events.payload.HealthCheck;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;

/**
 * Whether an app answers on its published port, by its job's health check: a TCP connection the app itself accepts, or
 * an HTTP GET of its path answered with 2xx or 3xx. Redirects are not followed: the check is about this app, and a
 * redirect could point the agent anywhere. Blocking.
 */
@ApplicationScoped
public class HealthProbe {

    private final ContainerRuntime containers;
    private final String address;

    public HealthProbe(ContainerRuntime containers, NodeConfig config) {
        this.containers = containers;
        this.address = config.publishAddress();
    }

    /** Null when the app became healthy within its check's time; otherwise why not. */
    public String awaitHealthy(String container, int hostPort, HealthCheck check) {
        HealthCheck health = HealthCheck.orDefault(check);
        long deadline = System.nanoTime() + Duration.ofSeconds(health.initialDelaySeconds() + health.timeoutSeconds()).toNanos();
        sleep(Duration.ofSeconds(health.initialDelaySeconds()));
        if (health.mode() == HealthCheck.Mode.NONE) {
            return containers.isRunning(container) ? null : "app exited at start";
        }
        while (System.nanoTime() < deadline) {
            if (!containers.isRunning(container)) {
                return "app exited before it became healthy";
            }
            if (probe(hostPort, health)) {
                return null;
            }
            sleep(Duration.ofMillis(250));
        }
        return "health check (" + health.mode() + ") did not pass within " + health.timeoutSeconds() + " s";
    }

    public boolean probe(int port, HealthCheck check) {
        HealthCheck health = HealthCheck.orDefault(check);
        if (health.mode() == HealthCheck.Mode.NONE) {
            return true;
        }
        if (health.mode() == HealthCheck.Mode.HTTP) {
            try {
                String url = "http://" + hostForUrl() + ":" + port + health.httpPath();
                HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
                connection.setInstanceFollowRedirects(false);
                connection.setConnectTimeout(1000);
                connection.setReadTimeout(2000);
                int status = connection.getResponseCode();
                connection.disconnect();
                return status >= 200 && status < 400;
            } catch (IOException | IllegalArgumentException e) {
                return false;
            }
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 1000);
            // A published port accepts connections as soon as the engine's proxy listens; a read tells whether the app
            // behind it is there (the proxy closes at once when it is not).
            socket.setSoTimeout(300);
            try {
                return socket.getInputStream().read() != -1;
            } catch (java.net.SocketTimeoutException quietButOpen) {
                return true;
            }
        } catch (IOException e) {
            return false;
        }
    }

    private String hostForUrl() {
        return address.contains(":") ? "[" + address + "]" : address;
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
