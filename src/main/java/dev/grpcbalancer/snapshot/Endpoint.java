package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

/**
 * One backend address with its weight, state and locality (zone, node, topology hints).
 *
 * <p>{@code host} is an IPv4 address, an IPv6 address (without brackets) or a DNS name. Two
 * endpoints with the same {@link #address()} are the same backend: upstream connections are
 * pooled by address, and load-balancer state (in-flight counts) carries over by address.
 */
public record Endpoint(String host, int port, int weight, EndpointState state, Locality locality) {

    public static final int MIN_WEIGHT = 1;
    public static final int MAX_WEIGHT = 1000;

    public Endpoint {
        requireNonNull(host, "host");
        requireNonNull(state, "state");
        requireNonNull(locality, "locality");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (host.startsWith("[")) {
            throw new IllegalArgumentException("host must be given without brackets: " + host);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535: " + port);
        }
        if (weight < MIN_WEIGHT || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be " + MIN_WEIGHT + ".." + MAX_WEIGHT + ": " + weight);
        }
    }

    /** An endpoint of which nothing about its locality is known. */
    public Endpoint(String host, int port, int weight, EndpointState state) {
        this(host, port, weight, state, Locality.NONE);
    }

    /** A ready endpoint of weight 1. */
    public static Endpoint ready(String host, int port) {
        return new Endpoint(host, port, 1, EndpointState.READY);
    }

    public EndpointAddress address() {
        return new EndpointAddress(host, port);
    }

    public Endpoint withState(EndpointState newState) {
        return new Endpoint(host, port, weight, newState, locality);
    }

    public Endpoint withLocality(Locality newLocality) {
        return new Endpoint(host, port, weight, state, newLocality);
    }

    /** The endpoint's zone; empty when unknown. */
    public String zone() {
        return locality.zone();
    }

    @Override
    public String toString() {
        return address() + (weight != 1 ? ";weight=" + weight : "") + (zone().isEmpty() ? "" : ";zone=" + zone())
                + (state != EndpointState.READY ? " " + state : "");
    }
}
