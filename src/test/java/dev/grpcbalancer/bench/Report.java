package dev.grpcbalancer.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Collects results and prints them: one table per workload (a row per target), the
 * balancer-vs-others ratios, and per target how the backends shared the work. With
 * {@code --rounds N} every figure is the median over the rounds, each target gets a line with its
 * per-round throughput, and the ratios are computed per round (median and min-max).
 */
final class Report {
    private final PrintStream out;
    private final BenchOptions options;
    /** workload -> target -> result per round (one without --rounds; null: not measured that round). */
    private final Map<String, Map<String, List<Object>>> results = new LinkedHashMap<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<String, String> failures = new LinkedHashMap<>();
    private final Map<String, String> warmups = new LinkedHashMap<>();
    /** The format of the target column: wide enough for balancer:ConsistentHash#2. */
    private final String col;

    /** The figures of a table row: one window, or with --rounds the medians over the rounds' windows. */
    private record Row(double throughput, double mib, double p50, double p99, double p999, double max, long errors,
            int conns, double proxy, double bench, double other, String firstError) {

        static Row of(Object result) {
            if (result instanceof UnaryLoad.Result u) {
                return new Row(u.callsPerSecond(), Double.NaN, u.latency().p50(), u.latency().p99(), u.latency().p999(),
                        u.latency().maxMillis(), u.errors(), u.window().clientConnections(), u.window().proxyCores(),
                        u.window().benchCores(), u.window().otherCores(), u.firstError());
            }
            if (result instanceof HandshakeLoad.Result h) {
                return new Row(h.handshakesPerSecond(), Double.NaN, h.latency().p50(), h.latency().p99(),
                        h.latency().p999(), h.latency().maxMillis(), h.errors(), h.window().clientConnections(),
                        h.window().proxyCores(), h.window().benchCores(), h.window().otherCores(), h.firstError());
            }
            if (result instanceof H2Load.Result h) {
                return new Row(h.requestsPerSecond(), Double.NaN, h.latency().p50(), h.latency().p99(), h.latency().p999(),
                        h.latency().maxMillis(), h.errors(), h.window().clientConnections(), h.window().proxyCores(),
                        h.window().benchCores(), h.window().otherCores(), h.firstError());
            }
            StreamLoad.Result s = (StreamLoad.Result) result;
            return new Row(s.messagesPerSecond(), s.mibPerSecond(), Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    s.errors(), s.window().clientConnections(), s.window().proxyCores(), s.window().benchCores(),
                    s.window().otherCores(), s.firstError());
        }

        /** Medians of the measured rounds (null: none); errors are summed, the first error is the earliest. */
        static Row median(List<Row> rounds) {
            List<Row> rs = rounds.stream().filter(Objects::nonNull).toList();
            if (rs.isEmpty()) {
                return null;
            }
            String firstError = null;
            for (int i = 0; i < rounds.size() && firstError == null; i++) {
                if (rounds.get(i) != null && rounds.get(i).firstError() != null) {
                    firstError = "round " + (i + 1) + ": " + rounds.get(i).firstError();
                }
            }
            return new Row(med(rs, Row::throughput), med(rs, Row::mib), med(rs, Row::p50), med(rs, Row::p99),
                    med(rs, Row::p999), med(rs, Row::max), rs.stream().mapToLong(Row::errors).sum(),
                    (int) Math.round(med(rs, Row::conns)), med(rs, Row::proxy), med(rs, Row::bench),
                    med(rs, Row::other), firstError);
        }

        /**
         * The proxy's CPU time per call (or stream message) in microseconds: what one call costs
         * the proxy, whatever share of the machine the bench itself took. NaN without a proxy.
         */
        double proxyMicrosPerCall() {
            return proxy > 0 && throughput > 0 ? proxy * 1e6 / throughput : Double.NaN;
        }

        private static double med(List<Row> rows, ToDoubleFunction<Row> figure) {
            return Report.median(rows.stream().mapToDouble(figure).boxed().toList());
        }
    }

    Report(PrintStream out, BenchOptions options) {
        this.out = out;
        this.options = options;
        int width = options.targets.stream().mapToInt(String::length).max().orElse(0) + 2;
        this.col = "%-" + Math.max(9, width) + "s";
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
        Map<String, List<Object>> rows = results.computeIfAbsent(workload, w -> new LinkedHashMap<>());
        String key = target;
        for (int n = 2; rows.containsKey(key); n++) {
            key = target + "#" + n;
        }
        rows.put(key, new ArrayList<>(List.of(result)));
    }

