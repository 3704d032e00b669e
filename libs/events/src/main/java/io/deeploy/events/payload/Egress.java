package io.deeploy.events.payload;

/**
 * Where a job's containers may connect, beyond answering the ingress. Never to another job or to the node itself:
 * each job has a network of its own, and the node drops what its jobs send to it.
 */
public enum Egress {
    /** The default: public addresses only, no loopback, private, link-local or shared ranges (the operator's network). */
    INTERNET,
    /** Nothing at all: the job's network has no way out. */
    NONE,
    /** Private ranges too, where the platform's and the node's operators allow it. */
    ALL
}
