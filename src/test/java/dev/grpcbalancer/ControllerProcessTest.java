package dev.grpcbalancer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.testing.AdminHttp;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.CliProcess;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code controller} command as a child JVM, connected with a kubeconfig the way it runs
 * outside a cluster: against fabric8's CRUD mock API server, with a real gRPC backend.
 */
@EnableKubernetesMockClient(crud = true)
class ControllerProcessTest {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    KubernetesClient client;

    @TempDir
    Path directory;

    private CliProcess cli;
    private TestBackend backend;

    @AfterEach
    void stop() {
        if (cli != null) {
            cli.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void controllerFromAKubeconfigServesTheBalancerAndWritesItsStatus() throws Exception {
        backend = TestBackend.builder("pod-a", new InetSocketAddress("127.0.0.2", 0)).start();
        client.resource(new ServiceBuilder()
                .withNewMetadata().withNamespace("shop").withName("greeter").endMetadata()
                .withNewSpec().addNewPort().withName("grpc").withPort(50051).withTargetPort(new IntOrString("grpc"))
                    .endPort().endSpec()
                .build()).create();
        client.resource(new EndpointSliceBuilder()
                .withNewMetadata().withNamespace("shop").withName("greeter-1")
                    .addToLabels("kubernetes.io/service-name", "greeter").endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName("grpc").withPort(backend.port()).endPort()
                .addNewEndpoint().withAddresses("127.0.0.2").endEndpoint()
                .build()).create();
        int port = FreePorts.freeLoopbackPort();
        client.resource(balancer(port)).create();
        int adminPort = FreePorts.freeLoopbackPort();

        cli = CliProcess.start(directory, "controller", Map.of("KUBECONFIG", kubeconfig().toString()),
                "controller", "--namespace", "shop", "--controller-namespace", "grpc-balancer",
                "--no-leader-election", "--pod-selector", "app=grpc-balancer", "--bind-address", "127.0.0.1",
                "--admin-address", "127.0.0.1", "--admin-port", String.valueOf(adminPort));

        Await.until(STARTUP, () -> AdminHttp.readyz(adminPort) == 200, cli::describe);
        Await.until(STARTUP, () -> programmed("greeter"), cli::describe);
        try (TestClient grpc = TestClient.connect(new InetSocketAddress("127.0.0.1", port))) {
            assertThat(grpc.unary("hi".getBytes(StandardCharsets.UTF_8), RequestHeaders.none(), Duration.ofSeconds(5))
                    .backendId()).isEqualTo("pod-a");
        }
        assertThat(client.services().inNamespace("grpc-balancer").withName("gbal-shop-greeter").get()).isNotNull();
        String metrics = AdminHttp.get(adminPort, "/metrics");
        assertThat(metrics).contains("grpcbalancer_controller_is_leader 1.0", "grpcbalancer_controller_informers_synced 1.0",
                "grpcbalancer_controller_reconciles_total", "grpcbalancer_controller_status_writes_total",
                "grpcbalancer_controller_event_to_snapshot_seconds_bucket", "grpcbalancer_netty_allocator_memory_bytes",
                "grpcbalancer_calls_finished_total{balancer=\"shop/greeter\",grpc_code=\"OK\",route=\"default\"} 1.0",
                "grpcbalancer_call_duration_seconds_bucket{balancer=\"shop/greeter\"");
        assertThat(AdminHttp.get(adminPort, "/debug/balancers")).contains("\"name\" : \"greeter\"", "\"port\" : " + port,
                "\"address\" : \"127.0.0.2:" + backend.port() + "\"", "\"state\" : \"READY\"",
                "\"healthy\" : true", "\"ejected\" : false");

        cli.terminate();
        assertThat(cli.awaitExit(STARTUP)).as(cli::describe).isTrue();
        assertThat(cli.stdout() + cli.stderr()).contains("[shop/greeter] serving on port " + port);
    }

    @Test
    void unreachableApiServerAtStartExitsWithAClearError() throws Exception {
        Path config = Files.writeString(directory.resolve("kubeconfig"), kubeconfigFor("https://127.0.0.1:1"));

        cli = CliProcess.start(directory, "unreachable", Map.of("KUBECONFIG", config.toString()),
                "controller", "--sync-timeout", "3s", "--admin-port", String.valueOf(FreePorts.freeLoopbackPort()),
                "--admin-address", "127.0.0.1");

        assertThat(cli.awaitExit(STARTUP)).as(cli::describe).isTrue();
        assertThat(cli.exitCode()).as(cli::describe).isEqualTo(1);
        assertThat(cli.stderr()).contains("grpc-balancer: ", "(API server https://127.0.0.1:1/)");
    }

    private boolean programmed(String name) {
        GrpcBalancer balancer = client.resources(GrpcBalancer.class).inNamespace("shop").withName(name).get();
        return balancer != null && balancer.getStatus() != null && balancer.getStatus().getConditions() != null
                && balancer.getStatus().getConditions().stream()
                        .anyMatch(c -> "Programmed".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static GrpcBalancer balancer(int port) {
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setNamespace("shop");
        balancer.getMetadata().setName("greeter");
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(port);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setBackendRef(new BackendRef("greeter", 50051));
        balancer.setSpec(spec);
        return balancer;
    }

    private Path kubeconfig() throws IOException {
        return Files.writeString(directory.resolve("kubeconfig"), kubeconfigFor(client.getMasterUrl().toString()));
    }

    private static String kubeconfigFor(String server) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster: {server: "%s", insecure-skip-tls-verify: true}
                users:
                - name: test
                  user: {token: test}
                contexts:
                - name: test
                  context: {cluster: test, user: test, namespace: grpc-balancer}
                current-context: test
                """.formatted(server);
    }

}
