package dev.grpcbalancer.controller;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.dataplane.DataPlane;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.snapshot.SnapshotSink;
import dev.grpcbalancer.testing.ProxyFixture;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * The controller at scale (a tool, not a test), against fabric8's CRUD mock API server in a JVM of
 * its own ({@link MockApiServer}, so its heap and pauses are not the controller's):
 * 1,000 GrpcBalancers, each on its own port over its own Service with one EndpointSlice of 10
 * endpoints, plus one balancer over a Service of 5,000 endpoints in 50 slices (15,000 endpoints).
 * It prints:
 * <ul>
 *   <li>time to the first full snapshot: from {@code BalancerController.start} (informers list
 *       everything) until a snapshot with every balancer and endpoint is published;</li>
 *   <li>memory, each as heap in use after GC once the first statuses are written: the controller
 *       (informer caches, translation and status state), and the data plane per listener and per
 *       endpoint (a second data plane on 127.0.0.2 given the same balancers without endpoints,
 *       then with them);</li>
 *   <li>p50/p99/max from an EndpointSlice write to the data plane running the change, while a
 *       background writer changes 10 other slices per second. Each measured change flips one
 *       endpoint's readiness in a random small balancer's slice (or, every tenth, in one of the
 *       big balancer's 50 slices); the time runs from the API write (one PUT) to the end of the
 *       {@code DataPlane.publish} whose snapshot shows it (so it includes the mock server's watch
 *       delivery and the reconcile hold-off); and the controller's share of it: from the first
 *       informer event that the publishing reconcile run handled.</li>
 * </ul>
 *
 * <pre>
 * mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dtools.skip \
 *     -Dexec.mainClass=dev.grpcbalancer.controller.ControllerScaleBench [-Dexec.args="300"]
 * </pre>
 * (run it under {@code flock /work/heavy.lock} on a shared machine; the argument is the number of
 * measured changes, 300 by default). The controller runs in Maven's JVM, which has used the common
 * ForkJoinPool before this main starts: {@code .mvn/jvm.config} gives it the two workers the
 * controller's own main sets up (see {@code Main.commonPoolOfTwoUnlessAsked}); the bench prints the
 * parallelism it ran with.
 */
public final class ControllerScaleBench {

    private static final String NS = ControllerFixture.NAMESPACE;
    private static final int SMALL_BALANCERS = 1000;
    private static final int SMALL_ENDPOINTS = 10;
    private static final int BIG_SLICES = 50;
    private static final int BIG_PER_SLICE = 100;
    private static final int TOTAL_ENDPOINTS = SMALL_BALANCERS * SMALL_ENDPOINTS + BIG_SLICES * BIG_PER_SLICE;
    private static final int BACKGROUND_CHANGES_PER_SECOND = 10;
    private static final int SERVICE_PORT = 50051;

    private ControllerScaleBench() {
    }

    /**
     * A slice as the bench knows it: its endpoints, flipped one at a time, and the object the API
     * server last returned (its resourceVersion lets each change be one PUT, with no GET first:
     * the mock server answers every request with a scan over all its objects, so fewer requests
     * leave more of the machine to the controller being measured).
     */
    private static final class SliceState {

        private final String name;
        private final String service;
        private final List<Endpoint> endpoints;
        private EndpointSlice stored;

        SliceState(String name, String service, List<Endpoint> endpoints) {
            this.name = name;
            this.service = service;
            this.endpoints = endpoints;
        }

        String name() {
            return name;
        }

        String service() {
            return service;
        }

        List<Endpoint> endpoints() {
            return endpoints;
        }
    }


    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        System.out.printf("%d CPUs, common ForkJoinPool parallelism %d%n", Runtime.getRuntime().availableProcessors(),
                ForkJoinPool.getCommonPoolParallelism());
        try (MockApiServer server = MockApiServer.start(); KubernetesClient client = server.client()) {
            Map<String, SliceState> slices = new ConcurrentHashMap<>();
            List<Integer> ports = freePorts(SMALL_BALANCERS + 1);
            System.out.printf("creating %d Services, %d EndpointSlices, %d GrpcBalancers (%d endpoints) ...%n",
                    SMALL_BALANCERS + 1, SMALL_BALANCERS + BIG_SLICES, SMALL_BALANCERS + 1, TOTAL_ENDPOINTS);
            for (int b = 0; b < SMALL_BALANCERS; b++) {
                String name = "svc-" + b;
                client.resource(ClusterObjects.service(NS, name, SERVICE_PORT)).create();
                List<Endpoint> endpoints = new ArrayList<>();
                for (int e = 0; e < SMALL_ENDPOINTS; e++) {
                    endpoints.add(ClusterObjects.ready("10." + (b / 250) + "." + (b % 250) + "." + (e + 1)));
                }
                createSlice(client, slices, new SliceState(name + "-0", name, endpoints));
                client.resource(ClusterObjects.balancer(NS, name, ports.get(b), name, SERVICE_PORT)).create();
            }
            client.resource(ClusterObjects.service(NS, "big", SERVICE_PORT)).create();
            for (int s = 0; s < BIG_SLICES; s++) {
                List<Endpoint> endpoints = new ArrayList<>();
                for (int e = 0; e < BIG_PER_SLICE; e++) {
                    endpoints.add(ClusterObjects.ready("10.200." + s + "." + (e + 1)));
                }
                createSlice(client, slices, new SliceState("big-" + s, "big", endpoints));
            }
            client.resource(ClusterObjects.balancer(NS, "big", ports.get(SMALL_BALANCERS), "big", SERVICE_PORT)).create();
            long heapLoaded = heapAfterGc();

            // Watches the data plane's snapshots: the first complete one, and the flips being measured.
            DataPlane dataPlane = new DataPlane(ProxyFixture.settings().withBindAddress("127.0.0.1"));
            Probe probe = new Probe(dataPlane);
            ControllerSettings settings = ControllerSettings.defaults(ControllerFixture.CONTROLLER_NAMESPACE, "scale-bench")
                    .withNamespaces(Set.of(NS))
                    .withLeaderElection(false, "grpc-balancer", ControllerSettings.LeaseTimings.DEFAULT)
                    .withPodSelector(ControllerFixture.POD_SELECTOR);
            Histogram runs = new Histogram(3);
            Histogram eventToDataPlane = new Histogram(3);
            long startNanos = System.nanoTime();
            BalancerController controller = new BalancerController(client, settings, probe, dataPlane,
                    Clock.systemUTC(), (eventNanos, runStartNanos, publishedNanos, changed) -> {
                        synchronized (runs) {
                            runs.recordValue(Math.max(0, publishedNanos - runStartNanos) / 1000);
                        }
                        // The run that published the measured change: from the first informer event it handled.
                        CountDownLatch accounted = probe.accounted;
                        if (accounted != null && probe.seenInRun.getAndSet(false)) {
                            eventToDataPlane.recordValue(Math.max(0, probe.seenNanos - eventNanos) / 1000);
                            accounted.countDown();
                        }
                    });
            controller.start(Duration.ofSeconds(120));
            if (!probe.complete.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no complete snapshot within 120 s");
            }
            double firstSnapshotSeconds = (probe.completeNanos - startNanos) / 1e9;
            awaitStatusWritesDone(controller);
            long heapRunning = heapAfterGc();

            // The data plane's own share, measured on a second data plane on another loopback address.
            RoutingSnapshot full = probe.last;
            long heapBefore = heapAfterGc();
            DataPlane second = new DataPlane(ProxyFixture.settings().withBindAddress("127.0.0.2"));
            second.publish(new RoutingSnapshot(full.balancers().stream()
                    .map(config -> config.withBackends(BackendSet.EMPTY)).toList()));
            long heapListeners = heapAfterGc();
            second.publish(full);
            long heapEndpoints = heapAfterGc();
            second.close();
            double perListener = (heapListeners - heapBefore) / (double) full.balancers().size();
            double perEndpoint = (heapEndpoints - heapListeners) / (double) TOTAL_ENDPOINTS;
            double dataPlaneMiB = (full.balancers().size() * perListener + TOTAL_ENDPOINTS * perEndpoint) / 1048576.0;
            double controllerMiB = (heapRunning - heapLoaded) / 1048576.0 - dataPlaneMiB;

            Histogram writeToDataPlane = new Histogram(3);
            List<String> smallSlices = slices.keySet().stream().filter(n -> n.startsWith("svc-")).sorted().toList();
            List<String> bigSlices = slices.keySet().stream().filter(n -> n.startsWith("big-")).sorted().toList();
            Random random = new Random(42);
            ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger backgroundChanges = new AtomicInteger();
            Set<String> measuring = ConcurrentHashMap.newKeySet();
            background.scheduleAtFixedRate(() -> {
                String name = smallSlices.get(random.nextInt(smallSlices.size()));
                if (!measuring.contains(name)) {
                    flip(client, slices.get(name), 0);
                    backgroundChanges.incrementAndGet();
                }
            }, 0, 1000 / BACKGROUND_CHANGES_PER_SECOND, TimeUnit.MILLISECONDS);
            int warmup = Math.min(50, rounds / 5);
            synchronized (runs) {
                runs.reset();
            }
            Random pick = new Random(7);
            try {
                for (int round = 0; round < rounds + warmup; round++) {
                    String name = round % 10 == 0 ? bigSlices.get(pick.nextInt(bigSlices.size()))
                            : smallSlices.get(pick.nextInt(smallSlices.size()));
                    measuring.add(name);
                    SliceState slice = slices.get(name);
                    int index = 1 + pick.nextInt(slice.endpoints().size() - 1); // 0 is the background's
                    long written;
                    CountDownLatch seen;
                    synchronized (slice) {
                        boolean ready = !Boolean.TRUE.equals(slice.endpoints().get(index).getConditions().getReady());
                        seen = probe.expect(new BalancerId(NS, slice.service()), endpointAddress(slice, index), ready);
                        written = System.nanoTime();
                        flip(client, slice, index);
                    }
                    if (!seen.await(10, TimeUnit.SECONDS) || !probe.accounted.await(10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("change not in the data plane within 10 s, round " + round);
                    }
                    if (round >= warmup) {
                        writeToDataPlane.recordValue(Math.max(0, probe.seenNanos - written) / 1000);
                    } else if (round == warmup - 1) {
                        eventToDataPlane.reset();
                    }
                    measuring.remove(name);
                    Thread.sleep(50 + pick.nextInt(100)); // not in step with the background writer
                }
            } finally {
                background.shutdownNow();
                background.awaitTermination(10, TimeUnit.SECONDS);
            }

            System.out.printf("balancers: %d (%d x %d endpoints in 1 slice, 1 x %d endpoints in %d slices), endpoints: %d%n",
                    SMALL_BALANCERS + 1, SMALL_BALANCERS, SMALL_ENDPOINTS, BIG_SLICES * BIG_PER_SLICE, BIG_SLICES,
                    TOTAL_ENDPOINTS);
            System.out.printf("first full snapshot: %.2f s after the controller started (informers listed, translated, published)%n",
                    firstSnapshotSeconds);
            System.out.printf("heap: controller %.1f MiB (informer caches, translation, status state); data plane %.1f MiB:"
                    + " %.1f KiB per listener, %.0f B per endpoint%n",
                    controllerMiB, dataPlaneMiB, perListener / 1024, perEndpoint);
            System.out.printf("EndpointSlice write -> data plane runs it, %d changes (after %d warm-up), %d background"
                    + " slice changes at %d/s: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    rounds, warmup, backgroundChanges.get(), BACKGROUND_CHANGES_PER_SECOND,
                    writeToDataPlane.getValueAtPercentile(50) / 1000.0, writeToDataPlane.getValueAtPercentile(99) / 1000.0,
                    writeToDataPlane.getMaxValue() / 1000.0);
            System.out.printf("  of which the controller's: first informer event of the publishing run -> data plane runs it:"
                    + " p50 %.2f ms, p99 %.2f ms, max %.2f ms (the rest: the API write and the mock server's watch)%n",
                    eventToDataPlane.getValueAtPercentile(50) / 1000.0, eventToDataPlane.getValueAtPercentile(99) / 1000.0,
                    eventToDataPlane.getMaxValue() / 1000.0);
            synchronized (runs) {
                System.out.printf("reconcile runs during the changes: %d; translate + publish per run: p50 %.2f ms,"
                        + " p99 %.2f ms, max %.2f ms%n", runs.getTotalCount(), runs.getValueAtPercentile(50) / 1000.0,
                        runs.getValueAtPercentile(99) / 1000.0, runs.getMaxValue() / 1000.0);
            }
            controller.close();
            dataPlane.close();
        }
    }

    /** Hands snapshots to the data plane and tells when one shows what the bench waits for. */
    private static final class Probe implements SnapshotSink {

        private final DataPlane dataPlane;
        private final CountDownLatch complete = new CountDownLatch(1);
        private volatile long completeNanos;
        private volatile RoutingSnapshot last = RoutingSnapshot.EMPTY;
        private volatile Expectation expected;
        private volatile long seenNanos;
        /** Set by the publish that shows the expected change; the observer of the same run takes it. */
        private final AtomicBoolean seenInRun = new AtomicBoolean();
        private volatile CountDownLatch accounted;

        private record Expectation(BalancerId id, String address, boolean ready, CountDownLatch seen) {
        }

        Probe(DataPlane dataPlane) {
            this.dataPlane = dataPlane;
        }

        CountDownLatch expect(BalancerId id, String address, boolean ready) {
            accounted = new CountDownLatch(1);
            CountDownLatch seen = new CountDownLatch(1);
            expected = new Expectation(id, address, ready, seen);
            return seen;
        }

        @Override
        public void publish(RoutingSnapshot snapshot) {
            dataPlane.publish(snapshot);
            long now = System.nanoTime();
            last = snapshot;
            if (complete.getCount() > 0 && snapshot.balancers().size() == SMALL_BALANCERS + 1
                    && snapshot.balancers().stream().mapToInt(b -> b.backends().endpoints().size()).sum() == TOTAL_ENDPOINTS) {
                completeNanos = now;
                complete.countDown();
            }
            Expectation waiting = expected;
            if (waiting != null) {
                Optional<BalancerConfig> config = snapshot.balancer(waiting.id());
                // A ready endpoint is in the backend set; one neither ready nor terminating is left out.
                boolean shows = config.isPresent() && config.get().backends().endpoints().stream()
                        .anyMatch(e -> e.host().equals(waiting.address())) == waiting.ready();
                if (shows) {
                    seenNanos = now;
                    seenInRun.set(true);
                    expected = null;
                    waiting.seen().countDown();
                }
            }
        }
    }

    private static String endpointAddress(SliceState slice, int index) {
        return slice.endpoints().get(index).getAddresses().get(0);
    }

    private static void createSlice(KubernetesClient client, Map<String, SliceState> slices, SliceState slice) {
        slice.stored = client.resource(ClusterObjects.slice(NS, slice.name(), slice.service(), SERVICE_PORT,
                slice.endpoints())).create();
        slices.put(slice.name(), slice);
    }

    /** Flips the readiness of endpoint {@code index} of the slice, in the API server (one PUT). */
    private static void flip(KubernetesClient client, SliceState slice, int index) {
        synchronized (slice) {
            Endpoint old = slice.endpoints().get(index);
            boolean ready = !Boolean.TRUE.equals(old.getConditions().getReady());
            slice.endpoints().set(index, ClusterObjects.endpoint(old.getAddresses().get(0), ready, ready, false));
            EndpointSlice next = new EndpointSliceBuilder(slice.stored).withEndpoints(new ArrayList<>(slice.endpoints()))
                    .build();
            slice.stored = client.resource(next).update();
        }
    }

    private static List<Integer> freePorts(int count) throws Exception {
        Set<Integer> ports = new HashSet<>();
        List<ServerSocket> held = new ArrayList<>();
        try {
            while (ports.size() < count) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                held.add(socket);
                ports.add(socket.getLocalPort());
            }
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
        return List.copyOf(ports);
    }

    /**
     * Waits until the leader has written every balancer's first status and stopped (no write for
     * two seconds): those writes change objects in the informers and in the mock server, which
     * would blur the heap figures taken next.
     */
    private static void awaitStatusWritesDone(BalancerController controller) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long last = -1;
        while (System.nanoTime() < deadline) {
            long writes = controller.statusWrites();
            if (writes >= SMALL_BALANCERS + 1 && writes == last) {
                return;
            }
            last = writes;
            Thread.sleep(2000);
        }
        throw new IllegalStateException("status writes did not settle within 120 s: " + controller.statusWrites());
    }

    private static long heapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