    /** With --rounds: the result of round {@code round} (1-based), null when it was not measured. */
    void addRound(int round, String workload, String key, Object result) {
        List<Object> rounds = results.computeIfAbsent(workload, w -> new LinkedHashMap<>())
                .computeIfAbsent(key, k -> new ArrayList<>());
        while (rounds.size() < round) {
            rounds.add(null);
        }
        rounds.set(round - 1, result);
    }

    /** The row keys of {@link #add} for a target list: a target listed twice gets "#2". */
    static List<String> keys(List<String> targets) {
        List<String> keys = new ArrayList<>();
        for (String target : targets) {
            String key = target;
            for (int n = 2; keys.contains(key); n++) {
                key = target + "#" + n;
            }
            keys.add(key);
        }
        return keys;
    }

    void print() {
        out.println();
        out.println("================================ RESULTS ================================");
        out.println("targets and settings:");
        settings.forEach((t, s) -> out.printf("  " + col + " %s%n", t, s));
        failures.forEach((t, s) -> out.printf("  " + col + " NOT MEASURED: %s%n", t, s));
        warmups.forEach((w, s) -> out.printf("JIT warm-up of the %s: %s%n", w, s));
        for (String workload : options.measurements()) {
            Map<String, List<Object>> raw = results.getOrDefault(workload, Map.of());
            Map<String, List<Row>> rows = new LinkedHashMap<>();
            raw.forEach((target, rs) -> {
                List<Row> list = new ArrayList<>();
                for (int i = 0; i < options.rounds; i++) {
                    list.add(i < rs.size() && rs.get(i) != null ? Row.of(rs.get(i)) : null);
                }
                rows.put(target, list);
            });
            out.println();
            if (workload.equals("tls-handshakes")) {
                handshakeTable(rows);
                contention(raw);
                continue;
            }
            if (BenchOptions.isUnary(workload)) {
                unaryTable(rows, workload);
            } else {
                streamTable(workload, rows);
            }
            spread(workload, raw);
            if (workload.equals(BenchOptions.UNARY_H2LOAD)) {
                grpcCheck(raw);
            }
            contention(raw);
        }
        out.println();
        out.println("notes: latency = send-to-response per call, closed loop (no coordinated-omission correction);");
        out.println("  conns = established client TCP connections to the target; upstream = established connections to");
        out.println("  the backends' ports (a proxy's pool, or the client's own for direct); CPU in cores used during");
        out.println("  the window (proxy = its process tree; bench = this JVM: client + backends, and h2load when it is");
        out.println("  the client; other = the rest of the machine: if it is not ~0, other work competed for the cores");
        out.println("  and the figures are noisy); us/call = the proxy's CPU microseconds per call (proxy cores / rate):");
        out.println("  what a call costs the proxy, which the bench's own share of the 2 cores does not move the way it");
        out.println("  moves calls/s (the \"proxy CPU per call\" ratio compares it per round).");
        if (options.rounds > 1) {
            out.printf("  rounds: every table figure is the median over the %d rounds a target was measured in (errors:%n",
                    options.rounds);
            out.println("  the sum); in each round all targets ran back to back, so a ratio is computed per round and");
            out.println("  its median is the figure to quote; min-max shows how far single rounds (= single runs) stray.");
        }
    }

    /** The row of a table: the single window, or with --rounds the medians. */
    private Row summary(List<Row> rounds) {
        return options.rounds == 1 ? rounds.get(0) : Row.median(rounds);
    }

    private String roundsNote() {
        return options.rounds == 1 ? "" : ", median of " + options.rounds + " interleaved rounds";
    }

