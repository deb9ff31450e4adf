package dev.grpcbalancer.controller;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.dataplane.DataPlane;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.ProxyFixture;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * How fast an EndpointSlice change reaches the data plane with 1,000 endpoints in 10 slices of one
 * Service (a tool, not a test). Against fabric8's CRUD mock API server, in-process: each round
 * flips one endpoint of one slice to not-ready (or back) and measures, from the moment the
 * informer delivers the event to the moment the new snapshot is published, and from the API write
 * to the publish (which adds the mock server's watch latency). Also prints the heap in use after
 * a GC with all of it loaded.
 *
 * <pre>
 * mvn -q -o test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.grpcbalancer.controller.ControllerLatencyBench [-Dexec.args=300]
 * </pre>
 */
public final class ControllerLatencyBench {

    private static final int SLICES = 10;
    private static final int PER_SLICE = 100;

    private ControllerLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), false);
        server.init();
        LinkedBlockingQueue<long[]> published = new LinkedBlockingQueue<>();
        try (KubernetesClient client = server.createClient()) {
            String ns = ControllerFixture.NAMESPACE;
            client.resource(ClusterObjects.service(ns, "big", 50051)).create();
            List<List<Endpoint>> slices = new ArrayList<>();
            for (int s = 0; s < SLICES; s++) {
                List<Endpoint> endpoints = new ArrayList<>();
                for (int e = 0; e < PER_SLICE; e++) {
                    endpoints.add(ClusterObjects.ready("10.1." + s + "." + (e + 1)));
                }
                slices.add(endpoints);
                client.resource(ClusterObjects.slice(ns, "big-" + s, "big", 50051, endpoints)).create();
            }
            DataPlane dataPlane = new DataPlane(ProxyFixture.settings());
            BalancerController controller = new BalancerController(client, ControllerFixture.settings("bench"),
                    dataPlane, dataPlane, Clock.systemUTC(), (eventNanos, startNanos, publishedNanos, changed) -> {
                        if (changed) {
                            published.add(new long[] {eventNanos, publishedNanos});
                        }
                    });
            controller.start(Duration.ofSeconds(30));
            GrpcBalancer balancer = ClusterObjects.balancer(ns, "big", FreePorts.freeLoopbackPort(), "big", 50051);
            client.resource(balancer).create();
            published.poll(30, TimeUnit.SECONDS);

            Histogram informerToSnapshot = new Histogram(3);
            Histogram writeToSnapshot = new Histogram(3);
            int warmup = Math.min(50, rounds / 5);
            for (int round = 0; round < rounds + warmup; round++) {
                int s = round % SLICES;
                int e = (round / SLICES) % PER_SLICE;
                List<Endpoint> endpoints = new ArrayList<>(slices.get(s));
                Endpoint old = endpoints.get(e);
                boolean ready = !Boolean.TRUE.equals(old.getConditions().getReady());
                endpoints.set(e, ClusterObjects.endpoint(old.getAddresses().get(0), ready, ready, false));
                slices.set(s, endpoints);
                published.clear();
                long written = System.nanoTime();
                client.discovery().v1().endpointSlices().inNamespace(ns).withName("big-" + s)
                        .edit(slice -> { slice.setEndpoints(endpoints); return slice; });
                long[] times = published.poll(10, TimeUnit.SECONDS);
                if (times == null) {
                    throw new IllegalStateException("no snapshot within 10 s in round " + round);
                }
                if (round >= warmup) {
                    informerToSnapshot.recordValue(Math.max(0, times[1] - times[0]) / 1000);
                    writeToSnapshot.recordValue(Math.max(0, times[1] - written) / 1000);
                }
            }
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            System.out.printf("endpoints: %d in %d slices, rounds: %d (after %d warm-up)%n",
                    SLICES * PER_SLICE, SLICES, rounds, warmup);
            print("informer event -> snapshot published", informerToSnapshot);
            print("API write      -> snapshot published", writeToSnapshot);
            System.out.printf("heap in use after GC (whole JVM: mock server, client, controller, data plane): %.1f MiB%n",
                    heap / 1048576.0);
            controller.close();
            dataPlane.close();
        } finally {
            server.destroy();
        }
    }

    private static void print(String what, Histogram h) {
        System.out.printf("%s: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", what,
                h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
    }
}
