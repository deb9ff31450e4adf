package dev.grpcbalancer.controller;

import static dev.grpcbalancer.controller.ClusterObjects.ready;
import static dev.grpcbalancer.controller.ClusterObjects.service;
import static dev.grpcbalancer.controller.ClusterObjects.slice;
import static dev.grpcbalancer.controller.ControllerFixture.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.BackendRefStatus;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.controller.crd.MethodMatchSpec;
import dev.grpcbalancer.controller.crd.RouteMatchSpec;
import dev.grpcbalancer.controller.crd.RuleBackendRef;
import dev.grpcbalancer.controller.crd.RuleSpec;
import dev.grpcbalancer.controller.crd.RuleStatus;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A balancer with rules over several Services, end to end against fabric8's mock API server:
 * calls reach the Service of their rule split by weight, status names each rule's backendRefs,
 * and a Service created later resolves the rule that named it.
 */
@EnableKubernetesMockClient(crud = true)
class ControllerRoutingTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);

    KubernetesClient client;

    private ControllerFixture controller;
    private Pods pods;
    private TestClient grpc;

    @AfterEach
    void tearDown() {
        if (grpc != null) {
            grpc.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (pods != null) {
            pods.close();
        }
    }

    @Test
    void rulesRouteToSeveralServicesByWeightAndStatusNamesEveryBackendRef() throws Exception {
        pods = Pods.start(2, 3);
        createService("cart-v1", "127.0.0.2");
        createService("cart-v2", "127.0.0.3");
        createService("checkout", "127.0.0.4");
        controller = ControllerFixture.start(client);
        int port = FreePorts.freeLoopbackPort();

        client.resource(balancer(port,
                rule("cart", "shop.Cart", ref("cart-v1", 3), ref("cart-v2", 1)),
                rule("checkout", "shop.Checkout", ref("checkout", 1)),
                rule(null, "shop.Orders", ref("orders", 1)))).create();

        controller.awaitCondition("front", "Programmed", "True", "Programmed");
        Condition resolved = controller.awaitCondition("front", "ResolvedRefs", "False", "BackendNotFound");
        assertThat(resolved.getMessage()).contains("rules[2]: Service " + NAMESPACE + "/orders not found");
        Condition available = controller.awaitCondition("front", "BackendsAvailable", "False", "NoReadyEndpoints");
        assertThat(available.getMessage()).contains("rules[2]: 0 of 0 endpoints ready");
        GrpcBalancer status = controller.balancer("front");
        assertThat(status.getStatus().getRuleCount()).isEqualTo(3);
        assertThat(status.getStatus().getRules()).extracting(RuleStatus::getName).containsExactly("cart", "checkout", "rule-2");
        assertThat(status.getStatus().getRules().get(0).getBackendRefs())
                .extracting(BackendRefStatus::getName, BackendRefStatus::getWeight, r -> r.getEndpoints().getReady())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("cart-v1:50051", 3, 1),
                        org.assertj.core.groups.Tuple.tuple("cart-v2:50051", 1, 1));
        assertThat(status.getStatus().getReadyEndpoints()).isEqualTo("3/3");

        grpc = TestClient.builder(new InetSocketAddress(ProxyFixture.HOST, port)).disableRetry().build();
        Map<String, Integer> cart = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            cart.merge(ok(call("shop.Cart/Get")).backendId(), 1, Integer::sum);
        }
        assertThat(cart).containsExactlyInAnyOrderEntriesOf(Map.of("127.0.0.2", 30, "127.0.0.3", 10));
        assertThat(ok(call("shop.Checkout/Pay")).backendId()).isEqualTo("127.0.0.4");
        assertThat(call("shop.Orders/List").code()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(call("shop.Unknown/Get").code()).isEqualTo(Status.Code.UNIMPLEMENTED);

        createService("orders", "127.0.0.4");

        controller.awaitCondition("front", "ResolvedRefs", "True", "ResolvedRefs");
        controller.awaitCondition("front", "BackendsAvailable", "True", "BackendsAvailable");
        assertThat(ok(call("shop.Orders/List")).backendId()).isEqualTo("127.0.0.4");
    }

    private CallResult call(String method) {
        return grpc.unary(method, "hello".getBytes(StandardCharsets.UTF_8), RequestHeaders.none(), DEADLINE);
    }

    private static CallResult ok(CallResult result) {
        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        return result;
    }

    private void createService(String name, String ip) {
        client.resource(service(NAMESPACE, name, 50051)).create();
        client.resource(slice(NAMESPACE, name + "-abc", name, pods.port(), ready(ip))).create();
    }

    private static GrpcBalancer balancer(int port, RuleSpec... rules) {
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setNamespace(NAMESPACE);
        balancer.getMetadata().setName("front");
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(port);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setRules(List.of(rules));
        balancer.setSpec(spec);
        return balancer;
    }

    private static RuleSpec rule(String name, String service, RuleBackendRef... refs) {
        MethodMatchSpec method = new MethodMatchSpec();
        method.setService(service);
        RouteMatchSpec match = new RouteMatchSpec();
        match.setMethod(method);
        RuleSpec rule = new RuleSpec();
        rule.setName(name);
        rule.setMatches(List.of(match));
        rule.setBackendRefs(List.of(refs));
        return rule;
    }

    private static RuleBackendRef ref(String service, int weight) {
        RuleBackendRef ref = new RuleBackendRef();
        ref.setName(service);
        ref.setPort(50051);
        ref.setWeight(weight);
        return ref;
    }
}
