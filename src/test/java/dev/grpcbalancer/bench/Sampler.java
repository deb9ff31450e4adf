package dev.grpcbalancer.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What is sampled at both edges of a measurement window: backend counters, CPU time of the
 * proxy's process tree and of this JVM (from /proc, Linux only; NaN elsewhere) and the number of
 * established client TCP connections to the target's port(s).
 */
final class Sampler {
    /** Linux USER_HZ, the unit of utime/stime in /proc/PID/stat; 100 on every mainstream arch. */
    private static final double TICKS_PER_SECOND = 100.0;

    record Sample(long nanos, long[][] backends, long proxyTicks, long selfTicks, long systemTicks,
            int clientConnections, int backendConnections) {}

    /**
     * What happened between two samples. Connection counts are the smaller of the two samples:
     * client connections to the target's port(s), and connections to the backends' ports (for a
     * proxy: its upstream connections; for direct: the client's own). {@code otherCores} is the
     * CPU the rest of the machine used meanwhile (all busy time minus proxy and bench JVM): when
     * it is not near 0, something else competed for the cores and the figures are noisy.
     */
    record Delta(double seconds, long[][] backends, double proxyCores, double benchCores, double otherCores,
            int clientConnections, int backendConnections) {}

    private final BenchBackends backends;
    private final Optional<ProcessHandle> proxy;
    private final List<Integer> targetPorts;
    /** A client process of its own (h2load); empty when the client is this JVM. */
    private final Optional<ProcessHandle> client;

    /**
     * @param proxy the proxy process (its descendants are included), empty for direct
     * @param targetPorts the ports the client connects to, for counting client connections
     */
    Sampler(BenchBackends backends, Optional<ProcessHandle> proxy, List<Integer> targetPorts) {
        this(backends, proxy, targetPorts, Optional.empty());
    }

    private Sampler(BenchBackends backends, Optional<ProcessHandle> proxy, List<Integer> targetPorts,
            Optional<ProcessHandle> client) {
        this.backends = backends;
        this.proxy = proxy;
        this.targetPorts = targetPorts;
        this.client = client;
    }

    /**
     * The same sampler for a client that runs as its own process: its CPU counts as the bench's
     * (with the backends in this JVM) and the client connections counted are its own.
     */
    Sampler withClient(ProcessHandle clientProcess) {
        return new Sampler(backends, proxy, targetPorts, Optional.of(clientProcess));
    }

    Sample take() {
        long proxyTicks = proxy.map(p -> Stream.concat(Stream.of(p), p.descendants())
                .mapToLong(h -> cpuTicks(h.pid())).sum()).orElse(-1L);
        // The client is this JVM: for direct its target ports are the backends', to which idle peers
        // (--rounds) hold connections too.
        Set<Long> self = socketInodes(List.of(ProcessHandle.current()));
        Set<Long> clientSockets = client.map(c -> socketInodes(List.of(c))).orElse(self);
        long benchTicks = cpuTicks(ProcessHandle.current().pid()) + client.map(c -> Math.max(0, cpuTicks(c.pid()))).orElse(0L);
        return new Sample(System.nanoTime(), backends.snapshot(), proxyTicks,
                benchTicks, systemBusyTicks(), establishedTo(targetPorts, clientSockets),
                establishedTo(backends.ports(), proxy.isEmpty() ? self
                        : socketInodes(Stream.concat(proxy.stream(), proxy.get().descendants()).toList())));
    }

    /**
     * Inodes of the sockets some processes hold open (the proxy's tree; for direct this JVM alone,
     * not the peers it started), so that only the measured target's upstream connections are
     * counted while other peers stay up (--rounds); null when a process's fd table is unreadable
     * (then every connection to the ports counts).
     */
    static Set<Long> socketInodes(List<ProcessHandle> processes) {
        Set<Long> inodes = new HashSet<>();
        for (ProcessHandle h : processes) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + h.pid() + "/fd"))) {
                for (Path fd : fds) {
                    try {
                        String link = Files.readSymbolicLink(fd).toString();
                        if (link.startsWith("socket:[")) {
                            inodes.add(Long.parseLong(link.substring(8, link.length() - 1)));
                        }
                    } catch (IOException | RuntimeException closedMeanwhile) {
                        // the fd was closed while listing
                    }
                }
            } catch (IOException | RuntimeException e) {
                if (h.isAlive()) {
                    return null;
                }
            }
        }
        return inodes;
    }

    static Delta between(Sample a, Sample b) {
        double seconds = (b.nanos() - a.nanos()) / 1e9;
        double proxyCores = a.proxyTicks() < 0 || b.proxyTicks() < 0
                ? Double.NaN : (b.proxyTicks() - a.proxyTicks()) / TICKS_PER_SECOND / seconds;
        double benchCores = a.selfTicks() < 0 || b.selfTicks() < 0
                ? Double.NaN : (b.selfTicks() - a.selfTicks()) / TICKS_PER_SECOND / seconds;
        double systemCores = a.systemTicks() < 0 || b.systemTicks() < 0
                ? Double.NaN : (b.systemTicks() - a.systemTicks()) / TICKS_PER_SECOND / seconds;
        double otherCores = Math.max(0, systemCores - benchCores - (Double.isNaN(proxyCores) ? 0 : proxyCores));
        return new Delta(seconds, BenchBackends.delta(a.backends(), b.backends()), proxyCores, benchCores, otherCores,
                Math.min(a.clientConnections(), b.clientConnections()),
                Math.min(a.backendConnections(), b.backendConnections()));
    }

    /** utime + stime of one process in clock ticks, -1 when unreadable. */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Busy time of all CPUs (everything but idle and iowait) in clock ticks, -1 when unreadable. */
    static long systemBusyTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i <= 8 && i < f.length; i++) { // user nice system idle iowait irq softirq steal
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** ESTABLISHED TCP sockets (any family) whose remote port is one of {@code ports}. */
    static int establishedTo(List<Integer> ports) {
        return establishedTo(ports, null);
    }

    /** As {@link #establishedTo(List)}, counting only sockets with one of {@code inodes} (null: any). */
    static int establishedTo(List<Integer> ports, Set<Long> inodes) {
        int n = 0;
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(file))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 10 || !"01".equals(f[3])) {
                        continue;
                    }
                    String remote = f[2];
                    int port = Integer.parseInt(remote.substring(remote.lastIndexOf(':') + 1), 16);
                    if (ports.contains(port) && (inodes == null || inodes.contains(Long.parseLong(f[9])))) {
                        n++;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux, or no IPv6: count what we can
            }
        }
        return n;
    }
}
