package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

/** host and port of a backend; the key of upstream connection pools. */
public record EndpointAddress(String host, int port) {

    public EndpointAddress {
        requireNonNull(host, "host");
    }

    /** {@code host:port}, with IPv6 hosts in brackets. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