    private void unaryTable(Map<String, List<Row>> rows, String workload) {
        boolean h2load = workload.equals(BenchOptions.UNARY_H2LOAD);
        if (workload.equals(BenchOptions.UNARY_SLOW)) {
            out.printf("== unary-slow: SlowEcho %d B, backend b1 answers after %s, b2.. at once; %d connections x %d in "
                    + "flight = %d, warm-up %s, measured %s%s ==%n", options.payload, secs(options.slowDelay.toMillis()),
                    options.connections, options.concurrency, options.connections * options.concurrency,
                    secs(options.warmup.toMillis()), secs(options.duration.toMillis()), roundsNote());
        } else if (h2load) {
            out.printf("== unary via h2load: Echo of an empty message, %d connections x %d in flight = %d, warm-up %s, "
                    + "measured %s%s ==%n", options.connections, options.concurrency,
                    options.connections * options.concurrency, secs(options.warmup.toMillis()),
                    secs(options.duration.toMillis()), roundsNote());
            if (options.targets.contains("direct")) {
                out.println("   (direct: not measured with h2load, which talks to one address)");
            }
        } else {
            out.printf("== %s: Echo %d B, %d %sconnections x %d in flight = %d%s, warm-up %s, measured %s%s ==%n",
                    workload, options.payload, options.connections,
                    workload.equals("unary") ? "" : "TLS ",
                    options.concurrency, options.connections * options.concurrency,
                    workload.equals(BenchOptions.TLS_BACKENDS) ? ", TLS to the backends (verified, ALPN h2)" : "",
                    secs(options.warmup.toMillis()), secs(options.duration.toMillis()), roundsNote());
        }
        out.printf(col + " %11s %8s %8s %9s %8s %7s %6s %6s %7s %6s %6s%n",
                "target", h2load ? "req/s" : "calls/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors", "conns", "proxy",
                "us/call", "bench", "other");
        rows.forEach((target, rounds) -> {
            Row u = summary(rounds);
            if (u == null) {
                return;
            }
            double perCall = u.proxyMicrosPerCall();
            out.printf(col + " %11s %8.3f %8.3f %9.3f %8.2f %7d %6d %6s %7s %6s %6s%n", target, num(u.throughput()),
                    u.p50(), u.p99(), u.p999(), u.max(), u.errors(), u.conns(), cores(u.proxy()),
                    Double.isFinite(perCall) ? String.format(Locale.ROOT, "%.1f", perCall) : "-", cores(u.bench()),
                    cores(u.other()));
            if (u.firstError() != null) {
                out.printf("          first error: %s%n", oneLine(u.firstError()));
            }
        });
        perRound(rows, true, h2load ? "req/s" : "calls/s");
        ratios(rows, true);
    }

    private void handshakeTable(Map<String, List<Row>> rows) {
        out.printf("== tls-handshakes: new TLS connections (full TLS 1.3 handshake, ECDSA P-256, ALPN h2, then closed),"
                + " %d at a time, warm-up %s, measured %s%s ==%n", options.handshakeConcurrency,
                secs(options.warmup.toMillis()), secs(options.duration.toMillis()), roundsNote());
        out.printf("%-12s %11s %8s %8s %9s %7s %6s %6s %6s%n", "target", "conns/s", "p50 ms", "p99 ms", "p99.9 ms",
                "errors", "proxy", "bench", "other");
        rows.forEach((target, rounds) -> {
            Row h = summary(rounds);
            if (h == null) {
                return;
            }
            out.printf("%-12s %11s %8.3f %8.3f %9.3f %7d %6s %6s %6s%n", target, num(h.throughput()), h.p50(), h.p99(),
                    h.p999(), h.errors(), cores(h.proxy()), cores(h.bench()), cores(h.other()));
            if (h.firstError() != null) {
                out.printf("             first error: %s%n", oneLine(h.firstError()));
            }
        });
        perRound(rows, true, "conns/s");
        ratios(rows, true);
    }

    /**
     * h2load counts HTTP statuses only; per target, the gRPC side: calls the backends served
     * during h2load's measured windows against its 2xx count (a proxy answering errors with
     * {@code :status 200} shows as fewer calls served), and the nghttp samples' grpc-status.
     */
    private void grpcCheck(Map<String, List<Object>> rows) {
        out.println("  gRPC check (h2load sees HTTP statuses only):");
        rows.forEach((target, rounds) -> {
            long served = 0;
            long ok = 0;
            Map<Integer, Integer> sample = new TreeMap<>();
            for (Object r : rounds) {
                if (r instanceof H2Load.Result h) {
                    for (long[] backend : h.window().backends()) {
                        served += backend[BenchBackends.UNARY];
                    }
                    ok += h.status2xx();
                    h.grpcSample().forEach((status, count) -> sample.merge(status, count, Integer::sum));
                }
            }
            out.printf("    %-9s backends served %s calls in the windows, h2load counted %s 2xx (%s); "
                    + "grpc-status of %s sampled with nghttp: %s%n", target, num(served), num(ok),
                    ok == 0 ? "-" : String.format(Locale.ROOT, "%+.2f%%", 100.0 * (served - ok) / ok),
                    sample.isEmpty() ? "no responses" : num(sample.values().stream().mapToInt(Integer::intValue).sum()),
                    sample.isEmpty() ? "not sampled (nghttp not on PATH)" : H2Load.describeSample(sample));
        });
    }

