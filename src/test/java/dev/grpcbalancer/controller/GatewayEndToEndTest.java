package dev.grpcbalancer.controller;

import static dev.grpcbalancer.controller.ControllerFixture.NAMESPACE;
import static dev.grpcbalancer.controller.ControllerFixture.WAIT;
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
import dev.grpcbalancer.controller.status.Conditions;
import dev.grpcbalancer.controller.translate.gateway.GatewayApi;
import dev.grpcbalancer.controller.translate.gateway.GatewayObjects;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.GatewayApiCrds;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.controller.translate.gateway.GatewayHttpsTranslationTest;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.GrpcTls;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCMethodMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteFilterBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.grpc.Metadata;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Gateway API end to end against fabric8's CRUD mock API server with the Gateway API CRDs: the
 * GRPCRoute cases of the Gateway API conformance suite that apply to gRPC (exact and regular
 * expression method matches, header matches, weighted backends, listener hostnames, listener and
 * route status, ReferenceGrant), in our own words, with real grpc-java clients and backends on
 * 127.0.0.x calling through the in-process data plane.
 */
@EnableKubernetesMockClient(crud = true)
class GatewayEndToEndTest {

    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final String ECHO = "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho";
    private static final TestPki.Ca TLS_CA = TestPki.ca("gateway-end-to-end-ca");

    KubernetesClient client;

    private ControllerFixture controller;
    private Pods pods;
    private final List<TestClient> clients = new ArrayList<>();

    @AfterEach
    void tearDown() {
        clients.forEach(TestClient::close);
        if (controller != null) {
            controller.close();
        }
        if (pods != null) {
            pods.close();
        }
    }

    @Test
    void exactMethodMatchesRouteEachMethodAndEveryObjectReportsItsStatus() throws Exception {
        int port = start();
        client.resource(route(NAMESPACE, "exact", List.of(parent("web")), List.of(),
                rule(ECHO, "Echo", backend("v1", 50051, 1)), rule(ECHO, "EchoTwo", backend("v2", 50051, 1)))).create();

        RouteParentStatus parent = awaitRouteParent("exact", "Accepted", "True", "Accepted");
        assertThat(condition(parent.getConditions(), "ResolvedRefs").getReason()).isEqualTo("ResolvedRefs");
        assertThat(parent.getControllerName()).isEqualTo(GatewayApi.CONTROLLER_NAME);
        assertThat(parent.getParentRef().getName()).isEqualTo("web");
        awaitGateway("Programmed", "True", "Programmed");
        Gateway gateway = gatewayNow();
        assertThat(condition(gateway.getStatus().getConditions(), "Accepted").getReason()).isEqualTo("Accepted");
        Await.until(WAIT, () -> gatewayNow().getStatus().getListeners().get(0).getAttachedRoutes() == 1,
                () -> "attachedRoutes 1 in " + gatewayNow().getStatus());
        ListenerStatus listener = gatewayNow().getStatus().getListeners().get(0);
        assertThat(listener.getSupportedKinds()).extracting(k -> k.getKind()).containsExactly("GRPCRoute");
        assertThat(listener.getConditions()).extracting(Condition::getType, Condition::getStatus).containsExactly(
                org.assertj.core.groups.Tuple.tuple("Accepted", "True"), org.assertj.core.groups.Tuple.tuple("Conflicted", "False"),
                org.assertj.core.groups.Tuple.tuple("ResolvedRefs", "True"), org.assertj.core.groups.Tuple.tuple("Programmed", "True"));
        Await.until(WAIT, () -> !gatewayNow().getStatus().getAddresses().isEmpty(), () -> "addresses from the managed Service");
        assertThat(gatewayNow().getStatus().getAddresses()).extracting(a -> a.getValue())
                .contains("gw-shop-web.grpc-balancer.svc");
        assertThat(client.services().inNamespace(ControllerFixture.CONTROLLER_NAMESPACE).withName("gw-shop-web").get()
                .getSpec().getPorts()).extracting(p -> p.getPort()).containsExactly(port);
        awaitCondition(() -> client.resources(GatewayClass.class).withName(GatewayObjects.CLASS).get(),
                c -> c.getStatus() == null ? null : c.getStatus().getConditions(), "Accepted", "True", "Accepted");

        TestClient grpc = client(port, null);
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
        awaitRouteParent("mixed", "Accepted", "True", "Accepted");
        awaitGateway("Programmed", "True", "Programmed");

        TestClient grpc = client(port, null);
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
        awaitRouteParent("filtered", "Accepted", "True", "Accepted");
        awaitGateway("Programmed", "True", "Programmed");

        Metadata request = RequestHeaders.create().echoMetadata().custom("x-custom-tenant", "blue")
                .custom("x-custom-drop", "1").custom("x-custom-kept", "k").build();
        CallResult result = ok(client(port, null).unary(ECHO + "/Echo", utf8("x"), request, DEADLINE));

        Metadata echoed = result.trailers(); // the backend copies back the x-custom-* headers it got
        assertThat(echoed.getAll(key("x-custom-tenant"))).containsExactly("green");
        assertThat(echoed.get(key("x-custom-added"))).isEqualTo("yes");
        assertThat(echoed.get(key("x-custom-drop"))).isNull();
        assertThat(echoed.get(key("x-custom-kept"))).isEqualTo("k");
        assertThat(result.headers().get(key("x-gateway"))).isEqualTo("shop/web");
        assertThat(echoed.get(key("x-gateway"))).as("trailers are left alone").isNull();
    }

