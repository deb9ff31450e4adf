package dev.grpcbalancer.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.dataplane.tls.UpstreamTls;
import dev.grpcbalancer.snapshot.EndpointAddress;

/**
 * What upstream connections are pooled by: the endpoint's address and how the connection is
 * secured. Balancers with the same endpoint share connections only when their backend TLS settings
 * are equal ({@link UpstreamTls} instances are canonical and compare by identity).
 */
public record UpstreamKey(EndpointAddress address, UpstreamTls tls) {

    public UpstreamKey {
        requireNonNull(address, "address");
        requireNonNull(tls, "tls");
    }

    @Override
    public String toString() {
        return tls.enabled() ? address + " (TLS as " + tls.hostname() + ")" : address.toString();
    }
}
