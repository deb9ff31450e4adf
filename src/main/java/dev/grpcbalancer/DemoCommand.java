package dev.grpcbalancer;

import dev.grpcbalancer.demo.Demo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code demo}: everything embedded, shows per-call (L7) versus per-connection (L4) balancing. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start three gRPC backends and grpc-balancer in this process, send calls over one"
                + " connection, and show how they spread (and how an L4 balancer would have sent them).")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--calls", defaultValue = "3000", description = "Calls to send (default: ${DEFAULT-VALUE}).")
    int calls;

    @Override
    public Integer call() throws InterruptedException {
        new Demo(calls, System.out).run();
        return 0;
    }
}
