package io.deeploy.builder.service;

import io.deeploy.builder.client.ContainerRuntime;
import io.deeploy.builder.client.JobNetworks;
import io.deeploy.builder.config.NodeConfig;
import jakarta.inject.Singleton;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every job runner works with: the node's engine, builder, launcher, images, secrets, workspaces, watcher, tunnels
 * and report spool, the pool their tasks run on and the timer that schedules restarts (instead of a thread sleeping).
 * A singleton without a client proxy, so that the runners read its fields directly.
 */
@Singleton
public class JobRunnerServices {

    final ContainerRuntime containers;
    final JobNetworks networks;
    final WarBuilder builder;
    final AppLauncher launcher;
    final AppImages images;
    final JobSecrets secrets;
    final Workspaces workspaces;
    final RepoWatcher watcher;
    final TunnelManager tunnels;
    final ReportSpool reports;
    final HealthProbe health;
    final NodeConfig node;
    /** Where the jobs' tasks run: each job's one at a time, different jobs' side by side. */
    final ExecutorService pool = Executors.newCachedThreadPool(daemon("deeploy-job"));
    final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, daemon("deeploy-job-timer"));

    public JobRunnerServices(ContainerRuntime containers, JobNetworks networks, WarBuilder builder, AppLauncher launcher,
            AppImages images, JobSecrets secrets, Workspaces workspaces, RepoWatcher watcher, TunnelManager tunnels,
            ReportSpool reports, HealthProbe health, NodeConfig node) {
        this.containers = containers;
        this.networks = networks;
        this.builder = builder;
        this.launcher = launcher;
        this.images = images;
        this.secrets = secrets;
        this.workspaces = workspaces;
        this.watcher = watcher;
        this.tunnels = tunnels;
        this.reports = reports;
        this.health = health;
        this.node = node;
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
