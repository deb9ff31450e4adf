package dev.grpcbalancer.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;

/**
 * Benchmark tool (not a unit test): measures, in one run and against the same in-process
 * backends, gRPC unary and server-streaming traffic sent directly to the backends (client-side
 * round robin), through grpc-balancer, through HAProxy (HTTP/2 mode) and through nginx
 * (grpc_pass), then prints a table per workload. Run it with {@code src/bench/run.sh}; see
 * {@link BenchOptions#USAGE} for the flags. Everything binds and connects to 127.0.0.1 only.
 */
public final class Benchmark {
    private static final PrintStream OUT = System.out;
    /**
     * grpc-java logs (JUL) a WARNING per stream when a backend writes to a stream the client has
     * just cancelled: expected at the end of every streaming window, so only SEVERE is shown.
     * Held in a field because JUL keeps loggers weakly.
     */
    private static final Logger SERVER_HANDLER_LOG =
            Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");

    private final BenchOptions o;
    private final Report report;
    /** The certificate the proxies serve on their TLS ports, trusted by the TLS workloads' client. */
    private X509Certificate tlsCertificate;
    private SslContext clientTls;
    /** The backends of the tls-backends workload: the same service, TLS instead of h2c. */
    private BenchBackends tlsBackends;

    private Benchmark(BenchOptions o) {
        this.o = o;
        this.report = new Report(OUT, o);
    }