    private void streamTable(String workload, Map<String, List<Row>> rows) {
        int size = BenchOptions.streamMessageSize(workload);
        out.printf("== %s: server streaming, %s messages, %d calls (1 per connection), warm-up %s, measured %s%s ==%n",
                workload, bytes(size), options.connections, secs(options.warmup.toMillis()),
                secs(options.duration.toMillis()), roundsNote());
        out.printf(col + " %11s %9s %7s %6s %6s %6s %6s%n", "target", "msgs/s", "MiB/s", "errors", "conns", "proxy",
                "bench", "other");
        rows.forEach((target, rounds) -> {
            Row s = summary(rounds);
            if (s == null) {
                return;
            }
            out.printf(col + " %11s %9.1f %7d %6d %6s %6s %6s%n", target, num(s.throughput()), s.mib(),
                    s.errors(), s.conns(), cores(s.proxy()), cores(s.bench()), cores(s.other()));
            if (s.firstError() != null) {
                out.printf("          first error: %s%n", oneLine(s.firstError()));
            }
        });
        perRound(rows, false, "MiB/s");
        ratios(rows, false);
    }

    /** With --rounds: per target, the throughput of every round (and the p99 for unary), in round order. */
    private void perRound(Map<String, List<Row>> rows, boolean unary, String unit) {
        if (options.rounds == 1) {
            return;
        }
        rows.forEach((target, rounds) -> {
            StringJoiner tput = new StringJoiner(" ");
            StringJoiner p99 = new StringJoiner(" ");
            for (Row r : rounds) {
                tput.add(r == null ? "-" : unary ? num(r.throughput()) : String.format(Locale.ROOT, "%.1f", r.mib()));
                p99.add(r == null ? "-" : String.format(Locale.ROOT, "%.3f", r.p99()));
            }
            out.printf("  " + col + " rounds: %s %s%s%n", target, tput, unit,
                    unary ? ";  p99 " + p99 + " ms" : "");
        });
    }

    /**
     * Balancer versus each other target: throughput (MiB/s for streams) and, for unary, p99. With
     * --rounds the ratio is taken within each round, where both were measured, and its median and
     * min-max over those rounds are printed.
     */
    private void ratios(Map<String, List<Row>> rows, boolean unary) {
        for (String balancer : rows.keySet()) {
            if (balancer.startsWith("balancer")) {
                ratios(rows, unary, balancer);
            }
        }
    }

    /**
     * {@code balancer} (a target key such as {@code balancer}, {@code balancer@DIR} or
     * {@code balancer:PeakEwma}) versus every other target, another balancer configuration included
     * (e.g. 200 rules versus 1, PeakEwma versus RoundRobin).
     */
    private void ratios(Map<String, List<Row>> rows, boolean unary, String balancer) {
        List<Row> b = rows.get(balancer);
        for (String other : rows.keySet()) {
            List<Row> o = rows.get(other);
            if (other.equals(balancer) || o == null
                    || !List.of("direct", "haproxy", "nginx", "balancer").contains(other.replaceFirst("[@#:].*", ""))) {
                continue;
            }
            List<Double> tput = new ArrayList<>();
            List<Double> p99 = new ArrayList<>();
            List<Double> cpu = new ArrayList<>();
            for (int i = 0; i < Math.min(b.size(), o.size()); i++) {
                if (b.get(i) != null && o.get(i) != null) {
                    tput.add(unary ? b.get(i).throughput() / o.get(i).throughput() : b.get(i).mib() / o.get(i).mib());
                    p99.add(b.get(i).p99() / o.get(i).p99());
                    cpu.add(b.get(i).proxyMicrosPerCall() / o.get(i).proxyMicrosPerCall());
                }
            }
            if (tput.isEmpty()) {
                continue;
            }
            // direct has no proxy: no CPU per call to compare
            boolean perCall = unary && !other.equals("direct") && cpu.stream().allMatch(Double::isFinite);
            if (options.rounds == 1) {
                out.printf(unary ? "  %s/%-8s throughput %5.2fx   p99 %5.2fx%s%n" : "  %s/%-8s throughput %5.2fx%n",
                        balancer, other, tput.get(0), p99.get(0), perCall ? String.format(Locale.ROOT,
                                "   proxy CPU per call %5.2fx", cpu.get(0)) : "");
            } else {
                out.printf("  %s/%-8s throughput %5.2fx (median of %d rounds, %s)%s%s%n", balancer, other, median(tput),
                        tput.size(), range(tput), unary ? String.format(Locale.ROOT, "   p99 %5.2fx (%s)", median(p99),
                                range(p99)) : "", perCall ? String.format(Locale.ROOT,
                                "   proxy CPU per call %5.2fx (%s)", median(cpu), range(cpu)) : "");
            }
        }
    }

