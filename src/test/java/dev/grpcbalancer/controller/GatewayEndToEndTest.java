package dev.grpcbalancer.controller;

import static dev.grpcbalancer.controller.ControllerFixture.NAMESPACE;
import static dev.grpcbalancer.controller.ControllerFixture.WAIT;
import static dev.grpcbalancer.controller.GatewayWorld.DEADLINE;
import static dev.grpcbalancer.controller.GatewayWorld.ECHO;
import static dev.grpcbalancer.controller.GatewayWorld.awaitCondition;
import static dev.grpcbalancer.controller.GatewayWorld.call;
import static dev.grpcbalancer.controller.GatewayWorld.condition;
import static dev.grpcbalancer.controller.GatewayWorld.ok;
import static dev.grpcbalancer.controller.GatewayWorld.utf8;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.backend;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.gateway;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.grant;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.headerRule;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.listener;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.parent;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.route;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.rule;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.translate.gateway.GatewayApi;
import dev.grpcbalancer.controller.translate.gateway.GatewayObjects;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCMethodMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteFilterBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Gateway API end to end against fabric8's CRUD mock API server with the Gateway API CRDs: the
 * GRPCRoute cases of the Gateway API conformance suite that apply to gRPC (exact and regular
 * expression method matches, header matches, weighted backends, listener hostnames, listener and
 * route status, ReferenceGrant), in our own words, with real grpc-java clients and backends on
 * 127.0.0.x calling through the in-process data plane ({@link GatewayWorld}). HTTPS listeners:
 * {@link GatewayHttpsEndToEndTest}.
 */
@EnableKubernetesMockClient(crud = true)
class GatewayEndToEndTest {

    KubernetesClient client;

    private GatewayWorld world;

    @BeforeEach
    void setUp() {
        world = new GatewayWorld(client);
    }

    @AfterEach
    void tearDown() {
        world.close();
    }