    public static void main(String[] args) throws Exception {
        // Before any (shaded) Netty class logs: logback's default would print Netty at DEBUG.
        Path logback = Path.of("src/bench/logback-bench.xml");
        if (System.getProperty("logback.configurationFile") == null && Files.isRegularFile(logback)) {
            System.setProperty("logback.configurationFile", logback.toAbsolutePath().toString());
        }
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println("error: " + e.getMessage());
            }
            System.err.println(BenchOptions.USAGE);
            System.exit(e.getMessage().isEmpty() ? 0 : 2);
            return;
        }
        SERVER_HANDLER_LOG.setLevel(Level.SEVERE);
        int status = new Benchmark(options).run();
        System.exit(status);
    }

    private int run() throws Exception {
        machineInfo();
        EventLoopGroup backendGroup = Transport.group(o.backendThreads, "bench-backend");
        EventLoopGroup clientGroup = Transport.group(o.clientThreads, "bench-client");
        try (BenchBackends backends = new BenchBackends(o.backends, backendGroup, o.slowDelay, null);
                Peers peers = new Peers(o.peerTemplates, o.proxyThreads);
                BenchBackends tlsBackends = new BenchBackends(o.backends, backendGroup, o.slowDelay,
                        peers.certificates().backendServerContext())) {
            tlsCertificate = peers.certificates().certificate();
            clientTls = GrpcSslContexts.forClient().trustManager(tlsCertificate).build();
            this.tlsBackends = tlsBackends;
            OUT.printf("backends: %d grpc-java servers in this JVM on 127.0.0.1:%s, %d shared %s event loop thread(s), "
                    + "directExecutor%n", o.backends, backends.ports(), o.backendThreads, Transport.name());
            OUT.printf("          and %d with TLS (ALPN h2, the bench certificate) on 127.0.0.1:%s, for tls-backends%n",
                    o.backends, tlsBackends.ports());
            if (o.grpcJavaClient || o.workloads.stream().anyMatch(w -> !w.equals("unary"))) {
                OUT.printf("client:   grpc-java (netty-shaded, %s), %d event loop thread(s), directExecutor, retries off, "
                        + "%d ManagedChannel(s) = TCP connection(s) per target%n", Transport.name(), o.clientThreads,
                        o.connections);
            }
            if (o.h2loadClient) {
                OUT.printf("client:   h2load (unary): -c %d -m %d -t %d, POST %s with an empty gRPC message (5 bytes), "
                        + "content-type: application/grpc, te: trailers%n", o.connections, o.concurrency,
                        Math.min(o.clientThreads, o.connections), H2Load.PATH);
            }
            OUT.printf("peer configs and logs: %s (deleted at the end unless a peer failed)%n%n", peers.dir());
            jvmWarmup("bench JVM", null, backends, clientGroup);
            if (o.rounds > 1) {
                runRounds(backends, peers, clientGroup);
            } else {
                for (String target : o.targets) {
                    runTarget(target, backends, peers, clientGroup);
                }
            }
        } finally {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            backendGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        report.print();
        return 0;
    }

    /**
     * A started target: its peer (null for direct) and the samplers of its measurement windows
     * (the second for tls-backends: the TLS backends' counters and connections).
     */
    private record Running(String name, Peers.Peer peer, Sampler sampler, Sampler tlsBackendsSampler) {
        Sampler sampler(String workload) {
            return workload.equals(BenchOptions.TLS_BACKENDS) ? tlsBackendsSampler : sampler;
        }
    }

    private void runTarget(String target, BenchBackends backends, Peers peers, EventLoopGroup clientGroup)
            throws InterruptedException {
        Optional<Running> started = launch(target, backends, peers, clientGroup);
        if (started.isEmpty()) {
            return;
        }
        Running t = started.get();
        try {
            for (String workload : o.measurements()) {
                if (!measure(0, target, workload, t, backends, peers, clientGroup)) {
                    return;
                }
            }
        } finally {
            if (t.peer() != null) {
                peers.stop(t.peer());
            }
        }
    }

    /**
     * {@code --rounds N}: every target is started once (the balancer's JIT warmed up right after it
     * started), then each round measures every workload on every target back to back, so drift on
     * a shared machine hits all targets alike; the target order rotates by one each round so that
     * no target always goes first. All peers are stopped at the end.
     */
    private void runRounds(BenchBackends backends, Peers peers, EventLoopGroup clientGroup) throws InterruptedException {
        Map<String, Running> up = new LinkedHashMap<>(); // target -> running, null when it did not start
        Set<String> exited = new HashSet<>();
        List<String> keys = Report.keys(o.targets);
        try {
            for (String target : o.targets) {
                if (!up.containsKey(target)) {
                    up.put(target, launch(target, backends, peers, clientGroup).orElse(null));
                }
            }
            for (int round = 1; round <= o.rounds; round++) {
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < o.targets.size(); i++) {
                    order.add((i + round - 1) % o.targets.size());
                }
                OUT.printf("%n[round %d/%d] target order: %s%n", round, o.rounds,
                        order.stream().map(keys::get).collect(Collectors.joining(", ")));
                for (String workload : o.measurements()) {
                    for (int i : order) {
                        Running t = up.get(o.targets.get(i));
                        if (t != null && !exited.contains(t.name())
                                && !measure(round, keys.get(i), workload, t, backends, peers, clientGroup)) {
                            exited.add(t.name());
                        }
                    }
                }
            }
        } finally {
            for (Running t : up.values()) {
                if (t != null && t.peer() != null) {
                    peers.stop(t.peer());
                }
            }
        }
    }

    /**
     * Starts a target (nothing to start for direct), records its settings and warms the balancer's
     * JIT up; empty when it did not start (reported as not measured).
     */
    private Optional<Running> launch(String target, BenchBackends backends, Peers peers, EventLoopGroup clientGroup)
            throws InterruptedException {
        Peers.Peer peer;
        try {
            peer = startPeer(target, new Peers.Backends(backends.ports(), tlsBackends.ports()), peers);
        } catch (IOException e) {
            String tail = target.equals("direct") ? "" : peers.tail(target.replaceFirst("@.*", ""), 15);
            report.failure(target, e.getMessage() + (tail.isEmpty() ? "" : "\n" + tail));
            peers.keepDir();
            OUT.printf("[%s] not measured: %s%n%s", target, e.getMessage(), tail);
            return Optional.empty();
        }
        try {
            report.settings(target, peer == null
                    ? "client-side round_robin: each of the " + o.connections + " channels holds one connection per "
                            + "backend (" + o.connections * o.backends + " TCP connections), calls rotate over them"
                    : peer.settings() + "  [127.0.0.1:" + peer.port() + "]");
            List<Integer> targetPorts = peer == null ? backends.ports()
                    : Stream.of(peer.port(), peer.tlsPort(), peer.tlsBackendsPort()).filter(p -> p != 0).toList();
            Optional<ProcessHandle> process = Optional.ofNullable(peer).map(p -> p.process().toHandle());
            Running running = new Running(target, peer, new Sampler(backends, process, targetPorts),
                    new Sampler(tlsBackends, process, targetPorts));
            if (peer != null && peer.name().startsWith("balancer")) {
                jvmWarmup(target, peer, backends, clientGroup);
            }
            return Optional.of(running);
        } catch (InterruptedException | RuntimeException e) {
            if (peer != null) {
                peers.stop(peer);
            }
            throw e;
        }
    }

    /**
     * One measurement of a workload on a started target, recorded under {@code key} (the target,
     * or e.g. "direct#2" when listed twice) for {@code round} (0: no --rounds). False when the
     * peer has exited (reported; it is not to be measured again).
     */
    private boolean measure(int round, String key, String workload, Running t, BenchBackends backends, Peers peers,
            EventLoopGroup clientGroup) throws InterruptedException {
        String target = t.name();
        String when = round == 0 ? "" : " in round " + round;
        if (!measurable(workload, t.peer())) {
            if (t.peer() != null) {
                report.failure(target, workload + ": no " + (workload.equals(BenchOptions.TLS_BACKENDS)
                        ? "listener to the TLS backends" : "TLS listener") + " in its peer template");
            }
            return true; // direct has no TLS: nothing to compare, not a failure
        }
        if (t.peer() != null && !t.peer().process().isAlive()) {
            report.failure(target, "exited during the run" + when + "\n" + peers.tail(target, 15));
            peers.keepDir();
            OUT.printf("[%s] exited during the run%s%n%s", target, when, peers.tail(target, 15));
            return false;
        }
        if (workload.equals(BenchOptions.UNARY_H2LOAD)) {
            measureWithH2Load(round, key, t, peers);
            return true;
        }
        Object result = runWorkload(target, workload, t.peer(), backends, t.sampler(workload), clientGroup, o.warmup,
                o.duration,
                true);
        if (round > 0) {
            report.addRound(round, workload, key, result);
        } else if (result != null) {
            report.add(workload, target, result);
        }
        if (result == null) {
            report.failure(target, workload + when + ": client connections did not become READY within 10 s");
        }
        return true;
    }

    /**
     * The unary workload with h2load as the client (see {@link H2Load}). Direct is not measured
     * this way: h2load talks to one address, direct means the client balancing over the backends.
     */
    private void measureWithH2Load(int round, String key, Running t, Peers peers) throws InterruptedException {
        if (t.peer() == null) {
            return;
        }
        String target = t.name();
        String when = round == 0 ? "" : " in round " + round;
        if (!H2Load.available()) {
            report.failure(target, BenchOptions.UNARY_H2LOAD + ": h2load is not on PATH (apt-get install nghttp2-client)");
            return;
        }
        OUT.printf("[%s] unary via h2load: warm-up %s, measuring %s ...%n", target, Report.secs(o.warmup.toMillis()),
                Report.secs(o.duration.toMillis()));
        H2Load.Result r;
        try {
            // not the peers' own folder: the balancer watches its config file's folder, and h2load's
            // per-request log would be a stream of changes there for the balancer alone to handle
            r = new H2Load(o.connections, o.concurrency, o.clientThreads,
                    Files.createDirectories(peers.dir().resolve("h2load")))
                    .run(t.peer().port(), t.sampler(), o.warmup, o.duration);
        } catch (IOException e) {
            report.failure(target, BenchOptions.UNARY_H2LOAD + when + ": " + e.getMessage());
            OUT.printf("[%s] h2load failed%s: %s%n", target, when, e.getMessage());
            return;
        }
        OUT.printf("[%s] unary via h2load: %s req/s, p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, %d errors; "
                + "nghttp sample grpc-status: %s%n", target, Report.num(r.requestsPerSecond()), r.latency().p50(),
                r.latency().p99(), r.latency().p999(), r.errors(),
                r.grpcSample().isEmpty() ? "not sampled" : H2Load.describeSample(r.grpcSample()));
        if (round > 0) {
            report.addRound(round, BenchOptions.UNARY_H2LOAD, key, r);
        } else {
            report.add(BenchOptions.UNARY_H2LOAD, target, r);
        }
    }

    /**
     * Unrecorded rounds of every workload (1 s each) until the JVM's JIT has settled, at most
     * {@code --jvm-warmup}: direct before the first target (the bench JVM: client and backends),
     * and through the balancer right after it started (its own JVM, read with jstat).
     */
    private void jvmWarmup(String who, Peers.Peer peer, BenchBackends backends, EventLoopGroup clientGroup)
            throws InterruptedException {
        if (o.jvmWarmup.isZero()) {
            return;
        }
        OUT.printf("[%s] JIT warm-up: rounds of 1 s per workload, not recorded, until the JIT settles (max %s) ...%n",
                who, Report.secs(o.jvmWarmup.toMillis()));
        Sampler sampler = new Sampler(backends, Optional.empty(), backends.ports());
        Sampler tlsBackendsSampler = new Sampler(tlsBackends, Optional.empty(), tlsBackends.ports());
        OptionalLong pid = peer == null ? OptionalLong.empty() : OptionalLong.of(peer.process().pid());
        // The grpc-java client stands in for h2load here: the proxy and the backends run the same code for both;
        // the balancer's JIT is read with the jstat of its own JDK.
        Path jstat = (peer == null ? o.balancerJava : peer.java()).resolveSibling("jstat");
        String summary = JitWarmup.run(pid, jstat, o.jvmWarmup, () -> {
            for (String workload : o.workloads) {
                if (measurable(workload, peer)) {
                    runWorkload(who, workload, peer, backends,
                            workload.equals(BenchOptions.TLS_BACKENDS) ? tlsBackendsSampler : sampler,
                            clientGroup, Duration.ZERO, Duration.ofSeconds(1), false);
                }
            }
        });
        OUT.printf("[%s] JIT warm-up %s%n", who, summary);
        report.warmup(who, summary);
    }

    /** Null for direct. */
    private Peers.Peer startPeer(String target, Peers.Backends backendPorts, Peers peers)
            throws IOException, InterruptedException {
        // NAME@DIR: that target with the config template of DIR instead of --peer-templates;
        // balancer:<Policy>: the balancer with that loadBalancing.policy
        int at = target.indexOf('@');
        String name = at < 0 ? target : target.substring(0, at);
        String policy = BenchOptions.policyOf(name);
        java.nio.file.Path templates = at < 0 ? o.peerTemplates : java.nio.file.Path.of(target.substring(at + 1));
        switch (policy != null ? "balancer" : name) {
            case "direct":
                return null;
            case "balancer":
                return peers.startBalancer(policy == null ? "balancer" : name, templates, o.jar, backendPorts,
                        o.balancerJvmOpts, o.balancerJava, List.of());
            case "balancer-jdk":
                return peers.startBalancer("balancer-jdk", templates, o.jar, backendPorts, o.balancerJvmOpts,
                        o.balancerJava, List.of("--tls-provider", "jdk"));
            case "haproxy":
            case "nginx":
                if (!Peers.onPath(name)) {
                    throw new IOException(name + " is not on PATH (apt-get install " + name
                            + (name.equals("nginx") ? "-light" : "") + ")");
                }
                if (name.equals("nginx") && at >= 0) {
                    throw new IOException("nginx takes its template from --peer-templates only");
                }
                return name.equals("haproxy") ? peers.startHaproxy(templates, backendPorts) : peers.startNginx(backendPorts);
            default:
                throw new IllegalArgumentException(target);
        }
    }

    /**
     * TLS workloads need a proxy with a TLS listener (tls-backends: the one to the TLS backends);
     * the others run everywhere.
     */
    private static boolean measurable(String workload, Peers.Peer peer) {
        if (!BenchOptions.TLS_WORKLOADS.contains(workload)) {
            return true;
        }
        return peer != null && (workload.equals(BenchOptions.TLS_BACKENDS) ? peer.tlsBackendsPort() : peer.tlsPort()) != 0;
    }

    /** {@code target}: what the progress lines call it (a target as given, e.g. balancer@DIR). */
    private Object runWorkload(String target, String workload, Peers.Peer peer, BenchBackends backends, Sampler sampler,
            EventLoopGroup clientGroup, Duration warmup, Duration duration, boolean verbose) throws InterruptedException {
        if (workload.equals("tls-handshakes")) {
            return handshakes(peer, sampler, clientGroup, warmup, duration, verbose);
        }
        List<ManagedChannel> channels = new ArrayList<>();
        for (int i = 0; i < o.connections; i++) {
            channels.add(peer == null
                    ? Transport.roundRobinChannel(clientGroup, backends.ports())
                    : workload.equals("tls-unary") ? Transport.tlsChannel(clientGroup, peer.tlsPort(), clientTls)
                    : workload.equals(BenchOptions.TLS_BACKENDS)
                            ? Transport.tlsChannel(clientGroup, peer.tlsBackendsPort(), clientTls)
                    : Transport.channel(clientGroup, peer.port()));
        }
        try {
            if (!Transport.awaitReady(channels, 10_000)) {
                OUT.printf("[%s] %s: connections not READY within 10 s%n", target, workload);
                return null;
            }
            if (verbose) {
                OUT.printf("[%s] %s: warm-up %s, measuring %s ...%n", target, workload,
                        Report.secs(warmup.toMillis()), Report.secs(duration.toMillis()));
            }
            int size = BenchOptions.streamMessageSize(workload);
            if (size < 0) {
                var method = workload.equals(BenchOptions.UNARY_SLOW) ? BenchMethods.SLOW_ECHO : BenchMethods.ECHO;
                UnaryLoad.Result r = new UnaryLoad(channels, method, o.concurrency, o.payload, sampler, o.keys)
                        .run(warmup, duration);
                if (verbose) {
                    OUT.printf("[%s] %s: %s calls/s, p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, %d errors%n", target, workload,
                            Report.num(r.callsPerSecond()), r.latency().p50(), r.latency().p99(), r.latency().p999(),
                            r.errors());
                }
                return r;
            }
            StreamLoad.Result r = new StreamLoad(channels, size, sampler).run(warmup, duration);
            if (verbose) {
                OUT.printf("[%s] %s: %s msgs/s, %.1f MiB/s, %d errors%n", target, workload,
                        Report.num(r.messagesPerSecond()), r.mibPerSecond(), r.errors());
            }
            return r;
        } finally {
            Transport.close(channels);
        }
    }

    /** New TLS connections per second against the peer's TLS port. */
    private HandshakeLoad.Result handshakes(Peers.Peer peer, Sampler sampler, EventLoopGroup clientGroup, Duration warmup,
            Duration duration, boolean verbose) throws InterruptedException {
        if (verbose) {
            OUT.printf("[%s] tls-handshakes: warm-up %s, measuring %s ...%n", peer.name(), Report.secs(warmup.toMillis()),
                    Report.secs(duration.toMillis()));
        }
        try {
            HandshakeLoad.Result r = new HandshakeLoad(clientGroup, peer.tlsPort(), o.handshakeConcurrency, tlsCertificate,
                    sampler).run(warmup, duration);
            if (verbose) {
                OUT.printf("[%s] tls-handshakes: %s handshakes/s, p50 %.3f ms, p99 %.3f ms, %d errors%n", peer.name(),
                        Report.num(r.handshakesPerSecond()), r.latency().p50(), r.latency().p99(), r.errors());
            }
            return r;
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the bench client's TLS context", e);
        }
    }

    private void machineInfo() {
        OUT.println("=== grpc-balancer benchmark ===");
        OUT.printf("nproc:    %d%n", Runtime.getRuntime().availableProcessors());
        OUT.printf("cpu:      %s%n", cpuModel());
        OUT.printf("loadavg:  %s%n", loadAverage());
        OUT.printf("priority: %s%n", priority());
        OUT.printf("os:       %s %s (%s)%n", System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("os.arch"));
        OUT.printf("java:     %s %s (%s), max heap %d MiB%n", System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), System.getProperty("java.vm.vendor"),
                Runtime.getRuntime().maxMemory() / (1024 * 1024));
        OUT.printf("haproxy:  %s%n", Peers.onPath("haproxy") ? Peers.firstLine("haproxy", "-v") : "not on PATH");
        OUT.printf("nginx:    %s%n", Peers.onPath("nginx") ? Peers.firstLine("nginx", "-v") : "not on PATH");
        OUT.printf("h2load:   %s%n", H2Load.available() ? Peers.firstLine("h2load", "--version") : "not on PATH");
        OUT.printf("balancer: %s%n", Files.isRegularFile(o.jar) ? o.jar + " (" + size(o.jar) + ")" : o.jar + " missing");
        OUT.printf("run:      targets %s, measurements %s, warm-up %s + %s measured each, proxies %d thread(s)/process(es)%s%n%n",
                o.targets, o.measurements(), Report.secs(o.warmup.toMillis()), Report.secs(o.duration.toMillis()), o.proxyThreads,
                o.rounds > 1 ? ", " + o.rounds + " interleaved rounds (all peers up, target order rotated each round)" : "");
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim() + "  (1/5/15 min; > nproc means other work shares the machine)";
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String priority() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String nice = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16];
            Path autogroup = Path.of("/proc/self/autogroup");
            return "nice " + nice + (Files.isReadable(autogroup) ? ", " + Files.readString(autogroup).trim() : "");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String size(Path p) {
        try {
            return Files.size(p) / 1024 + " KiB, modified " + Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return "unreadable";
        }
    }
}
