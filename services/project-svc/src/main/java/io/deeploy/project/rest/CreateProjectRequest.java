package io.deeploy.project.rest;

public record CreateProjectRequest(String name) {
}
