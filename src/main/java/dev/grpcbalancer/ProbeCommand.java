package dev.grpcbalancer;

import dev.grpcbalancer.demo.Probe;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code probe}: waits for a gRPC server to be SERVING, then optionally sends calls and counts who answered. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Over one plaintext HTTP/2 connection, retry grpc.health.v1.Health/Check (1 s per attempt) until"
                + " SERVING or --timeout; then send demo.Greeter/SayHello calls (--calls or --duration) and print how"
                + " many each backend answered. Exit code 0 when all went well, 1 otherwise (the reason on stderr).")
final class ProbeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--target", required = true, paramLabel = "HOST:PORT",
            description = "Server or balancer to probe, e.g. gbal-shop-greeter.grpc-balancer:8080 or [::1]:50051.")
    String target;

    @Option(names = "--service", defaultValue = "", paramLabel = "NAME",
            description = "Service name to ask the health check about (default: \"\", the whole server).")
    String service;

    @Option(names = "--timeout", defaultValue = "60s", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "How long to wait for SERVING (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @ArgGroup(exclusive = true)
    Load load = new Load();

    @Option(names = "--concurrency", defaultValue = "8", paramLabel = "N", description = "Calls in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    static final class Load {
        @Option(names = "--calls", paramLabel = "N", description = "SayHello calls to send after SERVING.")
        int calls;

        @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "DURATION",
                description = "Send SayHello calls for this long after SERVING, e.g. 90s.")
        Duration duration = Duration.ZERO;
    }

    @Override
    public Integer call() throws InterruptedException {
        Probe.Options options;
        try {
            HostPort hostPort = HostPort.parse(target);
            options = new Probe.Options(hostPort.host(), hostPort.port(), service, timeout, load.calls, load.duration,
                    concurrency);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return new Probe(options, spec.commandLine().getOut(), spec.commandLine().getErr()).run();
    }

    /** {@code host:port}, {@code [v6]:port}. */
    record HostPort(String host, int port) {
        static HostPort parse(String text) {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || colon == text.length() - 1) {
                throw new IllegalArgumentException("--target must be HOST:PORT, got '" + text + "'");
            }
            String host = text.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new IllegalArgumentException("--target: put an IPv6 address in brackets, e.g. [::1]:50051; got '" + text + "'");
            }
            try {
                return new HostPort(host, Integer.parseInt(text.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--target: port must be a number, got '" + text + "'");
            }
        }
    }
}
