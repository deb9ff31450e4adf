package dev.grpcbalancer.controller.translate;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link ClusterTranslator.Cluster} over plain maps keyed {@code namespace/name} (slices by
 * {@code namespace/serviceName}), for translation tests: a test fills the maps it needs.
 */
public class MapCluster implements ClusterTranslator.Cluster {

    public final Map<String, Service> services = new HashMap<>();
    public final Map<String, List<EndpointSlice>> slices = new HashMap<>();
    public final Map<String, Secret> secrets = new HashMap<>();
    public final Map<String, ConfigMap> configMaps = new HashMap<>();

    /** Adds Service {@code namespace/name} (port grpc 50051) with one EndpointSlice of ready {@code ips}. */
    public void addService(String namespace, String name, String... ips) {
        services.put(namespace + "/" + name, new ServiceBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec().addNewPort().withName("grpc").withPort(50051).endPort().endSpec()
                .build());
        EndpointSliceBuilder slice = new EndpointSliceBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name + "-abc")
                    .addToLabels(ServiceBackends.SERVICE_NAME_LABEL, name).endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName("grpc").withPort(50051).endPort();
        for (String ip : ips) {
            slice.addNewEndpoint().withAddresses(ip).endEndpoint();
        }
        slices.put(namespace + "/" + name, List.of(slice.build()));
    }

    @Override
    public Service service(String namespace, String name) {
        return services.get(namespace + "/" + name);
    }

    @Override
    public Collection<EndpointSlice> endpointSlices(String namespace, String serviceName) {
        return slices.getOrDefault(namespace + "/" + serviceName, List.of());
    }

    @Override
    public Secret secret(String namespace, String name) {
        return secrets.get(namespace + "/" + name);
    }

    @Override
    public ConfigMap configMap(String namespace, String name) {
        return configMaps.get(namespace + "/" + name);
    }
}
