package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.grpc.TestService.utf8;

import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import javax.management.ObjectName;

/**
 * What one unary call costs the data plane: CPU time of its event loop thread (user and kernel,
 * from the JVM's per-thread CPU clock: unlike calls per second it hardly moves when other work
 * shares the machine), bytes allocated on that thread (exact, from the
 * JVM's per-thread allocation counter) and objects of the project's own classes (exact, from heap
 * histograms before and after, with a collector that frees nothing). A real grpc-java client and
 * backend on loopback make the calls; their allocations are on their own threads and classes.
 *
 * <pre>
 * mvn -q -o test-compile exec:java -Dexec.classpathScope=test -Dtools.skip \
 *     -Dexec.mainClass=dev.grpcbalancer.dataplane.CallAllocationBench \
 *     -Dexec.args="20000 20000"    # warm-up calls, measured calls
 * </pre>
 *
 * Run it in a JVM with {@code -XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC -Xmx8g} (e.g.
 * {@code MAVEN_OPTS}) for exact object counts; under another collector the counts miss what was
 * collected while it ran, and the bytes per call stay exact. It touches only {@link ProxyFixture}
 * and the test backend and client, so the same file measures older revisions too.
 */
public final class CallAllocationBench {

    private static final int IN_FLIGHT = 16;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private CallAllocationBench() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int measured = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        try (TestBackend backend = TestBackend.start("a", "127.0.0.2");
                ProxyFixture proxy = ProxyFixture.start(ProxyFixture.settings().withIoThreads(1))
                        .route(LoadBalancingPolicy.RoundRobin, ProxyFixture.endpoint(backend.address()));
                TestClient client = TestClient.builder(proxy.address()).disableRetry().build()) {
            calls(client, warmup);
            Map<String, long[]> before = histogram();
            long bytesBefore = proxyThreads(ThreadCounter.BYTES);
            long cpuBefore = proxyThreads(ThreadCounter.CPU_NANOS);
            calls(client, measured);
            long cpu = proxyThreads(ThreadCounter.CPU_NANOS) - cpuBefore;
            long bytes = proxyThreads(ThreadCounter.BYTES) - bytesBefore;
            Map<String, long[]> after = histogram();

            System.out.printf("%d unary calls (%d in flight), one event loop: %.2f us of its CPU and %.0f bytes"
                    + " allocated on it per call%n", measured, IN_FLIGHT, cpu / 1e3 / measured, (double) bytes / measured);
            long objects = 0;
            long ownBytes = 0;
            Map<String, Double> perCall = new TreeMap<>();
            for (Map.Entry<String, long[]> entry : after.entrySet()) {
                String type = entry.getKey();
                if (!type.startsWith("dev.grpcbalancer.") || type.startsWith("dev.grpcbalancer.testing.")) {
                    continue;
                }
                long[] was = before.getOrDefault(type, new long[2]);
                long count = entry.getValue()[0] - was[0];
                if (count > measured / 100) {
                    perCall.put(type, (double) count / measured);
                    objects += count;
                    ownBytes += entry.getValue()[1] - was[1];
                }
            }
            perCall.forEach((type, count) -> System.out.printf("  %6.2f  %s%n", count, type));
            System.out.printf("project-owned objects per call: %.2f (%.0f bytes)%n", (double) objects / measured,
                    (double) ownBytes / measured);
            // the client and backend use grpc-java's shaded Netty: unshaded Netty classes are the proxy's
            Map<String, long[]> netty = new TreeMap<>();
            long nettyObjects = 0;
            long nettyBytes = 0;
            for (Map.Entry<String, long[]> entry : after.entrySet()) {
                long[] was = before.getOrDefault(entry.getKey(), new long[2]);
                long count = entry.getValue()[0] - was[0];
                if (entry.getKey().startsWith("io.netty.") && count > measured / 100) {
                    netty.put(entry.getKey(), new long[] {count, entry.getValue()[1] - was[1]});
                    nettyObjects += count;
                    nettyBytes += entry.getValue()[1] - was[1];
                }
            }
            netty.forEach((type, c) -> System.out.printf("  %6.2f  %5.0f B  %s%n", (double) c[0] / measured,
                    (double) c[1] / measured, type));
            System.out.printf("Netty objects per call: %.2f (%.0f bytes)%n", (double) nettyObjects / measured,
                    (double) nettyBytes / measured);
        }
    }

    private static void calls(TestClient client, int n) {
        ArrayDeque<TestCall> inFlight = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            if (inFlight.size() == IN_FLIGHT) {
                check(inFlight.poll().await(WAIT));
            }
            inFlight.add(client.startUnary(utf8("x"), RequestHeaders.none(), WAIT));
        }
        while (!inFlight.isEmpty()) {
            check(inFlight.poll().await(WAIT));
        }
    }

    private static void check(CallResult result) {
        if (!result.isOk()) {
            throw new IllegalStateException(result.toString());
        }
    }

    private enum ThreadCounter { BYTES, CPU_NANOS }

    /** Bytes allocated, or CPU nanoseconds used, so far by the data plane's event loop threads. */
    private static long proxyThreads(ThreadCounter counter) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long total = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("grpc-balancer-io")) {
                total += counter == ThreadCounter.BYTES ? threads.getThreadAllocatedBytes(info.getThreadId())
                        : threads.getThreadCpuTime(info.getThreadId());
            }
        }
        return total;
    }

    /** Instances and bytes per class, of every object in the heap (unreachable ones included). */
    private static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[] {"-all"}}, new String[] {String[].class.getName()});
        Map<String, long[]> byClass = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length >= 4 && parts[0].endsWith(":")) {
                byClass.put(parts[3], new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])});
            }
        }
        return byClass;
    }
}
