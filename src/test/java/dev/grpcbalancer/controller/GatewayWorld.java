package dev.grpcbalancer.controller;

import static dev.grpcbalancer.controller.ControllerFixture.NAMESPACE;
import static dev.grpcbalancer.controller.ControllerFixture.WAIT;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.gateway;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.listener;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.status.Conditions;
import dev.grpcbalancer.controller.translate.gateway.GatewayObjects;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.GatewayApiCrds;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.GrpcTls;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the Gateway API end-to-end tests share: backends v1, v2, v3 (Services in {@code shop} on
 * 127.0.0.2-4), the Gateway API CRDs and our GatewayClass on fabric8's CRUD mock API server, a
 * controller with its in-process data plane, Gateway {@code shop/web}, grpc-java clients of its
 * port, and waits for the status conditions the controller writes.
 */
final class GatewayWorld implements AutoCloseable {

    static final Duration DEADLINE = Duration.ofSeconds(5);
    static final String ECHO = "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho";

    final KubernetesClient client;
    ControllerFixture controller;
    Pods pods;
    private final List<TestClient> clients = new ArrayList<>();

    GatewayWorld(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Starts the backends, the Gateway API, the controller (watching {@code namespaces}) and
     * Gateway shop/web with {@code listeners} (none: one HTTP listener) all on one free port,
     * which it returns.
     */
    int start(Set<String> namespaces, Listener... listeners) throws InterruptedException {
        pods = Pods.start(2, 3);
        installGatewayApi();
        createServices();
        controller = ControllerFixture.start(client, ControllerFixture.settings("controller-0").withNamespaces(namespaces),
                BalancerController.Observer.NONE);
        int port = FreePorts.freeLoopbackPort();
        List<Listener> list = listeners.length == 0 ? List.of(listener("http", port, null)) : List.of(listeners);
        list.forEach(l -> l.setPort(port));
        client.resource(gateway(NAMESPACE, "web", list.toArray(Listener[]::new))).create();
        return port;
    }

    void installGatewayApi() {
        GatewayApiCrds.install(client);
        client.resource(GatewayObjects.ourClass()).create();
    }

    void createServices() {
        for (int i = 1; i <= 3; i++) {
            client.resource(ClusterObjects.service(NAMESPACE, "v" + i, 50051)).create();
            client.resource(ClusterObjects.slice(NAMESPACE, "v" + i + "-abc", "v" + i, pods.port(),
                    ClusterObjects.ready("127.0.0." + (i + 1)))).create();
        }
    }

    /** An HTTPS listener (the port is set by {@link #start}) with one certificate Secret per name given. */
    static Listener https(String name, String hostname, String... secrets) {
        ListenerBuilder builder = new ListenerBuilder(listener(name, 0, hostname)).withProtocol("HTTPS");
        var tls = builder.withNewTls();
        for (String secret : secrets) {
            tls.addNewCertificateRef().withName(secret).endCertificateRef();
        }
        return tls.endTls().build();
    }

    /** A client over h2c that sends {@code authority} (null: the address). */
    TestClient client(int port, String authority) {
        TestClient.Builder builder = TestClient.builder(new InetSocketAddress(ProxyFixture.HOST, port)).disableRetry();
        if (authority != null) {
            builder.authority(authority);
        }
        return kept(builder.build());
    }

    /** A client over TLS that trusts {@code ca} and asks for {@code authority} (SNI, verified name and :authority). */
    TestClient tlsClient(int port, X509Certificate ca, String authority) {
        return kept(TestClient.builder(new InetSocketAddress(ProxyFixture.HOST, port)).disableRetry()
                .tls(GrpcTls.client(ca)).authority(authority).build());
    }

    private TestClient kept(TestClient client) {
        clients.add(client);
        return client;
    }

    Gateway gatewayNow() {
        return client.resources(Gateway.class).inNamespace(NAMESPACE).withName("web").get();
    }

    void awaitGateway(String type, String status, String reason) {
        awaitCondition(this::gatewayNow, g -> g.getStatus() == null ? null : g.getStatus().getConditions(), type, status,
                reason);
    }

    /** Waits for a condition of the Gateway's listener at {@code index} (in spec order). */
    Condition awaitListener(int index, String type, String status, String reason) {
        return awaitCondition(this::gatewayNow, g -> g.getStatus() == null || g.getStatus().getListeners().size() <= index
                ? null : g.getStatus().getListeners().get(index).getConditions(), type, status, reason);
    }

    RouteParentStatus awaitRouteParent(String route, String type, String status, String reason) {
        Supplier<GRPCRoute> now = () -> client.resources(GRPCRoute.class).inNamespace(NAMESPACE).withName(route).get();
        Function<GRPCRoute, List<Condition>> conditions = r -> r.getStatus() == null
                || r.getStatus().getParents().isEmpty() ? null : r.getStatus().getParents().get(0).getConditions();
        awaitCondition(now, conditions, type, status, reason);
        return now.get().getStatus().getParents().get(0);
    }

    static <T extends HasMetadata> Condition awaitCondition(Supplier<T> object, Function<T, List<Condition>> conditions,
            String type, String status, String reason) {
        Supplier<Optional<Condition>> find = () -> {
            T current = object.get();
            List<Condition> list = current == null ? null : conditions.apply(current);
            return list == null ? Optional.empty() : Conditions.find(list, type);
        };
        Await.until(WAIT, () -> find.get().filter(c -> status.equals(c.getStatus()) && reason.equals(c.getReason()))
                .isPresent(), () -> type + "=" + status + "/" + reason + " in " + object.get());
        return find.get().orElseThrow();
    }

    static Condition condition(List<Condition> conditions, String type) {
        return Conditions.find(conditions, type).orElseThrow();
    }

    /** A unary call of the conformance echo service's {@code method} ({@code <service>/<method>}). */
    static CallResult call(TestClient grpc, String method) {
        return grpc.unary(method, utf8("hello"), RequestHeaders.none(), DEADLINE);
    }

    static CallResult ok(CallResult result) {
        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        return result;
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        clients.forEach(TestClient::close);
        if (controller != null) {
            controller.close();
        }
        if (pods != null) {
            pods.close();
        }
    }
}
