package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.controller.crd.LoadBalancingSpec;
import dev.grpcbalancer.controller.crd.ManagedServiceSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpecValidationTest {

    @Test
    void validBalancerHasNoErrors() {
        assertThat(SpecValidation.validate(balancer("greeter", 8080, "10.0.0.1:50051"))).isEmpty();
    }

    @Test
    void backendRefBalancerIsValidWithoutStaticEndpoints() {
        GrpcBalancer balancer = balancer("greeter", 8080);
        balancer.getSpec().setBackendRef(new BackendRef("greeter", 50051));

        assertThat(SpecValidation.validate(balancer)).isEmpty();
    }

    @Test
    void missingNameIsReported() {
        GrpcBalancer balancer = balancer(null, 8080, "10.0.0.1:1");

        assertThat(SpecValidation.validate(balancer)).containsExactly(new SpecError("metadata.name", "required"));
    }

    @Test
    void nameAndNamespaceMustBeKubernetesNames() {
        GrpcBalancer balancer = balancer("Greeter/v1", 8080, "10.0.0.1:1");
        balancer.getMetadata().setNamespace("my.shop");

        assertThat(SpecValidation.validate(balancer)).extracting(SpecError::field)
                .containsExactly("metadata.name", "metadata.namespace");
    }

    @Test
    void missingSpecIsReported() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        balancer.setSpec(null);

        assertThat(SpecValidation.validate(balancer)).containsExactly(new SpecError("spec", "required"));
    }

    @Test
    void missingListenerAndMissingPortAreReported() {
        GrpcBalancer noListener = balancer("greeter", 8080, "10.0.0.1:1");
        noListener.getSpec().setListener(null);
        GrpcBalancer noPort = balancer("greeter", 8080, "10.0.0.1:1");
        noPort.getSpec().getListener().setPort(null);

        assertThat(SpecValidation.validate(noListener)).containsExactly(new SpecError("spec.listener", "required"));
        assertThat(SpecValidation.validate(noPort)).containsExactly(new SpecError("spec.listener.port", "required"));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65536, 70000})
    void listenerPortOutOfRangeIsReported(int port) {
        assertThat(SpecValidation.validate(balancer("greeter", port, "10.0.0.1:1")))
                .containsExactly(new SpecError("spec.listener.port", "must be 1..65535, got " + port));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 65535})
    void listenerPortBoundsAreAccepted(int port) {
        assertThat(SpecValidation.validate(balancer("greeter", port, "10.0.0.1:1"))).isEmpty();
    }

    @Test
    void backendRefAndStaticEndpointsTogetherAreReportedNamingBoth() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        balancer.getSpec().setBackendRef(new BackendRef("greeter", 50051));

        assertThat(SpecValidation.validate(balancer))
                .containsExactly(new SpecError("spec", "set exactly one of rules, backendRef and staticEndpoints"
                        + " (backendRef and staticEndpoints are the shorthand for one rule that takes every call)"));
    }

    @Test
    void neitherBackendRefNorStaticEndpointsIsReported() {
        assertThat(SpecValidation.validate(balancer("greeter", 8080)))
                .containsExactly(new SpecError("spec", "set one of rules, backendRef (a Service) and staticEndpoints"));
    }

    @Test
    void backendRefNeedsAServiceNameAndAServicePort() {
        GrpcBalancer balancer = balancer("greeter", 8080);
        balancer.getSpec().setBackendRef(new BackendRef("", 0));
        GrpcBalancer noPort = balancer("greeter", 8080);
        noPort.getSpec().setBackendRef(new BackendRef("Greeter.svc", null));

        assertThat(SpecValidation.validate(balancer)).containsExactly(
                new SpecError("spec.backendRef.name", "required"),
                new SpecError("spec.backendRef.port", "must be 1..65535, got 0"));
        assertThat(SpecValidation.validate(noPort)).extracting(SpecError::toString).containsExactly(
                "spec.backendRef.name: must be a Service name: lowercase letters, digits and '-'"
                        + " (at most 63 characters), got \"Greeter.svc\"",
                "spec.backendRef.port: required");
    }

    @Test
    void emptyStaticEndpointsAreReported() {
        GrpcBalancer balancer = balancer("greeter", 8080);
        balancer.getSpec().setStaticEndpoints(List.of());

        assertThat(SpecValidation.validate(balancer))
                .containsExactly(new SpecError("spec.staticEndpoints", "must list at least one endpoint"));
    }

    @Test
    void moreThanAThousandStaticEndpointsAreReported() {
        List<String> entries = new ArrayList<>();
        for (int i = 1; i <= 1001; i++) {
            entries.add("backend-" + i + ":50051");
        }
        GrpcBalancer balancer = balancer("greeter", 8080);
        balancer.getSpec().setStaticEndpoints(entries);

        assertThat(SpecValidation.validate(balancer)).containsExactly(
                new SpecError("spec.staticEndpoints", "must list at most 1000 endpoints, got 1001"));
    }

    @Test
    void everyBadStaticEndpointIsReportedWithItsIndex() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1", "oops", "10.0.0.2:1", "10.0.0.1:1;weight=9");
        List<String> withNull = new ArrayList<>(balancer.getSpec().getStaticEndpoints());
        withNull.add(null);
        balancer.getSpec().setStaticEndpoints(withNull);

        assertThat(SpecValidation.validate(balancer)).containsExactly(
                new SpecError("spec.staticEndpoints[1]", "expected host:port, got \"oops\""),
                new SpecError("spec.staticEndpoints[3]", "duplicate of spec.staticEndpoints[0] (both are 10.0.0.1:1)"),
                new SpecError("spec.staticEndpoints[4]", "expected host:port, got nothing"));
    }

    @Test
    void unknownPolicyIsReportedListingTheValidOnes() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        balancer.getSpec().setLoadBalancing(policy("roundrobin"));

        assertThat(SpecValidation.validate(balancer)).containsExactly(new SpecError("spec.loadBalancing.policy",
                "must be one of RoundRobin, LeastRequest, Random, PeakEwma, ConsistentHash, got \"roundrobin\""));
    }

    @Test
    void loadBalancingWithoutPolicyIsValid() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        balancer.getSpec().setLoadBalancing(new LoadBalancingSpec());

        assertThat(SpecValidation.validate(balancer)).isEmpty();
    }

    @Test
    void unknownServiceTypeIsReportedListingTheValidOnes() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        ManagedServiceSpec service = new ManagedServiceSpec();
        service.setType("ExternalName");
        balancer.getSpec().setService(service);

        assertThat(SpecValidation.validate(balancer)).containsExactly(new SpecError("spec.service.type",
                "must be one of ClusterIP, NodePort, LoadBalancer, None, got \"ExternalName\""));
    }

    @Test
    void serviceTypeDefaultsToClusterIp() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        assertThat(SpecValidation.serviceTypeOf(balancer.getSpec())).isEqualTo("ClusterIP");

        ManagedServiceSpec service = new ManagedServiceSpec();
        service.setType("None");
        balancer.getSpec().setService(service);
        assertThat(SpecValidation.validate(balancer)).isEmpty();
        assertThat(SpecValidation.serviceTypeOf(balancer.getSpec())).isEqualTo("None");
    }

    @Test
    void allProblemsAreReportedTogetherInFieldOrder() {
        GrpcBalancer balancer = balancer(null, 0, "bad");
        balancer.getSpec().setBackendRef(new BackendRef(null, 99999));
        balancer.getSpec().setLoadBalancing(policy("Fastest"));

        assertThat(SpecValidation.validate(balancer)).extracting(SpecError::field).containsExactly(
                "metadata.name", "spec.listener.port", "spec", "spec.backendRef.name", "spec.backendRef.port",
                "spec.staticEndpoints[0]", "spec.loadBalancing.policy");
    }

    static GrpcBalancer balancer(String name, int port, String... staticEndpoints) {
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setName(name);
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(port);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        if (staticEndpoints.length > 0) {
            spec.setStaticEndpoints(List.of(staticEndpoints));
        }
        balancer.setSpec(spec);
        return balancer;
    }

    static LoadBalancingSpec policy(String name) {
        LoadBalancingSpec loadBalancing = new LoadBalancingSpec();
        loadBalancing.setPolicy(name);
        return loadBalancing;
    }
}
