package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * A {@link ClusterTranslator.Cluster} that remembers every lookup made through it as an
 * {@link InputRef}: what one balancer's translation depends on, recorded by the translation
 * itself rather than derived from the spec, so that an input can never be read without being
 * tracked. Every lookup of the interface records its ref here (the compiler asks for new ones);
 * the Gateway translation's {@code GatewayReads} extends it with the Gateway API's lookups.
 */
public class RecordingCluster implements ClusterTranslator.Cluster {

    private final ClusterTranslator.Cluster cluster;
    private final Set<InputRef> read = new HashSet<>();

    public RecordingCluster(ClusterTranslator.Cluster cluster) {
        this.cluster = requireNonNull(cluster, "cluster");
    }

    /** Notes a lookup of a subclass. */
    protected final void record(InputRef ref) {
        read.add(ref);
    }

    @Override
    public Service service(String namespace, String name) {
        read.add(InputRef.service(namespace, name));
        return cluster.service(namespace, name);
    }

    @Override
    public Collection<EndpointSlice> endpointSlices(String namespace, String serviceName) {
        read.add(InputRef.endpointSlicesOf(namespace, serviceName));
        return cluster.endpointSlices(namespace, serviceName);
    }

    @Override
    public Secret secret(String namespace, String name) {
        read.add(InputRef.secret(namespace, name));
        return cluster.secret(namespace, name);
    }

    @Override
    public ConfigMap configMap(String namespace, String name) {
        read.add(InputRef.configMap(namespace, name));
        return cluster.configMap(namespace, name);
    }

    /** Every ref looked up so far. */
    public final Set<InputRef> read() {
        return Set.copyOf(read);
    }
}
