package io.deeploy.client;

/** A project: its id, name and owner's address. */
public record Project(String id, String name, String owner) {
}
