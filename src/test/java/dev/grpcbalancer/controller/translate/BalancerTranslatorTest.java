package dev.grpcbalancer.controller.translate;

import static dev.grpcbalancer.controller.translate.SpecValidationTest.balancer;
import static dev.grpcbalancer.controller.translate.SpecValidationTest.policy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.ConsistentHashSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BalancerTranslatorTest {

    @Test
    void staticBalancerTranslatesToAConfigWithItsEndpointsSorted() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.2:50051;weight=3", "[::1]:50052", "backend.example.com:50051");
        balancer.getMetadata().setNamespace("shop");
        balancer.getMetadata().setGeneration(7L);
        balancer.getSpec().setLoadBalancing(policy("LeastRequest"));

        Translation translation = BalancerTranslator.translateStatic(balancer);

        assertThat(translation.isValid()).isTrue();
        assertThat(translation.errors()).isEmpty();
        assertThat(translation.config()).isEqualTo(new BalancerConfig(new BalancerId("shop", "greeter"), 7, 8080,
                LoadBalancingPolicy.LeastRequest, new BackendSet(List.of(
                        new Endpoint("10.0.0.2", 50051, 3, EndpointState.READY),
                        Endpoint.ready("::1", 50052),
                        Endpoint.ready("backend.example.com", 50051)))));
    }

    @Test
    void missingNamespaceMeansDefaultAndMissingGenerationMeansZero() {
        BalancerConfig config = BalancerTranslator.translateStatic(balancer("greeter", 8080, "10.0.0.1:1")).config();

        assertThat(config.id()).isEqualTo(new BalancerId("default", "greeter"));
        assertThat(config.generation()).isZero();
    }

    @Test
    void policyDefaultsToRoundRobin() {
        assertThat(BalancerTranslator.translateStatic(balancer("greeter", 8080, "10.0.0.1:1")).config().policy())
                .isEqualTo(LoadBalancingPolicy.RoundRobin);
    }

    @ParameterizedTest
    @EnumSource(LoadBalancingPolicy.class)
    void everyPolicyIsTranslatedByItsName(LoadBalancingPolicy expected) {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        balancer.getSpec().setLoadBalancing(policy(expected.name()));
        if (expected == LoadBalancingPolicy.ConsistentHash) {
            ConsistentHashSpec hash = new ConsistentHashSpec();
            hash.setHeader("x-user-id");
            balancer.getSpec().getLoadBalancing().setConsistentHash(hash);
        }

        assertThat(BalancerTranslator.translateStatic(balancer).config().policy()).isEqualTo(expected);
    }

    @Test
    void equalInputGivesAnEqualConfigWhateverTheOrderOfEndpoints() {
        Translation one = BalancerTranslator.translateStatic(balancer("greeter", 8080, "b:1", "a:1", "[::2]:1"));
        Translation other = BalancerTranslator.translateStatic(balancer("greeter", 8080, "[::2]:1", "a:1", "b:1"));

        assertThat(one).isEqualTo(other);
    }

    @Test
    void invalidBalancerYieldsErrorsAndNoConfig() {
        Translation translation = BalancerTranslator.translateStatic(balancer("greeter", 70000, "10.0.0.1:1"));

        assertThat(translation.isValid()).isFalse();
        assertThat(translation.errors()).containsExactly(new SpecError("spec.listener.port", "must be 1..65535, got 70000"));
        assertThatThrownBy(translation::config).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("spec.listener.port: must be 1..65535, got 70000");
    }

    @Test
    void standaloneTranslationRejectsBackendRefBecauseItNeedsTheController() {
        GrpcBalancer balancer = balancer("greeter", 8080);
        balancer.getSpec().setBackendRef(new BackendRef("greeter", 50051));

        assertThat(BalancerTranslator.translateStatic(balancer).errors()).containsExactly(new SpecError(
                "spec.backendRef", "needs the Kubernetes controller (the controller command);"
                        + " standalone mode takes spec.staticEndpoints"));
    }

    @Test
    void controllerSuppliesTheBackendsOfABackendRef() {
        GrpcBalancer balancer = balancer("greeter", 8080);
        balancer.getSpec().setBackendRef(new BackendRef("greeter", 50051));
        BackendSet fromSlices = BalancerTranslator.sortedBackends(List.of(
                Endpoint.ready("10.1.0.9", 8080), Endpoint.ready("10.1.0.10", 8080).withState(EndpointState.DRAINING)));

        BalancerConfig config = BalancerTranslator.translate(balancer, fromSlices).config();

        assertThat(config.backends()).isEqualTo(fromSlices);
        assertThat(config.backends().endpoints()).extracting(Endpoint::host).containsExactly("10.1.0.10", "10.1.0.9");
    }

    @Test
    void controllerTranslationStillValidates() {
        GrpcBalancer balancer = balancer("greeter", 8080);

        assertThat(BalancerTranslator.translate(balancer, BackendSet.EMPTY).errors())
                .containsExactly(new SpecError("spec", "set one of rules, backendRef (a Service) and staticEndpoints"));
    }

    @Test
    void sortedBackendsIsIndependentOfInputOrder() {
        Endpoint a = Endpoint.ready("a", 2);
        Endpoint b = Endpoint.ready("a", 10);
        Endpoint c = Endpoint.ready("b", 1);

        assertThat(BalancerTranslator.sortedBackends(List.of(c, b, a)))
                .isEqualTo(BalancerTranslator.sortedBackends(List.of(a, c, b)))
                .isEqualTo(new BackendSet(List.of(a, b, c)));
    }

    @Test
    void idOfUsesTheDefaultNamespaceAndNeedsAName() {
        GrpcBalancer named = balancer("greeter", 8080);
        named.getMetadata().setNamespace("");

        assertThat(BalancerTranslator.idOf(named)).isEqualTo(new BalancerId("default", "greeter"));
        assertThatThrownBy(() -> BalancerTranslator.idOf(balancer(null, 8080)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
