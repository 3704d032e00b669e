package io.deeploy.project.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.Resources;
import io.deeploy.events.payload.TunnelFailed;
import io.deeploy.events.payload.RouteReady;
import io.deeploy.events.payload.TunnelReady;
import io.deeploy.events.payload.TunnelSettings;
import io.deeploy.project.repository.Job;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a job shows of its tunnels: the URL to use, and why its own engine gives none. */
class TunnelStatusTest {

    static final Instant AT = Instant.parse("2026-11-23T12:00:00Z");
    static final String INGRESS_URL = "http://web.apps.localhost:8080/";
    static final String QUICK_URL = "https://gentle-river-plain-words.trycloudflare.com";

    static Job job(TunnelSettings tunnel) {
        Job job = new Job();
        job.id = "job-1";
        job.state = JobState.RUNNING;
        job.spec = EventCodec.toJson(new JobSpec(JobKind.CAR, "web", "local/python:bookworm", null, List.of(), Map.of(), List.of(),
                8000, new Resources(500, 256, 0), "always", null, List.of(), 1, List.of(), 30, null, null, tunnel, null));
        return job;
    }

    @Test
    void withoutAnEngineOfItsOwnTheIngressNamesTheUrl() {
        Job job = job(null);
        JobStatusService.applyTunnel(job, new RouteReady("job-1", "web", INGRESS_URL), AT);
        assertThat(job.url).isEqualTo(INGRESS_URL);
        assertThat(job.updatedAt).isEqualTo(AT);
    }

    @Test
    void theJobsOwnEngineNamesTheUrlWhicheverAnnouncementComesFirst() {
        Job ingressFirst = job(new TunnelSettings("cloudflare", null, null));
        JobStatusService.applyTunnel(ingressFirst, new RouteReady("job-1", "web", INGRESS_URL), AT);
        assertThat(ingressFirst.url).isEqualTo(INGRESS_URL);
        JobStatusService.applyTunnel(ingressFirst, new TunnelReady("job-1", "node-1", "web", QUICK_URL, "cloudflare"), AT);
        assertThat(ingressFirst.url).isEqualTo(QUICK_URL);

        Job engineFirst = job(new TunnelSettings("cloudflare", null, null));
        JobStatusService.applyTunnel(engineFirst, new TunnelReady("job-1", "node-1", "web", QUICK_URL, "cloudflare"), AT);
        JobStatusService.applyTunnel(engineFirst, new RouteReady("job-1", "web", INGRESS_URL), AT);
        assertThat(engineFirst.url).isEqualTo(QUICK_URL);
    }

    @Test
    void anEngineFailureIsShownWithoutChangingTheStateUntilTheEngineServes() {
        Job job = job(new TunnelSettings("cloudflare", null, null));
        JobStatusService.applyTunnel(job, new RouteReady("job-1", "web", INGRESS_URL), AT);
        JobStatusService.applyTunnel(job, new TunnelFailed("job-1", "node-1", "cloudflare",
                "cannot run cloudflared (deeploy.tunnel.cloudflared-image): no such image"), AT);
        assertThat(job.state).isEqualTo(JobState.RUNNING);
        assertThat(job.url).isEqualTo(INGRESS_URL);
        assertThat(job.lastError).isEqualTo("tunnel (cloudflare) on node-1: cannot run cloudflared "
                + "(deeploy.tunnel.cloudflared-image): no such image");
        // The ingress's news says nothing about the engine.
        JobStatusService.applyTunnel(job, new RouteReady("job-1", "web", INGRESS_URL), AT);
        assertThat(job.lastError).startsWith("tunnel (cloudflare)");
        JobStatusService.applyTunnel(job, new TunnelReady("job-1", "node-1", "web", QUICK_URL, "cloudflare"), AT);
        assertThat(job.lastError).isNull();
        assertThat(job.url).isEqualTo(QUICK_URL);
    }

    @Test
    void anEngineFailureDoesNotHideWhyAJobFailedNorOutliveItsStop() {
        for (JobState state : new JobState[] {JobState.FAILED, JobState.STOPPING, JobState.STOPPED}) {
            Job job = job(new TunnelSettings("ngrok", null, "tunnel.token"));
            job.state = state;
            job.lastError = "app exited with code 1";
            JobStatusService.applyTunnel(job, new TunnelFailed("job-1", "node-1", "ngrok", "ngrok exited with code 1"), AT);
            assertThat(job.lastError).as(state.name()).isEqualTo("app exited with code 1");
            assertThat(job.state).isEqualTo(state);
        }
        // Another failure that is not the tunnel's stays when the engine comes up.
        Job job = job(new TunnelSettings("cloudflare", null, null));
        job.lastError = "build of abc failed: build command exited with 1; still serving def";
        JobStatusService.applyTunnel(job, new TunnelReady("job-1", "node-1", "web", QUICK_URL, "cloudflare"), AT);
        assertThat(job.lastError).startsWith("build of abc failed");
    }
}
