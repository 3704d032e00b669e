package io.deeploy.events.payload;

/** What a job runs: a Git repository built on a base image (Worker App Runner) or a ready image (Container App Runner). */
public enum JobKind {
    WAR,
    CAR
}
