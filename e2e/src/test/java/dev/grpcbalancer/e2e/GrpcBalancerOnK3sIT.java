package dev.grpcbalancer.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

/**
 * grpc-balancer as a user runs it, on a real cluster (k3s in Docker): the image built from the
 * Dockerfile and loaded into k3s, the CRD applied, the chart installed with helm, a real gRPC
 * backend Deployment of 3 pods ({@code test-backend}), a {@code GrpcBalancer} pointing at its
 * Service, and calls from pods ({@code probe}) through the managed Service {@code gbal-e2e-greeter}.
 * Pod IPs are not reachable from this JVM, so the balancer runs in the cluster and every call
 * starts in a pod.
 *
 * <p>The steps share one cluster and run in order. Without a Docker engine (or without helm) the
 * class is skipped with the reason; see e2e/README.md to run it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 15, unit = java.util.concurrent.TimeUnit.MINUTES)
class GrpcBalancerOnK3sIT {

    static final String NO_DOCKER = "no Docker engine: DockerClientFactory found none"
            + " (see e2e/README.md: run the e2e suite on a machine with Docker)";
    static final String NO_HELM = "no helm on PATH or in ~/.cache/grpc-balancer/tools/bin"
            + " (run .ci/install-k8s-tools.sh; see e2e/README.md)";

    private static final String NAMESPACE = "e2e"; // no '-': the managed Service keeps the plain name
    /** Named like the chart, so the chart's own objects are "grpc-balancer-..." and only managed Services start with "gbal-". */
    private static final String RELEASE = "grpc-balancer";
    private static final String BALANCER = "greeter";
    private static final String BACKEND = "greeter";
    private static final String MANAGED_SERVICE = "gbal-" + NAMESPACE + "-" + BALANCER;
    private static final int LISTENER_PORT = 8080;
    private static final String TARGET = MANAGED_SERVICE + "." + NAMESPACE + ".svc.cluster.local:" + LISTENER_PORT;
    private static final Duration ROLLOUT = Duration.ofMinutes(3);
    private static final Duration STATUS = Duration.ofMinutes(2);

    @TempDir
    static Path directory; // static: @BeforeAll needs it, and every step shares it

    private String skipReason;
    private Path projectRoot;
    private K3sCluster cluster;
    private Helm helm;
    private List<String> scaledUpBackends = List.of();

    /**
     * Starts the cluster once for all steps, when it can. Where it cannot, every step is skipped
     * with the reason ({@link #skipWithoutCluster}): an assumption here would skip the class
     * without any test or reason in the report.
     */
    @BeforeAll
    void startClusterWithTheImage() throws Exception {
        Optional<Path> helmBinary = Helm.find();
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            skipReason = NO_DOCKER;
            return;
        }
        if (helmBinary.isEmpty()) {
            skipReason = NO_HELM;
            return;
        }
        projectRoot = Path.of(System.getProperty("e2e.project.root", System.getProperty("user.dir")));
        String image = BalancerImage.build(projectRoot);
        cluster = K3sCluster.start(directory);
        cluster.importImage(image, directory);
        helm = Helm.of(helmBinary.get(), cluster.kubeconfig(), directory);
    }

    @BeforeEach
    void skipWithoutCluster() {
        assumeTrue(skipReason == null, skipReason);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void helmInstallsTheControllerAndTheBalancerIsProgrammedWithThreeReadyEndpoints() throws Exception {
        List<HasMetadata> crds = kubectl().apply(Files.readString(projectRoot.resolve("crds/grpcbalancers.grpcbalancer.dev-v1.yml")));
        kubectl().await(client().apiextensions().v1().customResourceDefinitions().withName(crds.get(0).getMetadata().getName()),
                GrpcBalancerOnK3sIT::established, STATUS, "the CRD to be Established", NAMESPACE);
        kubectl().apply(Manifests.namespace(NAMESPACE));

        helm.run(Duration.ofMinutes(6), "install", RELEASE, projectRoot.resolve("charts/grpc-balancer").toString(),
                "--namespace", NAMESPACE, "--wait", "--timeout", "5m",
                "--set", "image.repository=" + BalancerImage.REPOSITORY, "--set", "image.tag=" + BalancerImage.TAG,
                "--set", "image.pullPolicy=Never").requireSuccess();
        kubectl().apply(Manifests.backend(NAMESPACE, BACKEND, BalancerImage.NAME, 3));
        kubectl().awaitRollout(NAMESPACE, BACKEND, 3, ROLLOUT);
        kubectl().apply(Manifests.balancer(NAMESPACE, BALANCER, LISTENER_PORT, BACKEND, Manifests.BACKEND_PORT));

        GenericKubernetesResource programmed = awaitBalancer(b -> conditionIs(b, "Programmed", "True")
                && conditionIs(b, "ResolvedRefs", "True") && endpoints(b, "ready") == 3, "Programmed=True with 3 ready endpoints");

        assertThat(Kubectl.condition(programmed, "Programmed")).containsEntry("reason", "Programmed");
        Service managed = client().services().inNamespace(NAMESPACE).withName(MANAGED_SERVICE).get();
        assertThat(managed).as("managed Service " + MANAGED_SERVICE + "\n" + kubectl().diagnostics(NAMESPACE)).isNotNull();
        assertThat(managed.getSpec().getPorts()).anySatisfy(port -> assertThat(port.getPort()).isEqualTo(LISTENER_PORT));
    }

    @Test
    @Order(2)
    void helmTestHookMakesAHealthCallThroughATestBalancer() throws Exception {
        // no --logs: the probe pod is deleted when it succeeds (hook-delete-policy hook-succeeded)
        Helm.Result test = helm.run(Duration.ofMinutes(6), "test", RELEASE, "--namespace", NAMESPACE, "--timeout", "5m");

        assertThat(test.exitCode()).as(test.output() + kubectl().diagnostics(NAMESPACE)).isZero();
        assertThat(test.output()).containsPattern("Phase:\\s+Succeeded");
    }

    @Test
    @Order(3)
    void callsOverOneConnectionThroughTheManagedServiceSpreadOverAllThreeBackends() {
        List<String> backends = backendPods();

        ProbeReport report = runProbe("probe-spread", "--calls", "300", "--concurrency", "8");

        assertThat(report.failed()).isZero();
        assertThat(report.ok()).isEqualTo(300);
        assertThat(report.answered().keySet()).as("backends that answered").containsExactlyInAnyOrderElementsOf(backends);
        assertThat(report.answered().values()).allSatisfy(count -> assertThat(count).isPositive());
        System.out.println("300 calls through " + MANAGED_SERVICE + ": " + report.answered());
    }

    @Test
    @Order(4)
    void scalingTheBackendTo5AndTo1UnderLoadFailsNoCallAndNewPodsTakeCalls() {
        String load = "probe-load";
        kubectl().apply(Manifests.probePod(NAMESPACE, load, BalancerImage.NAME,
                List.of("--target", TARGET, "--timeout", "120s", "--duration", "150s", "--concurrency", "4")));
        kubectl().awaitLog(NAMESPACE, load, "is SERVING", ROLLOUT);

        scale(5);
        scaledUpBackends = kubectl().awaitRollout(NAMESPACE, BACKEND, 5, ROLLOUT).stream()
                .map(pod -> pod.getMetadata().getName()).toList();
        awaitBalancer(b -> endpoints(b, "ready") == 5, "5 ready endpoints");
        scale(1);
        kubectl().awaitRollout(NAMESPACE, BACKEND, 1, ROLLOUT);
        awaitBalancer(b -> endpoints(b, "ready") == 1 && endpoints(b, "total") == 1, "1 endpoint left");

        assertThat(phase(load)).as("the load must outlast the scaling; raise --duration if this machine is slow")
                .isEqualTo("Running");
        Pod finished = kubectl().awaitFinished(NAMESPACE, load, Duration.ofMinutes(4));
        ProbeReport report = ProbeReport.parse(logs(load));
        assertThat(report.failed()).as(logs(load)).isZero();
        assertThat(finished.getStatus().getPhase()).isEqualTo("Succeeded");
        assertThat(report.answered().keySet()).as("backends that answered during the scaling")
                .containsAll(scaledUpBackends);
        System.out.println(report.ok() + " calls while scaling 3 -> 5 -> 1, 0 failed: " + report.answered());
    }

    @Test
    @Order(5)
    void deletingTheBackendServiceSetsResolvedRefsFalseAndRecreatingItHeals() {
        client().services().inNamespace(NAMESPACE).withName(BACKEND).delete();

        GenericKubernetesResource unresolved = awaitBalancer(b -> conditionIs(b, "ResolvedRefs", "False"), "ResolvedRefs=False");
        String failedProbe = "probe-unresolved";
        kubectl().apply(Manifests.probePod(NAMESPACE, failedProbe, BalancerImage.NAME,
                List.of("--target", TARGET, "--timeout", "5s", "--calls", "1")));
        Pod finished = kubectl().awaitFinished(NAMESPACE, failedProbe, ROLLOUT);

        assertThat(Kubectl.condition(unresolved, "ResolvedRefs"))
                .containsEntry("reason", "BackendNotFound")
                .hasEntrySatisfying("message", message -> assertThat(message.toString()).contains(BACKEND));
        assertThat(finished.getStatus().getPhase()).isEqualTo("Failed");
        assertThat(logs(failedProbe)).contains("probe: FAILED:").contains("UNAVAILABLE");

        kubectl().apply(Manifests.backendService(NAMESPACE, BACKEND));
        awaitBalancer(b -> conditionIs(b, "ResolvedRefs", "True") && conditionIs(b, "Programmed", "True")
                && endpoints(b, "ready") == 1, "ResolvedRefs=True again with the 1 endpoint");
        ProbeReport healed = runProbe("probe-healed", "--calls", "20");
        assertThat(healed.ok()).isEqualTo(20);
        assertThat(healed.answered().keySet()).containsExactlyElementsOf(backendPods());
    }

    @Test
    @Order(6)
    void deletingTheBalancerAndUninstallingTheChartLeaveNothingBehind() throws Exception {
        client().genericKubernetesResources(Manifests.GRPC_BALANCERS).inNamespace(NAMESPACE).withName(BALANCER).delete();
        kubectl().awaitDeleted(client().services().inNamespace(NAMESPACE).withName(MANAGED_SERVICE), STATUS,
                "managed Service " + MANAGED_SERVICE, NAMESPACE);
        kubectl().awaitList(client().services().inNamespace(NAMESPACE), services -> services.stream()
                .noneMatch(service -> service.getMetadata().getName().startsWith("gbal-")), STATUS,
                "every managed Service (gbal-..., helm test's too) to go", NAMESPACE);

        helm.run(Duration.ofMinutes(4), "uninstall", RELEASE, "--namespace", NAMESPACE, "--wait", "--timeout", "3m")
                .requireSuccess();

        Map<String, String> release = Map.of("app.kubernetes.io/instance", RELEASE);
        kubectl().awaitList(client().pods().inNamespace(NAMESPACE).withLabels(release), List::isEmpty, STATUS,
                "the release's pods to go", NAMESPACE);
        List<? extends HasMetadata> left = Stream.of(
                client().apps().deployments().inNamespace(NAMESPACE).withLabels(release).list().getItems(),
                client().services().inNamespace(NAMESPACE).withLabels(release).list().getItems(),
                client().serviceAccounts().inNamespace(NAMESPACE).withLabels(release).list().getItems(),
                client().configMaps().inNamespace(NAMESPACE).withLabels(release).list().getItems(),
                client().rbac().roles().inNamespace(NAMESPACE).withLabels(release).list().getItems(),
                client().rbac().roleBindings().inNamespace(NAMESPACE).withLabels(release).list().getItems(),
                client().rbac().clusterRoles().withLabels(release).list().getItems(),
                client().rbac().clusterRoleBindings().withLabels(release).list().getItems(),
                client().policy().v1().podDisruptionBudget().inNamespace(NAMESPACE).withLabels(release).list().getItems())
                .flatMap(List::stream).toList();
        assertThat(left).extracting(r -> r.getKind() + "/" + r.getMetadata().getName()).isEmpty();
        assertThat(helm.run(Duration.ofMinutes(1), "list", "--namespace", NAMESPACE, "--all", "--short")
                .requireSuccess().output()).isBlank();
    }

    private KubernetesClient client() {
        return cluster.client();
    }

    private Kubectl kubectl() {
        return cluster.kubectl();
    }

    private Resource<GenericKubernetesResource> balancer() {
        return client().genericKubernetesResources(Manifests.GRPC_BALANCERS).inNamespace(NAMESPACE).withName(BALANCER);
    }

    private GenericKubernetesResource awaitBalancer(Predicate<GenericKubernetesResource> condition, String what) {
        return kubectl().await(balancer(), condition, STATUS, "GrpcBalancer " + NAMESPACE + "/" + BALANCER + ": " + what, NAMESPACE);
    }

    /** Runs a probe pod with {@code --target} the managed Service and these arguments; it must succeed. */
    private ProbeReport runProbe(String name, String... args) {
        List<String> probeArgs = Stream.concat(Stream.of("--target", TARGET, "--timeout", "60s"), Stream.of(args)).toList();
        kubectl().apply(Manifests.probePod(NAMESPACE, name, BalancerImage.NAME, probeArgs));
        Pod finished = kubectl().awaitFinished(NAMESPACE, name, ROLLOUT);
        assertThat(finished.getStatus().getPhase()).as(logs(name)).isEqualTo("Succeeded");
        return ProbeReport.parse(logs(name));
    }

    private void scale(int replicas) {
        client().apps().deployments().inNamespace(NAMESPACE).withName(BACKEND).scale(replicas);
    }

    private List<String> backendPods() {
        return client().pods().inNamespace(NAMESPACE).withLabel("app", BACKEND).list().getItems().stream()
                .filter(pod -> pod.getMetadata().getDeletionTimestamp() == null)
                .map(pod -> pod.getMetadata().getName()).sorted().toList();
    }

    private String phase(String pod) {
        Pod current = client().pods().inNamespace(NAMESPACE).withName(pod).get();
        return current == null || current.getStatus() == null ? "(gone)" : current.getStatus().getPhase();
    }

    /** The pod's log so far, empty while its container has not started. */
    private String logs(String pod) {
        try {
            return Objects.requireNonNullElse(kubectl().logs(NAMESPACE, pod), "");
        } catch (RuntimeException notStartedYet) {
            return "";
        }
    }

    private static boolean established(CustomResourceDefinition crd) {
        return crd.getStatus() != null && crd.getStatus().getConditions() != null && crd.getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** The condition has this status and speaks for the current generation. */
    private static boolean conditionIs(GenericKubernetesResource balancer, String type, String status) {
        Map<String, Object> condition = Kubectl.condition(balancer, type);
        if (condition == null || !status.equals(condition.get("status"))) {
            return false;
        }
        Object observed = condition.get("observedGeneration");
        return observed == null || ((Number) observed).longValue() == balancer.getMetadata().getGeneration();
    }

    /** {@code status.endpoints.<field>}, or -1 while there is none. */
    private static long endpoints(GenericKubernetesResource balancer, String field) {
        if (balancer.getAdditionalProperties().get("status") instanceof Map<?, ?> status
                && status.get("endpoints") instanceof Map<?, ?> endpoints
                && endpoints.get(field) instanceof Number number) {
            return number.longValue();
        }
        return -1;
    }
}
