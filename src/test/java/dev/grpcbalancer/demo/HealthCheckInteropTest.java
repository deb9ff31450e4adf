package dev.grpcbalancer.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The hand-written health messages of {@link HealthCheck} against grpc-java's generated ones
 * (grpc-services, test scope): each side of the wire format is checked against the real thing.
 */
class HealthCheckInteropTest {

    private static final String HOST = "127.0.0.1";

    @Test
    void generatedHealthClientReadsTheTestBackendsAnswers() throws Exception {
        try (TestBackendServer backend = TestBackendServer.start(new InetSocketAddress(HOST, 0), "a")) {
            ManagedChannel channel = NettyChannelBuilder.forAddress(HOST, backend.port()).usePlaintext().build();
            try {
                HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);

                HealthCheckResponse server = health.check(HealthCheckRequest.getDefaultInstance());
                HealthCheckResponse greeter = health.check(HealthCheckRequest.newBuilder().setService("demo.Greeter").build());

                assertThat(server.getStatus()).isEqualTo(ServingStatus.SERVING);
                assertThat(greeter.getStatus()).isEqualTo(ServingStatus.SERVING);
                assertThatThrownBy(() -> health.check(HealthCheckRequest.newBuilder().setService("shop.Refunds").build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                            assertThat(e.getStatus().getDescription()).isEqualTo("unknown service 'shop.Refunds'");
                        });
                assertThatThrownBy(() -> health.watch(HealthCheckRequest.getDefaultInstance()).hasNext())
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void probeReadsTheGeneratedHealthServiceAndWaitsWhileItIsNotServing() throws Exception {
        HealthStatusManager manager = new HealthStatusManager();
        manager.setStatus("shop.Refunds", ServingStatus.NOT_SERVING);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(HOST, 0))
                .addService(manager.getHealthService()).build().start();
        try {
            int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
            StringWriter notServingErr = new StringWriter();
            int notServing = new Probe(new Probe.Options(HOST, port, "shop.Refunds", Duration.ofSeconds(1), 0, Duration.ZERO, 1),
                    new PrintWriter(new StringWriter()), new PrintWriter(notServingErr)).run();

            manager.setStatus("shop.Refunds", ServingStatus.SERVING);
            StringWriter servingOut = new StringWriter();
            int serving = new Probe(new Probe.Options(HOST, port, "shop.Refunds", Duration.ofSeconds(5), 0, Duration.ZERO, 1),
                    new PrintWriter(servingOut), new PrintWriter(new StringWriter())).run();

            assertThat(notServing).isEqualTo(Probe.FAILED);
            assertThat(notServingErr.toString()).contains("last answer: NOT_SERVING");
            assertThat(serving).isEqualTo(Probe.OK);
            assertThat(servingOut.toString()).contains("is SERVING (service \"shop.Refunds\", attempt 1)");
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
