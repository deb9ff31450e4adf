package dev.grpcbalancer.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Command-line flags of {@link Benchmark}; {@code --name value} or {@code --name=value}. */
final class BenchOptions {
    static final List<String> ALL_TARGETS = List.of("direct", "balancer", "haproxy", "nginx");
    /** Targets that may be named but are not run by default: the balancer with the JDK's TLS. */
    static final List<String> EXTRA_TARGETS = List.of("balancer-jdk");
    /** The unary load over TLS to the proxy and TLS from the proxy to the (TLS) backends. */
    static final String TLS_BACKENDS = "tls-backends";
    /** Workloads over TLS to the proxy; direct has no TLS and skips them. */
    static final List<String> TLS_WORKLOADS = List.of("tls-unary", "tls-handshakes", TLS_BACKENDS);
    /** The unary workload with h2load as the client; the plain workload names use grpc-java. */
    static final String UNARY_H2LOAD = "unary-h2load";

    Duration duration = Duration.ofSeconds(10);
    Duration warmup = Duration.ofSeconds(3);
    Duration jvmWarmup = Duration.ofSeconds(60);
    int connections = 4;
    int concurrency = 16;
    int payload = 64;
    int backends = 3;
    int proxyThreads = 2;
    int clientThreads = 1;
    int backendThreads = 1;
    int handshakeConcurrency = 8;
    int rounds = 1;
    List<String> targets = ALL_TARGETS;
    List<String> workloads = List.of("unary", "stream-1k", "stream-1m");
    Path jar = Path.of("target/grpc-balancer.jar");
    Path peerTemplates = Path.of("src/bench/peers");
    List<String> balancerJvmOpts = List.of();
    boolean grpcJavaClient = true;
    boolean h2loadClient = false;
    /** The java binary the balancer runs on: the bench JVM's own unless {@code --balancer-java}. */
    Path balancerJava = Peers.defaultJava();

    static final String USAGE = String.join("\n",
            "usage: Benchmark [flags]",
            "  --duration D          measured time per target and workload (10s; 10, 10s, 500ms, 1m)",
            "  --warmup D            warm-up before each measurement, not recorded (3s)",
            "  --jvm-warmup D        at most this much JIT warm-up (rounds of 1 s per workload, not recorded,",
            "                        until the JIT settles): direct before the first target, and through the",
            "                        balancer (a JVM) right after it starts (60s; 0 = off)",
            "  --connections N       client connections (one ManagedChannel each) (4)",
            "  --concurrency N       outstanding unary calls per connection (16)",
            "  --payload BYTES       unary echo payload (64)",
            "  --targets LIST        direct,balancer,haproxy,nginx (all); NAME@DIR takes that target's config",
            "                        template from DIR, e.g. balancer@src/bench/peers-routed-200 (balancer, haproxy)",
            "                        balancer-jdk: the balancer with --tls-provider jdk (the JDK's TLS instead of",
            "                        OpenSSL), for the TLS workloads",
            "  --workloads LIST      unary,stream-1k,stream-1m; stream-<size>[k|m] for other sizes; TLS to the",
            "                        proxy (direct skips them): tls-unary (the unary load over",
            "                        established TLS connections), tls-handshakes (new connections per second, each a",
            "                        full TLS 1.3 handshake with an ECDSA P-256 certificate, then closed),",
            "                        both to h2c backends; tls-backends (the unary load over TLS to the proxy, and",
            "                        TLS with verification and ALPN h2 from the proxy to a second set of backends",
            "                        that serve TLS)",
            "  --handshake-concurrency N  connections being set up at once in tls-handshakes (8)",
            "  --client C            unary client: grpc-java, h2load (nghttp2's h2load with the same",
            "                        connections, streams in flight, warm-up and duration; an empty gRPC",
            "                        message) or both (grpc-java); stream and TLS workloads always use grpc-java",
            "  --rounds N            measure N times, interleaved: every peer is started once, then each",
            "                        round measures every workload on every target (target order rotated",
            "                        each round); reports the median per figure and per-round ratios with",
            "                        their median and min-max (1 = one target after the other)",
            "  --jar PATH            grpc-balancer jar (target/grpc-balancer.jar)",
            "  --proxy-threads N     threads/processes for every proxy: haproxy nbthread, nginx",
            "                        worker_processes, balancer --io-threads (if it has the flag) and",
            "                        -Dio.netty.eventLoopThreads (2)",
            "  --client-threads N    bench client Netty event loop threads (1)",
            "  --backend-threads N   bench backends' shared Netty event loop threads (1)",
            "  --backends N          number of backend servers (3)",
            "  --peer-templates DIR  haproxy/nginx/balancer config templates (src/bench/peers)",
            "  --balancer-jvm-opts S extra JVM options for the balancer process, space separated",
            "  --balancer-java PATH  run the balancer on this java (a java binary or a JDK's home), e.g. to",
            "                        compare collectors of another JDK (the bench JVM's own java)");

