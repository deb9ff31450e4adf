package dev.grpcbalancer;

import dev.grpcbalancer.controller.ApiClients;
import dev.grpcbalancer.controller.BalancerController;
import dev.grpcbalancer.controller.ControllerSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code controller}: balancers from GrpcBalancer resources, in a cluster or from a kubeconfig. */
@Command(name = "controller", mixinStandardHelpOptions = true,
        description = "Watch GrpcBalancer resources, Services and EndpointSlices and run their balancers."
                + " Connects in-cluster, or with the kubeconfig fabric8 finds (KUBECONFIG, ~/.kube/config).")
final class ControllerCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ControllerCommand.class);

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            description = "Watch this namespace (repeatable). Default: the controller's own namespace.")
    List<String> namespaces = List.of();

    @Option(names = {"-A", "--all-namespaces"}, description = "Watch every namespace.")
    boolean allNamespaces;

    @Option(names = "--controller-namespace", paramLabel = "NS", defaultValue = "${env:POD_NAMESPACE}",
            description = "Where managed Services and the leader Lease live. Default: $POD_NAMESPACE, else the"
                    + " kubeconfig's namespace, else default.")
    String controllerNamespace;

    @Option(names = "--pod-name", paramLabel = "NAME", defaultValue = "${env:POD_NAME}",
            description = "This replica's identity in the Lease and in Events. Default: $POD_NAME, else the host name.")
    String podName;

    @Option(names = "--leader-election", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Elect one replica to write status, Events and Services (default: on).")
    boolean leaderElection;

    @Option(names = "--lease-name", defaultValue = "grpc-balancer",
            description = "Name of the leader Lease (default: ${DEFAULT-VALUE}).")
    String leaseName;

    @Option(names = "--pod-selector", paramLabel = "K=V[,K=V]", defaultValue = "${env:GRPC_BALANCER_POD_SELECTOR}",
            description = "Labels of the balancer pods; each balancer's managed Service selects them."
                    + " Default: $GRPC_BALANCER_POD_SELECTOR. Without it no Services are kept.")
    String podSelector;

    @Option(names = "--gateway-api", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Serve Gateway API Gateways and GRPCRoutes of GatewayClasses with controllerName"
                    + " grpcbalancer.dev/gateway-controller when the cluster has the Gateway API CRDs (default: on)."
                    + " --no-gateway-api never asks (no RBAC needed for them).")
    boolean gatewayApi;

    @Option(names = "--sync-timeout", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to wait for the first list from the API server (default: ${DEFAULT-VALUE}).")
    Duration syncTimeout;

    @Mixin
    DataPlaneOptions options;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (allNamespaces && !namespaces.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--namespace and --all-namespaces exclude each other");
        }
        Map<String, String> selector = parseSelector(podSelector);
        KubernetesClient client = ApiClients.create();
        if (ApiClients.commonPoolStartsThreadsPerTask()) {
            log.warn("the common ForkJoinPool has fewer than 2 workers: every API response starts a thread;"
                    + " run with -D{}=2", Main.COMMON_POOL_PARALLELISM);
        }
        String ownNamespace = firstNonBlank(controllerNamespace, client.getNamespace(), "default");
        ControllerSettings settings = ControllerSettings.defaults(ownNamespace, firstNonBlank(podName, hostName(), "grpc-balancer"))
                .withLeaderElection(leaderElection, leaseName, ControllerSettings.LeaseTimings.DEFAULT)
                .withPodSelector(selector)
                .withGatewayApi(gatewayApi);
        settings = allNamespaces ? settings.withAllNamespaces()
                : settings.withNamespaces(namespaces.isEmpty() ? Set.of(ownNamespace) : Set.copyOf(namespaces));

        Serving serving = new Serving(options);
        ControllerMeters meters = new ControllerMeters(serving.registry());
        BalancerController controller = new BalancerController(client, settings, serving.dataPlane,
                serving.dataPlane, Clock.systemUTC(), meters);
        meters.bind(controller);
        try {
            serving.startAdmin();
            controller.start(syncTimeout);
            serving.sourceStarted(() -> {
                controller.close();
                client.close();
            });
        } catch (IllegalStateException e) {
            System.err.println("grpc-balancer: " + e.getMessage() + " (API server " + client.getMasterUrl() + ")");
            controller.close();
            client.close();
            serving.close();
            return 1;
        }
        serving.awaitShutdown();
        return 0;
    }

    /** {@code k=v,k=v} as a map; blank means none. */
    private Map<String, String> parseSelector(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return labels;
        }
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--pod-selector takes key=value pairs separated by commas, got \"" + text + "\"");
            }
            labels.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return labels;
    }

    private static String firstNonBlank(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        throw new IllegalArgumentException("no value");
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
