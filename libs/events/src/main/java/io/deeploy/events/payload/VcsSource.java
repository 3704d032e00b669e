package io.deeploy.events.payload;

/**
 * Where a Worker App Runner job's code comes from. Credentials never travel in events: {@code credentialsRef} names
 * the encrypted secret held by project-svc that an agent resolves when it clones.
 */
public record VcsSource(String repositoryUrl, String branch, String username, String credentialsRef, int pollIntervalSeconds) {
}
