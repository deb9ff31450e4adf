package dev.grpcbalancer.bench;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Collects results and prints them: one table per workload (a row per target), the
 * balancer-vs-others ratios, and per target how the backends shared the work.
 */
final class Report {
    private final PrintStream out;
    private final BenchOptions options;
    private final Map<String, Map<String, Object>> results = new LinkedHashMap<>(); // workload -> target -> result
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<String, String> failures = new LinkedHashMap<>();
    private final Map<String, String> warmups = new LinkedHashMap<>();

    Report(PrintStream out, BenchOptions options) {
        this.out = out;
        this.options = options;
    }

    void settings(String target, String text) {
        settings.put(target, text);
    }

    void warmup(String who, String summary) {
        warmups.put(who, summary);
    }

    void failure(String target, String text) {
        failures.put(target, text);
    }

    /** A target listed twice (e.g. direct,haproxy,direct, to see order effects) gets "#2" rows. */
    void add(String workload, String target, Object result) {
        Map<String, Object> rows = results.computeIfAbsent(workload, w -> new LinkedHashMap<>());
        String key = target;
        for (int n = 2; rows.containsKey(key); n++) {
            key = target + "#" + n;
        }
        rows.put(key, result);
    }

    void print() {
        out.println();
        out.println("================================ RESULTS ================================");
        out.println("targets and settings:");
        settings.forEach((t, s) -> out.printf("  %-9s %s%n", t, s));
        failures.forEach((t, s) -> out.printf("  %-9s NOT MEASURED: %s%n", t, s));
        warmups.forEach((w, s) -> out.printf("JIT warm-up of the %s: %s%n", w, s));
        for (String workload : options.workloads) {
            Map<String, Object> rows = results.getOrDefault(workload, Map.of());
            out.println();
            if (workload.equals("unary")) {
                unaryTable(rows);
            } else {
                streamTable(workload, rows);
            }
            spread(workload, rows);
            contention(rows);
        }
        out.println();
        out.println("notes: latency = send-to-response per call, closed loop (no coordinated-omission correction);");
        out.println("  conns = established client TCP connections to the target; upstream = established connections to");
        out.println("  the backends' ports (a proxy's pool, or the client's own for direct); CPU in cores used during");
        out.println("  the window (proxy = its process tree; bench = this JVM: client + backends; other = the rest of");
        out.println("  the machine: if it is not ~0, other work competed for the cores and the figures are noisy).");
    }

    private void unaryTable(Map<String, Object> rows) {
        out.printf("== unary: Echo %d B, %d connections x %d in flight = %d, warm-up %s, measured %s ==%n",
                options.payload, options.connections, options.concurrency, options.connections * options.concurrency,
                secs(options.warmup.toMillis()), secs(options.duration.toMillis()));
        out.printf("%-9s %11s %8s %8s %9s %8s %7s %6s %6s %6s %6s%n",
                "target", "calls/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors", "conns", "proxy", "bench", "other");
        rows.forEach((target, r) -> {
            UnaryLoad.Result u = (UnaryLoad.Result) r;
            out.printf("%-9s %11s %8.3f %8.3f %9.3f %8.2f %7d %6d %6s %6s %6s%n", target, num(u.callsPerSecond()),
                    u.latency().p50(), u.latency().p99(), u.latency().p999(), u.latency().maxMillis(), u.errors(),
                    u.window().clientConnections(), cores(u.window().proxyCores()), cores(u.window().benchCores()),
                    cores(u.window().otherCores()));
            if (u.firstError() != null) {
                out.printf("          first error: %s%n", oneLine(u.firstError()));
            }
        });
        UnaryLoad.Result b = (UnaryLoad.Result) rows.get("balancer");
        if (b != null) {
            for (String other : List.of("direct", "haproxy", "nginx")) {
                UnaryLoad.Result o = (UnaryLoad.Result) rows.get(other);
                if (o != null) {
                    out.printf("  balancer/%-8s throughput %5.2fx   p99 %5.2fx%n", other,
                            b.callsPerSecond() / o.callsPerSecond(), b.latency().p99() / o.latency().p99());
                }
            }
        }
    }