    @Test
    void httpsListenersServeTheCertificateOfTheirHostnameAndOneWithoutAValidSecretWaitsForIt() throws Exception {
        TestPki.Issued foo = TLS_CA.server("foo.example.com").issue();
        TestPki.Issued bar = TLS_CA.server("*.bar.example.com").issue();
        client.resource(GatewayHttpsTranslationTest.secret(NAMESPACE, "foo-tls", foo.chainPem(), foo.keyPem())).create();
        int port = start(https("foo", "foo.example.com", "foo-tls"), https("bar", "*.bar.example.com", "bar-tls"));
        client.resource(route(NAMESPACE, "foo", List.of(parent("web", "foo", null)), List.of(),
                rule(null, null, backend("v1", 50051, 1)))).create();
        client.resource(route(NAMESPACE, "bar", List.of(parent("web", "bar", null)), List.of(),
                rule(null, null, backend("v2", 50051, 1)))).create();

        Condition missing = awaitCondition(this::gatewayNow, g -> g.getStatus() == null || g.getStatus().getListeners().size() < 2
                ? null : g.getStatus().getListeners().get(1).getConditions(), "ResolvedRefs", "False", "InvalidCertificateRef");
        assertThat(missing.getMessage()).isEqualTo("tls.certificateRefs[0]: Secret shop/bar-tls: not found");
        assertThat(condition(gatewayNow().getStatus().getListeners().get(1).getConditions(), "Programmed").getReason())
                .isEqualTo("Invalid");
        awaitListener("Programmed", "True", "Programmed");
        assertThat(ok(call(tlsClient(port, "foo.example.com"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.2");

        client.resource(GatewayHttpsTranslationTest.secret(NAMESPACE, "bar-tls", bar.chainPem(), bar.keyPem())).create();

        awaitCondition(this::gatewayNow, g -> g.getStatus().getListeners().get(1).getConditions(), "Programmed", "True",
                "Programmed");
        Await.until(WAIT, () -> call(tlsClient(port, "api.bar.example.com"), ECHO + "/Echo").isOk(),
                () -> "calls for api.bar.example.com verify its certificate and reach its route");
        assertThat(ok(call(tlsClient(port, "api.bar.example.com"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.3");
        assertThat(ok(call(tlsClient(port, "foo.example.com"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.2");
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
            awaitRouteParent(name, "Accepted", "True", "Accepted");
        }
        awaitGateway("Programmed", "True", "Programmed");

        assertThat(ok(call(client(port, "bar.com"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.2");
        assertThat(ok(call(client(port, "foo.bar.com:" + port), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.3");
        assertThat(ok(call(client(port, "baz.bar.com"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.4");
        assertThat(ok(call(client(port, "multiple.prefixes.foo.com"), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.4");
        assertThat(call(client(port, "foo.com"), ECHO + "/Echo").code()).isEqualTo(Status.Code.UNIMPLEMENTED);
    }

    @Test
    void aBackendInAnotherNamespaceServesOnlyOnceAReferenceGrantAllowsIt() throws Exception {
        int port = start(Set.of(NAMESPACE, "billing"));
        client.resource(ClusterObjects.service("billing", "ledger", 50051)).create();
        client.resource(ClusterObjects.slice("billing", "ledger-abc", "ledger", pods.port(), ClusterObjects.ready("127.0.0.4")))
                .create();
        client.resource(route(NAMESPACE, "pay", List.of(parent("web")), List.of(),
                rule(null, null, backend("billing", "ledger", 50051)))).create();

        RouteParentStatus refused = awaitRouteParent("pay", "ResolvedRefs", "False", "RefNotPermitted");
        assertThat(condition(refused.getConditions(), "Accepted").getStatus()).isEqualTo("True");
        awaitGateway("Programmed", "True", "Programmed");
        TestClient grpc = client(port, null);
        CallResult denied = call(grpc, ECHO + "/Echo");
        assertThat(denied.code()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(denied.description()).contains("billing/ledger");

        client.resource(grant("billing", NAMESPACE, "ledger")).create();

        awaitRouteParent("pay", "ResolvedRefs", "True", "ResolvedRefs");
        Await.until(WAIT, () -> call(grpc, ECHO + "/Echo").isOk(), () -> "calls reach billing/ledger");
        assertThat(ok(call(grpc, ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.4");
    }

    @Test
    void anOlderBalancerKeepsItsPortAndTheGatewayListenerSaysPortUnavailable() throws Exception {
        pods = Pods.start(2, 3);
        installGatewayApi();
        createServices();
        controller = ControllerFixture.start(client);
        int port = FreePorts.freeLoopbackPort();
        GrpcBalancer older = ClusterObjects.balancer(NAMESPACE, "greeter", port, "v1", 50051);
        older.getMetadata().setCreationTimestamp("2020-01-01T00:00:00Z");
        client.resource(older).create();
        controller.awaitCondition("greeter", "Programmed", "True", "Programmed");
        client.resource(gateway(NAMESPACE, "web", listener("http", port, null))).create();

        Condition accepted = awaitListener("Accepted", "False", "PortUnavailable");
        assertThat(accepted.getMessage()).isEqualTo("port " + port + " already used by GrpcBalancer shop/greeter"
                + " (the older one keeps it)");
        awaitGateway("Accepted", "False", "ListenersNotValid");
        assertThat(ok(call(client(port, null), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.2");
        assertThat(controller.condition("greeter", "Accepted").orElseThrow().getStatus()).isEqualTo("True");
    }

    @Test
    void withoutTheGatewayApiCrdsGatewaysAreLeftAloneAndBalancersServe() throws Exception {
        pods = Pods.start(2, 1);
        createServices();
        client.resource(GatewayObjects.ourClass()).create();
        controller = ControllerFixture.start(client);
        int port = FreePorts.freeLoopbackPort();
        client.resource(ClusterObjects.balancer(NAMESPACE, "greeter", port, "v1", 50051)).create();
        client.resource(gateway(NAMESPACE, "web", listener("http", FreePorts.freeLoopbackPort(), null))).create();

        controller.awaitCondition("greeter", "Programmed", "True", "Programmed");
        assertThat(ok(call(client(port, null), ECHO + "/Echo")).backendId()).isEqualTo("127.0.0.2");
        assertThat(gatewayNow().getStatus() == null || gatewayNow().getStatus().getConditions().isEmpty())
                .as("no status on a Gateway the controller does not watch").isTrue();
        assertThat(controller.dataPlane.listenerStates()).hasSize(1);
    }

    /**
     * Starts backends v1, v2, v3 (Services in shop on 127.0.0.2-4), the Gateway API CRDs, the
     * GatewayClass and the controller (watching shop), and Gateway shop/web with {@code listeners} (default: one
     * HTTP listener) on one free port; returns the port.
     */
    private int start(io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener... listeners) throws InterruptedException {
        return start(Set.of(NAMESPACE), listeners);
    }

    /** {@link #start(io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener...)} watching {@code namespaces}. */
    private int start(Set<String> namespaces, io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener... listeners)
            throws InterruptedException {
        pods = Pods.start(2, 3);
        installGatewayApi();
        createServices();
        controller = ControllerFixture.start(client, ControllerFixture.settings("controller-0").withNamespaces(namespaces),
                BalancerController.Observer.NONE);
        int port = FreePorts.freeLoopbackPort();
        List<io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener> list = listeners.length == 0
                ? List.of(listener("http", port, null)) : List.of(listeners);
        list.forEach(l -> l.setPort(port));
        client.resource(gateway(NAMESPACE, "web", list.toArray(io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener[]::new)))
                .create();
        return port;
    }

    private void installGatewayApi() {
        GatewayApiCrds.install(client);
        client.resource(GatewayObjects.ourClass()).create();
    }

    private void createServices() {
        for (int i = 1; i <= 3; i++) {
            client.resource(ClusterObjects.service(NAMESPACE, "v" + i, 50051)).create();
            client.resource(ClusterObjects.slice(NAMESPACE, "v" + i + "-abc", "v" + i, pods.port(),
                    ClusterObjects.ready("127.0.0." + (i + 1)))).create();
        }
    }

    private TestClient client(int port, String authority) {
        TestClient.Builder builder = TestClient.builder(new InetSocketAddress(ProxyFixture.HOST, port)).disableRetry();
        if (authority != null) {
            builder.authority(authority);
        }
        TestClient grpc = builder.build();
        clients.add(grpc);
        return grpc;
    }

    /** An HTTPS listener (the port is set by {@link #start}) with one certificate Secret. */
    private static io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener https(String name, String hostname, String secret) {
        return new ListenerBuilder(listener(name, 0, hostname)).withProtocol("HTTPS").withNewTls()
                .addNewCertificateRef().withName(secret).endCertificateRef().endTls().build();
    }

    /** A client over TLS that trusts the test CA and asks for {@code authority} (SNI and :authority). */
    private TestClient tlsClient(int port, String authority) {
        TestClient grpc = TestClient.builder(new InetSocketAddress(ProxyFixture.HOST, port)).disableRetry()
                .tls(GrpcTls.client(TLS_CA.certificate())).authority(authority).build();
        clients.add(grpc);
        return grpc;
    }

    private Gateway gatewayNow() {
        return client.resources(Gateway.class).inNamespace(NAMESPACE).withName("web").get();
    }

    private void awaitGateway(String type, String status, String reason) {
        awaitCondition(this::gatewayNow, g -> g.getStatus() == null ? null : g.getStatus().getConditions(), type, status,
                reason);
    }

    private Condition awaitListener(String type, String status, String reason) {
        return awaitCondition(this::gatewayNow, g -> g.getStatus() == null || g.getStatus().getListeners().isEmpty() ? null
                : g.getStatus().getListeners().get(0).getConditions(), type, status, reason);
    }

    private RouteParentStatus awaitRouteParent(String route, String type, String status, String reason) {
        Supplier<GRPCRoute> now = () -> client.resources(GRPCRoute.class).inNamespace(NAMESPACE).withName(route).get();
        java.util.function.Function<GRPCRoute, List<Condition>> conditions = r -> r.getStatus() == null
                || r.getStatus().getParents().isEmpty() ? null : r.getStatus().getParents().get(0).getConditions();
        awaitCondition(now, conditions, type, status, reason);
        return now.get().getStatus().getParents().get(0);
    }

    private static <T extends HasMetadata> Condition awaitCondition(Supplier<T> object,
            java.util.function.Function<T, List<Condition>> conditions, String type, String status, String reason) {
        Supplier<Optional<Condition>> find = () -> {
            T current = object.get();
            List<Condition> list = current == null ? null : conditions.apply(current);
            return list == null ? Optional.empty() : Conditions.find(list, type);
        };
        Await.until(WAIT, () -> find.get().filter(c -> status.equals(c.getStatus()) && reason.equals(c.getReason()))
                .isPresent(), () -> type + "=" + status + "/" + reason + " in " + object.get());
        return find.get().orElseThrow();
    }

    private static Condition condition(List<Condition> conditions, String type) {
        return Conditions.find(conditions, type).orElseThrow();
    }

    private static CallResult call(TestClient grpc, String method) {
        return grpc.unary(method, utf8("hello"), RequestHeaders.none(), DEADLINE);
    }

    private static CallResult ok(CallResult result) {
        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        return result;
    }

    private static Metadata.Key<String> key(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
