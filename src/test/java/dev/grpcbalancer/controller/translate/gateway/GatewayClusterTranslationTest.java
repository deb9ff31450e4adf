package dev.grpcbalancer.controller.translate.gateway;

import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.backend;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.gateway;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.listener;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.parent;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.route;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.rule;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.service;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.controller.translate.ClusterTranslator;
import dev.grpcbalancer.controller.translate.InputRef;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Gateways beside GrpcBalancers in the one cluster translation: the snapshot holds both, ports are
 * shared out by the same older-wins rule, and a Gateway is translated again only when it or what
 * it read changed.
 */
class GatewayClusterTranslationTest {

    private static final ObjectKey WEB = new ObjectKey("shop", "web");

    private final MapGatewayCluster cluster = new MapGatewayCluster().add(GatewayObjects.ourClass())
            .add(service("shop", "cart", 50051)).add(slice("shop", "cart", 9000, "10.0.0.1"));

    @Test
    void theSnapshotRunsBalancersAndGatewayPortsSideBySide() {
        ClusterTranslator.Result result = translate(List.of(balancer("greeter", 7070, "2026-01-01T00:00:00Z")),
                List.of(gateway("shop", "web", listener("http", 8080, null))));

        assertThat(result.snapshot().balancers()).extracting(b -> b.id().toString())
                .containsExactly("shop/greeter", "shop/gateway/web:8080");
        assertThat(result.gateways()).containsOnlyKeys(WEB);
        assertThat(result.gateways().get(WEB).portHolders()).isEmpty();
    }

    @Test
    void anOlderBalancerKeepsAPortAGatewayListenerAsksForAndTheGatewayLosesOnlyThatPort() {
        ClusterTranslator.Result result = translate(List.of(balancer("greeter", 8080, "2025-01-01T00:00:00Z")),
                List.of(gateway("shop", "web", listener("http", 8080, null), listener("other", 9090, null))));

        GatewayOutcome outcome = result.gateways().get(WEB);
        assertThat(outcome.portHolders()).containsExactly(Map.entry(8080, new BalancerId("shop", "greeter")));
        assertThat(outcome.configs()).extracting(c -> c.listenerPort()).containsExactly(9090);
        assertThat(result.outcomes().get(new BalancerId("shop", "greeter")).isAccepted()).isTrue();
        assertThat(result.snapshot().balancers()).extracting(b -> b.listenerPort()).containsExactlyInAnyOrder(8080, 9090);
    }

    @Test
    void anOlderGatewayKeepsItsPortAndTheYoungerBalancerIsToldWhoHoldsIt() {
        ClusterTranslator.Result result = translate(List.of(balancer("greeter", 8080, "2027-01-01T00:00:00Z")),
                List.of(gateway("shop", "web", listener("http", 8080, null))));

        BalancerId holder = result.outcomes().get(new BalancerId("shop", "greeter")).portHolder();
        assertThat(holder).isEqualTo(GatewayTranslator.listenerId(WEB, 8080));
        assertThat(GatewayTranslator.describe(holder)).isEqualTo("Gateway shop/web");
        assertThat(result.gateways().get(WEB).configs()).hasSize(1);
    }

    @Test
    void twoGatewaysOnOnePortGoToTheOlder() {
        Gateway older = gateway("shop", "web", listener("http", 8080, null));
        Gateway younger = gateway("shop", "zzz", listener("http", 8080, null));
        younger.getMetadata().setCreationTimestamp("2026-02-01T00:00:00Z");

        ClusterTranslator.Result result = translate(List.of(), List.of(younger, older));

        assertThat(result.gateways().get(new ObjectKey("shop", "zzz")).portHolders())
                .containsExactly(Map.entry(8080, GatewayTranslator.listenerId(WEB, 8080)));
        assertThat(result.snapshot().balancers()).extracting(b -> b.id().toString()).containsExactly("shop/gateway/web:8080");
    }

    @Test
    void anUnchangedGatewayIsNotTranslatedAgainAndAChangedRouteOrServiceBringsItBack() {
        GRPCRoute route = route("shop", "cart", List.of(parent("web")), List.of(), rule(null, null, backend("cart", 50051, 1)));
        cluster.add(route);
        Gateway web = gateway("shop", "web", listener("http", 8080, null));
        web.getMetadata().setResourceVersion("1");
        ClusterTranslator.Result first = translate(List.of(), List.of(web));

        ClusterTranslator.Result same = ClusterTranslator.translate(List.of(), List.of(web), cluster, Map.of(),
                first.snapshot(), first.memo(), Set.of(InputRef.service("shop", "unrelated")));
        ClusterTranslator.Result routeChanged = ClusterTranslator.translate(List.of(), List.of(web), cluster, Map.of(),
                first.snapshot(), first.memo(), Set.of(InputRef.grpcRoutesOf("shop", "web")));
        ClusterTranslator.Result serviceChanged = ClusterTranslator.translate(List.of(), List.of(web), cluster, Map.of(),
                first.snapshot(), first.memo(), Set.of(InputRef.endpointSlicesOf("shop", "cart")));

        assertThat(same.gateways().get(WEB)).isSameAs(first.gateways().get(WEB));
        assertThat(routeChanged.gateways().get(WEB).candidate()).isNotSameAs(first.gateways().get(WEB).candidate());
        assertThat(serviceChanged.gateways().get(WEB).candidate()).isNotSameAs(first.gateways().get(WEB).candidate());
        assertThat(routeChanged.snapshot()).isEqualTo(first.snapshot());
        assertThat(first.memo().inputs(WEB)).contains(InputRef.grpcRoutesOf("shop", "web"), InputRef.service("shop", "cart"));
    }

    @Test
    void aGatewayWhoseClassAppearsLaterIsTranslatedOnTheNextRun() {
        MapGatewayCluster empty = new MapGatewayCluster();
        Gateway web = gateway("shop", "web", listener("http", 8080, null));
        ClusterTranslator.Result before = ClusterTranslator.translate(List.of(), List.of(web), empty, Map.of(),
                RoutingSnapshot.EMPTY, ClusterTranslator.Memo.EMPTY, Set.of());
        empty.add(GatewayObjects.ourClass());
        ClusterTranslator.Result after = ClusterTranslator.translate(List.of(), List.of(web), empty, Map.of(),
                before.snapshot(), before.memo(), Set.of(InputRef.gatewayClass(GatewayObjects.CLASS)));

        assertThat(before.gateways()).isEmpty();
        assertThat(after.gateways()).containsOnlyKeys(WEB);
    }

    private ClusterTranslator.Result translate(List<GrpcBalancer> balancers, List<Gateway> gateways) {
        return ClusterTranslator.translate(balancers, gateways, cluster, Map.of(), RoutingSnapshot.EMPTY,
                ClusterTranslator.Memo.EMPTY, Set.of());
    }

    private static GrpcBalancer balancer(String name, int port, String created) {
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setNamespace("shop");
        balancer.getMetadata().setName(name);
        balancer.getMetadata().setCreationTimestamp(created);
        balancer.getMetadata().setUid("uid-" + name);
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(port);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setBackendRef(new BackendRef("cart", 50051));
        balancer.setSpec(spec);
        return balancer;
    }
}