    /** Per target: what each backend served during the window (with --rounds: summed over the rounds), and the upstream connections. */
    private void spread(String workload, Map<String, List<Object>> rows) {
        boolean unary = BenchOptions.isUnary(workload);
        boolean slow = workload.equals(BenchOptions.UNARY_SLOW);
        String over = options.rounds == 1 ? ""
                : ", summed over the rounds; upstream conns as in the last round, new ones summed";
        out.println(unary ? "  backend spread (calls served in the window per backend" + over + "):"
                : "  backend spread (messages sent in the window per backend" + over + "; " + options.connections
                        + " streams over " + options.backends + " backends cannot split evenly):");
        rows.forEach((target, rounds) -> {
            long[] served = null;
            int upstream = 0;
            long fresh = 0;
            long cancelled = 0;
            long calls = 0;
            for (Object r : rounds) {
                if (r == null) {
                    continue;
                }
                Sampler.Delta w = window(r);
                long[][] d = w.backends();
                if (served == null) {
                    served = new long[d.length];
                }
                for (int i = 0; i < d.length; i++) {
                    served[i] += unary ? d[i][BenchBackends.UNARY] : d[i][BenchBackends.STREAM_MSGS];
                    cancelled += d[i][BenchBackends.CANCELLED];
                }
                calls += r instanceof UnaryLoad.Result u ? u.calls() : 0;
                upstream = w.backendConnections();
                fresh += newConnections(d);
            }
            if (served == null) {
                return;
            }
            long total = 0;
            for (long v : served) {
                total += v;
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < served.length; i++) {
                long v = served[i];
                sb.append(String.format(Locale.ROOT, "b%d %s (%4.1f%%)  ", i + 1, num(v), total == 0 ? 0.0 : 100.0 * v / total));
            }
            if (slow) {
                // A hedged call runs on two or three backends; the loser's attempt is cancelled.
                sb.append(String.format(Locale.ROOT, "= %.2f attempts per call, %s cancelled while slow;  ",
                        calls == 0 ? Double.NaN : (double) total / calls, num(cancelled)));
            }
            out.printf("    " + col + " %s upstream conns %d, new %d%n", target, sb, upstream, fresh);
        });
    }

    private void contention(Map<String, List<Object>> rows) {
        double worst = 0;
        for (List<Object> rounds : rows.values()) {
            for (Object r : rounds) {
                if (r != null && !Double.isNaN(window(r).otherCores())) {
                    worst = Math.max(worst, window(r).otherCores());
                }
            }
        }
        if (worst > 0.25) {
            out.printf("  ! other processes used up to %.2f cores during these windows: the machine was shared, figures are noisy%n",
                    worst);
        }
    }

    private static Sampler.Delta window(Object result) {
        if (result instanceof HandshakeLoad.Result h) {
            return h.window();
        }
        if (result instanceof UnaryLoad.Result u) {
            return u.window();
        }
        return result instanceof H2Load.Result h ? h.window() : ((StreamLoad.Result) result).window();
    }

    /** Median of the values that are not NaN (the mean of the middle two for an even count); NaN if none. */
    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    /** "0.88x-1.50x": the smallest and the largest ratio. */
    private static String range(List<Double> ratios) {
        DoubleSummaryStatistics st = ratios.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d))
                .summaryStatistics();
        return st.getCount() == 0 ? "-" : String.format(Locale.ROOT, "%.2fx-%.2fx", st.getMin(), st.getMax());
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