    /** Parses {@code args}; throws IllegalArgumentException with a message on bad input. */
    static BenchOptions parse(String[] args) {
        BenchOptions o = new BenchOptions();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                throw new IllegalArgumentException("");
            }
            String name = a;
            String value;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("missing value for " + a);
            }
            switch (name) {
                case "--duration" -> o.duration = duration(value);
                case "--warmup" -> o.warmup = duration(value);
                case "--jvm-warmup" -> o.jvmWarmup = duration(value);
                case "--connections" -> o.connections = positive(name, value);
                case "--concurrency" -> o.concurrency = positive(name, value);
                case "--payload" -> o.payload = positive(name, value);
                case "--backends" -> o.backends = positive(name, value);
                case "--proxy-threads" -> o.proxyThreads = positive(name, value);
                case "--client-threads" -> o.clientThreads = positive(name, value);
                case "--backend-threads" -> o.backendThreads = positive(name, value);
                case "--handshake-concurrency" -> o.handshakeConcurrency = positive(name, value);
                case "--rounds" -> o.rounds = positive(name, value);
                case "--targets" -> o.targets = targets(value);
                case "--workloads" -> o.workloads = workloads(value);
                case "--jar" -> o.jar = Path.of(value);
                case "--peer-templates" -> o.peerTemplates = Path.of(value);
                case "--client" -> o.client(value);
                case "--balancer-jvm-opts" -> o.balancerJvmOpts = value.isBlank()
                        ? List.of() : Arrays.asList(value.trim().split("\\s+"));
                case "--balancer-java" -> o.balancerJava = java(value);
                default -> throw new IllegalArgumentException("unknown flag " + name);
            }
        }
        if (o.duration.isZero() || o.duration.isNegative() || o.warmup.isNegative() || o.jvmWarmup.isNegative()) {
            throw new IllegalArgumentException("--duration must be > 0, --warmup and --jvm-warmup >= 0");
        }
        return o;
    }

    /** A java binary, given as itself or as the home of its JDK. */
    private static Path java(String value) {
        Path path = Path.of(value);
        Path binary = Files.isDirectory(path) ? path.resolve("bin").resolve("java") : path;
        if (!Files.isExecutable(binary)) {
            throw new IllegalArgumentException("--balancer-java: no java at " + binary);
        }
        return binary.toAbsolutePath();
    }

    private void client(String value) {
        switch (value.trim()) {
            case "grpc-java" -> {
                grpcJavaClient = true;
                h2loadClient = false;
            }
            case "h2load" -> {
                grpcJavaClient = false;
                h2loadClient = true;
            }
            case "both" -> {
                grpcJavaClient = true;
                h2loadClient = true;
            }
            default -> throw new IllegalArgumentException("unknown client " + value + " (grpc-java, h2load, both)");
        }
    }

    /**
     * What is measured on every target, in order: each workload, the unary one once per client
     * ({@code unary} with grpc-java, {@link #UNARY_H2LOAD} with h2load).
     */
    List<String> measurements() {
        List<String> out = new ArrayList<>();
        for (String workload : workloads) {
            if (!workload.equals("unary")) {
                out.add(workload);
                continue;
            }
            if (grpcJavaClient) {
                out.add(workload);
            }
            if (h2loadClient) {
                out.add(UNARY_H2LOAD);
            }
        }
        return out;
    }

    /**
     * Whether {@code measurement} is the unary load: over h2c (with either client), over TLS, or
     * over TLS at both ends.
     */
    static boolean isUnary(String measurement) {
        return measurement.equals("unary") || measurement.equals(UNARY_H2LOAD) || measurement.equals("tls-unary")
                || measurement.equals(TLS_BACKENDS);
    }

    /** Message size of a {@code stream-<size>} workload, or -1 for the unary and TLS workloads. */
    static int streamMessageSize(String workload) {
        if (isUnary(workload) || TLS_WORKLOADS.contains(workload)) {
            return -1;
        }
        String size = workload.substring("stream-".length()).toLowerCase();
        int mult = size.endsWith("k") ? 1024 : size.endsWith("m") ? 1024 * 1024 : 1;
        String digits = mult == 1 ? size : size.substring(0, size.length() - 1);
        return Integer.parseInt(digits) * mult;
    }

    private static List<String> targets(String value) {
        List<String> out = new ArrayList<>();
        for (String t : value.split(",")) {
            t = t.trim();
            String name = t.contains("@") ? t.substring(0, t.indexOf('@')) : t;
            if (t.contains("@") && !java.nio.file.Files.isDirectory(Path.of(t.substring(t.indexOf('@') + 1)))) {
                throw new IllegalArgumentException("no template directory " + t.substring(t.indexOf('@') + 1) + " in " + t);
            }
            if (!ALL_TARGETS.contains(name) && !EXTRA_TARGETS.contains(name)) {
                throw new IllegalArgumentException("unknown target " + t + " (known: " + ALL_TARGETS + ", "
                        + EXTRA_TARGETS + ")");
            }
            out.add(t);
        }
        return out;
    }

    private static List<String> workloads(String value) {
        List<String> out = new ArrayList<>();
        for (String w : value.split(",")) {
            w = w.trim();
            boolean ok = w.equals("unary") || TLS_WORKLOADS.contains(w) || w.matches("stream-\\d+[kKmM]?");
            if (!ok || streamMessageSize(w) > Transport.MAX_MESSAGE - 1024) {
                throw new IllegalArgumentException("bad workload " + w + " (unary, stream-1k, stream-1m, stream-<size>[k|m]"
                        + " up to 3m, tls-unary, tls-handshakes, tls-backends)");
            }
            out.add(w);
        }
        return out;
    }

    private static Duration duration(String v) {
        String s = v.trim().toLowerCase();
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        }
        if (s.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
        }
        if (s.endsWith("s")) {
            s = s.substring(0, s.length() - 1);
        }
        return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000));
    }

    private static int positive(String name, String v) {
        int n = Integer.parseInt(v);
        if (n <= 0) {
            throw new IllegalArgumentException(name + " must be > 0");
        }
        return n;
    }
}
