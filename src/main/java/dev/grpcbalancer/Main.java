package dev.grpcbalancer;

import io.netty.util.ResourceLeakDetector;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * grpc-balancer's command line: the composition root. Each subcommand wires the parts it needs
 * and owns their shutdown.
 */
@Command(
        name = "grpc-balancer",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "L7 load balancer for gRPC: balances every call, not every connection.",
        subcommands = {RunCommand.class, ControllerCommand.class, DemoCommand.class, TestBackendCommand.class,
            ProbeCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--log-format", scope = CommandLine.ScopeType.INHERIT, paramLabel = "text|json",
            defaultValue = "${env:" + LogFormat.ENV + ":-text}",
            description = "Log lines as readable text or as JSON objects, one per line (default: env "
                    + LogFormat.ENV + ", else text).")
    LogFormat logFormat;

    /** The system property that sets the common {@code ForkJoinPool}'s parallelism. */
    public static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    public static void main(String[] args) {
        commonPoolOfTwoUnlessAsked(); // first: before anything touches CompletableFuture or ForkJoinPool
        disableLeakDetectionUnlessAsked();
        System.exit(commandLine().execute(args));
    }

    /** The command line as {@link #main} runs it: options are parsed, then logging is set up, then the command runs. */
    public static CommandLine commandLine() {
        Main main = new Main();
        return new CommandLine(main)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionStrategy(parseResult -> {
                    main.logFormat.apply();
                    return new CommandLine.RunLast().execute(parseResult);
                });
    }

    /**
     * {@code CompletableFuture} runs its tasks without an executor on the common {@code ForkJoinPool}
     * (one worker fewer than the CPUs), or, when that has fewer than two workers, on a new thread per
     * task. The JDK HTTP client under the Kubernetes client hands every response to it, so on 2
     * CPUs (the chart's default limit) every API request started a thread: about 95 a second at
     * 1,000 balancers. Two workers, parked when idle, unless the operator set the parallelism
     * ({@code -Djava.util.concurrent.ForkJoinPool.common.parallelism}). Takes effect only before the
     * pool is first used, hence first thing in {@link #main}.
     */
    public static void commonPoolOfTwoUnlessAsked() {
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() <= 2) {
            System.setProperty(COMMON_POOL_PARALLELISM, "2");
        }
    }

    /**
     * Netty's default leak detector samples buffer allocations and costs about 8% of the CPU of a
     * unary call here (profiled under the benchmark). Leaks are caught where they can be fixed: the
     * test suite runs with the paranoid detector and fails on any leak. Operators who want it in
     * production set {@code -Dio.netty.leakDetection.level=simple}.
     */
    private static void disableLeakDetectionUnlessAsked() {
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a command is required: run, controller, demo, test-backend, probe");
    }

    /** The version from the jar manifest (set by the build). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"grpc-balancer " + (version != null ? version : "(development build)"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
