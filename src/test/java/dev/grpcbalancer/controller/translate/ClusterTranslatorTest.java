package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterTranslatorTest {

    private static final BalancerId GREETER = new BalancerId("shop", "greeter");
    private static final BalancerId OTHER = new BalancerId("shop", "other");

    private final Map<String, Service> services = new HashMap<>();
    private final Map<String, List<EndpointSlice>> slices = new HashMap<>();
    private final Map<String, Secret> secrets = new HashMap<>();
    private final Map<String, ConfigMap> configMaps = new HashMap<>();
    private final ClusterTranslator.Cluster cluster = new ClusterTranslator.Cluster() {
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
    };

    @Test
    void balancerWithAResolvedServiceRunsItsEndpoints() {
        addService("greeter", "10.0.0.2", "10.0.0.1");

        ClusterTranslator.Result result = translate(List.of(referencing("greeter", 8080, "uid-1")), Map.of());

        assertThat(result.snapshot().balancer(GREETER).orElseThrow().backends().endpoints())
                .containsExactly(Endpoint.ready("10.0.0.1", 50051), Endpoint.ready("10.0.0.2", 50051));
        BalancerOutcome outcome = result.outcomes().get(GREETER);
        assertThat(outcome.isAccepted()).isTrue();
        assertThat(outcome.resolution()).isInstanceOf(BackendResolution.Resolved.class);
    }

    @Test
    void missingServiceKeepsTheListenerWithNoEndpoints() {
        ClusterTranslator.Result result = translate(List.of(referencing("greeter", 8080, "uid-1")), Map.of());

        assertThat(result.snapshot().balancer(GREETER).orElseThrow().backends().isEmpty()).isTrue();
        assertThat(result.outcomes().get(GREETER).resolution())
                .isEqualTo(new BackendResolution.Unresolved("BackendNotFound", "Service shop/greeter not found"));
    }

    @Test
    void invalidEditKeepsServingTheLastValidSpecOfTheSameObject() {
        addService("greeter", "10.0.0.1");
        GrpcBalancer valid = referencing("greeter", 8080, "uid-1");
        ClusterTranslator.Result first = translate(List.of(valid), Map.of());
        Map<BalancerId, GrpcBalancer> lastValid = ClusterTranslator.lastValid(first, Map.of());

        GrpcBalancer broken = referencing("greeter", 0, "uid-1");
        broken.getMetadata().setGeneration(2L);
        ClusterTranslator.Result second = translate(List.of(broken), lastValid);

        BalancerOutcome outcome = second.outcomes().get(GREETER);
        assertThat(outcome.isValid()).isFalse();
        assertThat(outcome.errors()).extracting(SpecError::field).containsExactly("spec.listener.port");
        assertThat(outcome.config().listenerPort()).isEqualTo(8080);
        assertThat(outcome.servingGeneration()).isEqualTo(1);
        assertThat(ClusterTranslator.lastValid(second, lastValid)).containsEntry(GREETER, valid);
    }

    @Test
    void recreatedBalancerDoesNotInheritTheLastValidSpecOfItsPredecessor() {
        addService("greeter", "10.0.0.1");
        Map<BalancerId, GrpcBalancer> lastValid = ClusterTranslator.lastValid(
                translate(List.of(referencing("greeter", 8080, "uid-1")), Map.of()), Map.of());

        ClusterTranslator.Result result = translate(List.of(referencing("greeter", 0, "uid-2")), lastValid);

        assertThat(result.outcomes().get(GREETER).config()).isNull();
        assertThat(result.snapshot().balancers()).isEmpty();
    }

    @Test
    void deletedBalancerLeavesTheSnapshotAndTheLastValidSpecs() {
        addService("greeter", "10.0.0.1");
        Map<BalancerId, GrpcBalancer> lastValid = ClusterTranslator.lastValid(
                translate(List.of(referencing("greeter", 8080, "uid-1")), Map.of()), Map.of());

        ClusterTranslator.Result result = translate(List.of(), lastValid);

        assertThat(result.snapshot()).isEqualTo(RoutingSnapshot.EMPTY);
        assertThat(ClusterTranslator.lastValid(result, lastValid)).isEmpty();
    }

    @Test
    void portClashRunsOnlyTheOlderBalancer() {
        addService("greeter", "10.0.0.1");
        GrpcBalancer older = referencing("greeter", 8080, "uid-1");
        older.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
        GrpcBalancer younger = referencing("greeter", 8080, "uid-2");
        younger.getMetadata().setName("other");
        younger.getMetadata().setCreationTimestamp("2026-06-01T00:00:00Z");

        ClusterTranslator.Result result = translate(List.of(younger, older), Map.of());

        assertThat(result.snapshot().balancers()).extracting(b -> b.id()).containsExactly(GREETER);
        assertThat(result.outcomes().get(OTHER).portHolder()).isEqualTo(GREETER);
        assertThat(result.outcomes().get(OTHER).config()).isNull();
    }

    @Test
    void staticEndpointsNeedNoService() {
        GrpcBalancer balancer = referencing("greeter", 8080, "uid-1");
        balancer.getSpec().setBackendRef(null);
        balancer.getSpec().setStaticEndpoints(List.of("10.0.0.9:7000"));

        ClusterTranslator.Result result = translate(List.of(balancer), Map.of());

        assertThat(result.snapshot().balancer(GREETER).orElseThrow().backends().endpoints())
                .containsExactly(Endpoint.ready("10.0.0.9", 7000));
        assertThat(result.outcomes().get(GREETER).resolution()).isNull();
    }

    private ClusterTranslator.Result translate(List<GrpcBalancer> balancers, Map<BalancerId, GrpcBalancer> lastValid) {
        return ClusterTranslator.translate(balancers, cluster, lastValid, RoutingSnapshot.EMPTY, new KeyMaterialCache(),
                Instant.now());
    }

    private static GrpcBalancer referencing(String service, int port, String uid) {
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setNamespace("shop");
        balancer.getMetadata().setName("greeter");
        balancer.getMetadata().setUid(uid);
        balancer.getMetadata().setGeneration(1L);
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(port);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setBackendRef(new BackendRef(service, 50051));
        balancer.setSpec(spec);
        return balancer;
    }

    private void addService(String name, String... ips) {
        services.put("shop/" + name, new ServiceBuilder()
                .withNewMetadata().withNamespace("shop").withName(name).endMetadata()
                .withNewSpec().addNewPort().withName("grpc").withPort(50051).endPort().endSpec()
                .build());
        EndpointSliceBuilder slice = new EndpointSliceBuilder()
                .withNewMetadata().withNamespace("shop").withName(name + "-abc")
                    .addToLabels(ServiceBackends.SERVICE_NAME_LABEL, name).endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName("grpc").withPort(50051).endPort();
        for (String ip : ips) {
            slice.addNewEndpoint().withAddresses(ip).endEndpoint();
        }
        slices.put("shop/" + name, List.of(slice.build()));
    }
}