    private void streamTable(String workload, Map<String, Object> rows) {
        int size = BenchOptions.streamMessageSize(workload);
        out.printf("== %s: server streaming, %s messages, %d calls (1 per connection), warm-up %s, measured %s ==%n",
                workload, bytes(size), options.connections, secs(options.warmup.toMillis()), secs(options.duration.toMillis()));
        out.printf("%-9s %11s %9s %7s %6s %6s %6s %6s%n", "target", "msgs/s", "MiB/s", "errors", "conns", "proxy",
                "bench", "other");
        rows.forEach((target, r) -> {
            StreamLoad.Result s = (StreamLoad.Result) r;
            out.printf("%-9s %11s %9.1f %7d %6d %6s %6s %6s%n", target, num(s.messagesPerSecond()), s.mibPerSecond(),
                    s.errors(), s.window().clientConnections(), cores(s.window().proxyCores()),
                    cores(s.window().benchCores()), cores(s.window().otherCores()));
            if (s.firstError() != null) {
                out.printf("          first error: %s%n", oneLine(s.firstError()));
            }
        });
        StreamLoad.Result b = (StreamLoad.Result) rows.get("balancer");
        if (b != null) {
            for (String other : List.of("direct", "haproxy", "nginx")) {
                StreamLoad.Result o = (StreamLoad.Result) rows.get(other);
                if (o != null) {
                    out.printf("  balancer/%-8s throughput %5.2fx%n", other, b.mibPerSecond() / o.mibPerSecond());
                }
            }
        }
    }

    /** Per target: what each backend served during the window, and the upstream connections. */
    private void spread(String workload, Map<String, Object> rows) {
        boolean unary = workload.equals("unary");
        out.println(unary ? "  backend spread (calls served in the window per backend):"
                : "  backend spread (messages sent in the window per backend; " + options.connections
                        + " streams over " + options.backends + " backends cannot split evenly):");
        rows.forEach((target, r) -> {
            Sampler.Delta w = unary ? ((UnaryLoad.Result) r).window() : ((StreamLoad.Result) r).window();
            long[][] d = w.backends();
            long total = 0;
            for (long[] b : d) {
                total += unary ? b[BenchBackends.UNARY] : b[BenchBackends.STREAM_MSGS];
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < d.length; i++) {
                long v = unary ? d[i][BenchBackends.UNARY] : d[i][BenchBackends.STREAM_MSGS];
                sb.append(String.format(Locale.ROOT, "b%d %s (%4.1f%%)  ", i + 1, num(v), total == 0 ? 0.0 : 100.0 * v / total));
            }
            out.printf("    %-9s %s upstream conns %d, new %d%n", target, sb, w.backendConnections(), newConnections(d));
        });
    }

    private void contention(Map<String, Object> rows) {
        double worst = 0;
        for (Object r : rows.values()) {
            Sampler.Delta w = r instanceof UnaryLoad.Result u ? u.window() : ((StreamLoad.Result) r).window();
            if (!Double.isNaN(w.otherCores())) {
                worst = Math.max(worst, w.otherCores());
            }
        }
        if (worst > 0.25) {
            out.printf("  ! other processes used up to %.2f cores during these windows: the machine was shared, figures are noisy%n",
                    worst);
        }
    }

    private static long newConnections(long[][] d) {
        long n = 0;
        for (long[] b : d) {
            n += b[BenchBackends.CONNS];
        }
        return n;
    }

    /** A gRPC status description can hold a whole HTML error page: one line, 300 chars at most. */
    static String oneLine(String s) {
        String flat = s.replaceAll("\\s+", " ").trim();
        return flat.length() <= 300 ? flat : flat.substring(0, 300) + " ...";
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    static String cores(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    static String secs(long millis) {
        return millis % 1000 == 0 ? (millis / 1000) + " s" : millis + " ms";
    }

    static String bytes(int n) {
        if (n >= 1024 * 1024 && n % (1024 * 1024) == 0) {
            return (n / (1024 * 1024)) + " MiB";
        }
        return n >= 1024 && n % 1024 == 0 ? (n / 1024) + " KiB" : n + " B";
    }
}