    @Test
    void exactMethodMatchesRouteEachMethodAndEveryObjectReportsItsStatus() throws Exception {
        int port = start();
        client.resource(route(NAMESPACE, "exact", List.of(parent("web")), List.of(),
                rule(ECHO, "Echo", backend("v1", 50051, 1)), rule(ECHO, "EchoTwo", backend("v2", 50051, 1)))).create();

        RouteParentStatus parent = world.awaitRouteParent("exact", "Accepted", "True", "Accepted");
        assertThat(condition(parent.getConditions(), "ResolvedRefs").getReason()).isEqualTo("ResolvedRefs");
        assertThat(parent.getControllerName()).isEqualTo(GatewayApi.CONTROLLER_NAME);
        assertThat(parent.getParentRef().getName()).isEqualTo("web");
        world.awaitGateway("Programmed", "True", "Programmed");
        Gateway gateway = world.gatewayNow();
        assertThat(condition(gateway.getStatus().getConditions(), "Accepted").getReason()).isEqualTo("Accepted");
        Await.until(WAIT, () -> world.gatewayNow().getStatus().getListeners().get(0).getAttachedRoutes() == 1,
                () -> "attachedRoutes 1 in " + world.gatewayNow().getStatus());
        ListenerStatus listener = world.gatewayNow().getStatus().getListeners().get(0);
        assertThat(listener.getSupportedKinds()).extracting(k -> k.getKind()).containsExactly("GRPCRoute");
        assertThat(listener.getConditions()).extracting(Condition::getType, Condition::getStatus).containsExactly(
                org.assertj.core.groups.Tuple.tuple("Accepted", "True"), org.assertj.core.groups.Tuple.tuple("Conflicted", "False"),
                org.assertj.core.groups.Tuple.tuple("ResolvedRefs", "True"), org.assertj.core.groups.Tuple.tuple("Programmed", "True"));
        Await.until(WAIT, () -> !world.gatewayNow().getStatus().getAddresses().isEmpty(), () -> "addresses from the managed Service");
        assertThat(world.gatewayNow().getStatus().getAddresses()).extracting(a -> a.getValue())
                .contains("gw-shop-web.grpc-balancer.svc");
        assertThat(client.services().inNamespace(ControllerFixture.CONTROLLER_NAMESPACE).withName("gw-shop-web").get()
                .getSpec().getPorts()).extracting(p -> p.getPort()).containsExactly(port);
        awaitCondition(() -> client.resources(GatewayClass.class).withName(GatewayObjects.CLASS).get(),
                c -> c.getStatus() == null ? null : c.getStatus().getConditions(), "Accepted", "True", "Accepted");

        TestClient grpc = world.client(port, null);
        assertThat(ok(call(grpc, ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.2");
        assertThat(ok(call(grpc, ECHO + "/EchoTwo")).backendId()).isEqualTo("127.0.0.3");
        assertThat(call(grpc, ECHO + "/EchoThree").code()).isEqualTo(Status.Code.UNIMPLEMENTED);
    }

    @Test
    void headerMatchesRegularExpressionsAndWeightsSplitCallsExactly() throws Exception {
        int port = start();
        GRPCRouteRule regex = new GRPCRouteRule();
        GRPCRouteMatch match = new GRPCRouteMatch();
        match.setMethod(new GRPCMethodMatch("Echo(Two)?", "shop\\.v[0-9]+\\..*", "RegularExpression"));
        regex.setMatches(new ArrayList<>(List.of(match)));
        regex.setBackendRefs(new ArrayList<>(List.of(backend("v1", 50051, 3), backend("v2", 50051, 1))));
        client.resource(route(NAMESPACE, "mixed", List.of(parent("web")), List.of(),
                headerRule("version", "two", backend("v3", 50051, 1)), regex)).create();
        world.awaitRouteParent("mixed", "Accepted", "True", "Accepted");
        world.awaitGateway("Programmed", "True", "Programmed");

        TestClient grpc = world.client(port, null);
        Map<String, Integer> split = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            split.merge(ok(call(grpc, "shop.v2.Cart/Echo")).backendId(), 1, Integer::sum);
        }
        assertThat(split).containsExactlyInAnyOrderEntriesOf(Map.of("127.0.0.2", 30, "127.0.0.3", 10));
        Metadata two = RequestHeaders.create().custom("version", "two").build();
        assertThat(ok(grpc.unary("shop.v2.Cart/List", utf8("x"), two, DEADLINE)).backendId())
                .as("a header match on any method").isEqualTo("127.0.0.4");
        assertThat(ok(grpc.unary("shop.v2.Cart/EchoTwo", utf8("x"), two, DEADLINE)).backendId())
                .as("a method match ranks above header matches").isIn("127.0.0.2", "127.0.0.3");
        assertThat(call(grpc, "shop.v2.Cart/EchoThree").code()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(call(grpc, "shop.Cart/Echo").code()).isEqualTo(Status.Code.UNIMPLEMENTED);
    }

    @Test
    void headerModifiersRewriteWhatTheBackendSeesAndTheResponseHeadersTheClientGets() throws Exception {
        int port = start();
        GRPCRouteRule rule = rule(ECHO, "Echo", backend("v1", 50051, 1));
        rule.setFilters(new ArrayList<>(List.of(
                new GRPCRouteFilterBuilder().withType("RequestHeaderModifier").withNewRequestHeaderModifier()
                        .addNewSet("x-custom-tenant", "green").addNewAdd("x-custom-added", "yes")
                        .withRemove("x-custom-drop").endRequestHeaderModifier().build(),
                new GRPCRouteFilterBuilder().withType("ResponseHeaderModifier").withNewResponseHeaderModifier()
                        .addNewSet("x-gateway", "shop/web").endResponseHeaderModifier().build())));
        client.resource(route(NAMESPACE, "filtered", List.of(parent("web")), List.of(), rule)).create();
        world.awaitRouteParent("filtered", "Accepted", "True", "Accepted");
        world.awaitGateway("Programmed", "True", "Programmed");

        Metadata request = RequestHeaders.create().echoMetadata().custom("x-custom-tenant", "blue")
                .custom("x-custom-drop", "1").custom("x-custom-kept", "k").build();
        CallResult result = ok(world.client(port, null).unary(ECHO + "/Echo", utf8("x"), request, DEADLINE));

        Metadata echoed = result.trailers(); // the backend copies back the x-custom-* headers it got
        assertThat(echoed.getAll(key("x-custom-tenant"))).containsExactly("green");
        assertThat(echoed.get(key("x-custom-added"))).isEqualTo("yes");
        assertThat(echoed.get(key("x-custom-drop"))).isNull();
        assertThat(echoed.get(key("x-custom-kept"))).isEqualTo("k");
        assertThat(result.headers().get(key("x-gateway"))).isEqualTo("shop/web");
        assertThat(echoed.get(key("x-gateway"))).as("trailers are left alone").isNull();
    }

    @Test
    void listenerHostnamesTakeCallsByAuthority() throws Exception {
        int port = start(listener("bar", 0, "bar.com"), listener("foo-bar", 0, "foo.bar.com"),
                listener("wild-bar", 0, "*.bar.com"), listener("wild-foo", 0, "*.foo.com"));
        client.resource(route(NAMESPACE, "v1", List.of(parent("web", "bar", null)), List.of(),
                rule(null, null, backend("v1", 50051, 1)))).create();
        client.resource(route(NAMESPACE, "v2", List.of(parent("web", "foo-bar", null)), List.of(),
                rule(null, null, backend("v2", 50051, 1)))).create();
        client.resource(route(NAMESPACE, "v3", List.of(parent("web", "wild-bar", null), parent("web", "wild-foo", null)),
                List.of(), rule(null, null, backend("v3", 50051, 1)))).create();
        for (String name : List.of("v1", "v2", "v3")) {
            world.awaitRouteParent(name, "Accepted", "True", "Accepted");
        }
        world.awaitGateway("Programmed", "True", "Programmed");

        assertThat(ok(call(world.client(port, "bar.com"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.2");
        assertThat(ok(call(world.client(port, "foo.bar.com:" + port), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.3");
        assertThat(ok(call(world.client(port, "baz.bar.com"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.4");
        assertThat(ok(call(world.client(port, "multiple.prefixes.foo.com"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.4");
        assertThat(call(world.client(port, "foo.com"), ECHO + "/Echo").code()).isEqualTo(Status.Code.UNIMPLEMENTED);
    }

    @Test
    void aBackendInAnotherNamespaceServesOnlyOnceAReferenceGrantAllowsIt() throws Exception {
        int port = world.start(Set.of(NAMESPACE, "billing"));
        client.resource(ClusterObjects.service("billing", "ledger", 50051)).create();
        client.resource(ClusterObjects.slice("billing", "ledger-abc", "ledger", world.pods.port(), ClusterObjects.ready("127.0.0.4")))
                .create();
        client.resource(route(NAMESPACE, "pay", List.of(parent("web")), List.of(),
                rule(null, null, backend("billing", "ledger", 50051)))).create();

        RouteParentStatus refused = world.awaitRouteParent("pay", "ResolvedRefs", "False", "RefNotPermitted");
        assertThat(condition(refused.getConditions(), "Accepted").getStatus()).isEqualTo("True");
        world.awaitGateway("Programmed", "True", "Programmed");
        TestClient grpc = world.client(port, null);
        CallResult denied = call(grpc, ECHO + "/Echo");
        assertThat(denied.code()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(denied.description()).contains("billing/ledger");

        client.resource(grant("billing", NAMESPACE, "ledger")).create();

        world.awaitRouteParent("pay", "ResolvedRefs", "True", "ResolvedRefs");
        Await.until(WAIT, () -> call(grpc, ECHO + "/Echo").isOk(), () -> "calls reach billing/ledger");
        assertThat(ok(call(grpc, ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.4");
    }

    @Test
    void anOlderBalancerKeepsItsPortAndTheGatewayListenerSaysPortUnavailable() throws Exception {
        world.pods = Pods.start(2, 3);
        world.installGatewayApi();
        world.createServices();
        world.controller = ControllerFixture.start(client);
        int port = FreePorts.freeLoopbackPort();
        GrpcBalancer older = ClusterObjects.balancer(NAMESPACE, "greeter", port, "v1", 50051);
        older.getMetadata().setCreationTimestamp("2020-01-01T00:00:00Z");
        client.resource(older).create();
        world.controller.awaitCondition("greeter", "Programmed", "True", "Programmed");
        client.resource(gateway(NAMESPACE, "web", listener("http", port, null))).create();

        Condition accepted = world.awaitListener(0, "Accepted", "False", "PortUnavailable");
        assertThat(accepted.getMessage()).isEqualTo("port " + port + " already used by GrpcBalancer shop/greeter"
                + " (the older one keeps it)");
        world.awaitGateway("Accepted", "False", "ListenersNotValid");
        assertThat(ok(call(world.client(port, null), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.2");
        assertThat(world.controller.condition("greeter", "Accepted").orElseThrow().getStatus()).isEqualTo("True");
    }

    @Test
    void withoutTheGatewayApiCrdsGatewaysAreLeftAloneAndBalancersServe() throws Exception {
        world.pods = Pods.start(2, 1);
        world.createServices();
        client.resource(GatewayObjects.ourClass()).create();
        world.controller = ControllerFixture.start(client);
        int port = FreePorts.freeLoopbackPort();
        client.resource(ClusterObjects.balancer(NAMESPACE, "greeter", port, "v1", 50051)).create();
        client.resource(gateway(NAMESPACE, "web", listener("http", FreePorts.freeLoopbackPort(), null))).create();

        world.controller.awaitCondition("greeter", "Programmed", "True", "Programmed");
        assertThat(ok(call(world.client(port, null), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.2");
        assertThat(world.gatewayNow().getStatus() == null || world.gatewayNow().getStatus().getConditions().isEmpty())
                .as("no status on a Gateway the controller does not watch").isTrue();
        assertThat(world.controller.dataPlane.listenerStates()).hasSize(1);
    }

    private int start(Listener... listeners) throws InterruptedException {
        return world.start(Set.of(NAMESPACE), listeners);
    }

    private static Metadata.Key<String> key(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }
}
