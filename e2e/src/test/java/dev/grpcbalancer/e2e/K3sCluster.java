package dev.grpcbalancer.e2e;

import static java.util.Objects.requireNonNull;

import com.github.dockerjava.api.DockerClient;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * One k3s node in Docker (testcontainers) with a fabric8 client and a kubeconfig file for it
 * (for helm), and the {@code kubectl}-equivalent waits the end-to-end tests need. Pod IPs are not
 * reachable from the test JVM: what must talk to pods runs in a pod.
 */
final class K3sCluster implements AutoCloseable {

    /** k3s 1.31: native gRPC probes and the preStop {@code sleep} action are on by default. */
    static final String DEFAULT_IMAGE = "rancher/k3s:v1.31.5-k3s1";
    private static final String FIELD_MANAGER = "grpc-balancer-e2e";

    private final K3sContainer container;
    private final KubernetesClient client;
    private final Path kubeconfig;

    private K3sCluster(K3sContainer container, KubernetesClient client, Path kubeconfig) {
        this.container = container;
        this.client = client;
        this.kubeconfig = kubeconfig;
    }

    /** Starts k3s ({@code -De2e.k3s.image=...} picks another image) and writes its kubeconfig into {@code directory}. */
    static K3sCluster start(Path directory) throws IOException {
        K3sContainer container = new K3sContainer(DockerImageName.parse(System.getProperty("e2e.k3s.image", DEFAULT_IMAGE)));
        container.start();
        String yaml = container.getKubeConfigYaml();
        Path kubeconfig = Files.writeString(directory.resolve("kubeconfig.yaml"), yaml);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(yaml)).build();
        return new K3sCluster(container, client, kubeconfig);
    }

    KubernetesClient client() {
        return client;
    }

    /** A kubeconfig file for tools on this machine (helm, kubectl). */
    Path kubeconfig() {
        return kubeconfig;
    }

    /**
     * Makes a local Docker image usable by pods with {@code imagePullPolicy: Never}: {@code docker
     * save}, copied into the node, {@code ctr images import} into containerd's k8s.io namespace.
     */
    void importImage(String image, Path directory) throws IOException, InterruptedException {
        Path tar = directory.resolve("image.tar");
        DockerClient docker = DockerClientFactory.instance().client();
        try (InputStream saved = docker.saveImageCmd(image).exec()) {
            Files.copy(saved, tar, StandardCopyOption.REPLACE_EXISTING);
        }
        String inNode = "/tmp/grpc-balancer-image.tar";
        container.copyFileToContainer(MountableFile.forHostPath(tar), inNode);
        exec("ctr", "-n", "k8s.io", "images", "import", inNode);
        String images = exec("ctr", "-n", "k8s.io", "images", "ls", "-q");
        if (images.lines().noneMatch(line -> line.equals(image) || line.equals("docker.io/" + image))) {
            throw new AssertionError("image " + image + " not in k3s after import; k3s has:\n" + images);
        }
        Files.delete(tar);
    }

    /** Server-side applies every document of {@code yaml}, like {@code kubectl apply --server-side --force-conflicts}. */
    List<HasMetadata> apply(String yaml) {
        return client.resourceList(yaml).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    }

    /** Waits until {@code condition} holds for the resource, like {@code kubectl wait --for=...}. */
    <T extends HasMetadata> T await(Resource<T> resource, Predicate<T> condition, Duration timeout, String what, String namespace) {
        try {
            return resource.waitUntilCondition(r -> r != null && condition.test(r), timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\n" + diagnostics(namespace), e);
        }
    }

    /** Waits until the resource is gone, like {@code kubectl wait --for=delete}. */
    <T extends HasMetadata> void awaitDeleted(Resource<T> resource, Duration timeout, String what, String namespace) {
        try {
            resource.waitUntilCondition(Objects::isNull, timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new AssertionError("timed out after " + timeout + " waiting for " + what + " to be deleted\n"
                    + diagnostics(namespace), e);
        }
    }

    /**
     * Waits until the Deployment has rolled out to {@code replicas}: that many pods ready and
     * updated, and no other pod of it left (terminating pods are gone), like {@code kubectl
     * rollout status} followed by waiting for the old pods to disappear. Returns its pods.
     */
    List<Pod> awaitRollout(String namespace, String name, int replicas, Duration timeout) {
        Resource<Deployment> deployment = client.apps().deployments().inNamespace(namespace).withName(name);
        Deployment done = await(deployment, d -> d.getStatus() != null
                && Objects.equals(d.getStatus().getObservedGeneration(), d.getMetadata().getGeneration())
                && Objects.equals(d.getStatus().getUpdatedReplicas(), replicas)
                && Objects.equals(d.getStatus().getReadyReplicas(), replicas)
                && Objects.equals(d.getStatus().getReplicas(), replicas), timeout, "deployment " + name + " at " + replicas, namespace);
        CompletableFuture<List<Pod>> exactly = client.pods().inNamespace(namespace)
                .withLabels(done.getSpec().getSelector().getMatchLabels())
                .informOnCondition(pods -> pods.size() == replicas);
        try {
            return exactly.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("timed out after " + timeout + " waiting for exactly " + replicas + " pods of " + name
                    + "\n" + diagnostics(namespace), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } finally {
            exactly.cancel(true); // stops the informer if the condition never held
        }
    }

    /** Waits for a pod to finish (Succeeded or Failed) and returns it. */
    Pod awaitFinished(String namespace, String name, Duration timeout) {
        return await(client.pods().inNamespace(namespace).withName(name), pod -> pod.getStatus() != null
                && List.of("Succeeded", "Failed").contains(pod.getStatus().getPhase()), timeout, "pod " + name + " to finish", namespace);
    }

    String logs(String namespace, String pod) {
        return client.pods().inNamespace(namespace).withName(pod).getLog();
    }

    /** Pods, their phases and recent events of {@code namespace}, for failure messages. */
    String diagnostics(String namespace) {
        try {
            String pods = client.pods().inNamespace(namespace).list().getItems().stream()
                    .map(p -> "  " + p.getMetadata().getName() + " " + p.getStatus().getPhase()
                            + (p.getMetadata().getDeletionTimestamp() != null ? " (terminating)" : ""))
                    .collect(Collectors.joining("\n"));
            String events = client.v1().events().inNamespace(namespace).list().getItems().stream()
                    .map(e -> "  " + e.getInvolvedObject().getKind() + "/" + e.getInvolvedObject().getName() + " "
                            + e.getReason() + ": " + e.getMessage())
                    .collect(Collectors.joining("\n"));
            String balancers = client.genericKubernetesResources("grpcbalancer.dev/v1alpha1", "GrpcBalancer")
                    .inNamespace(namespace).list().getItems().stream()
                    .map(b -> "  " + b.getMetadata().getName() + " status " + b.getAdditionalProperties().get("status"))
                    .collect(Collectors.joining("\n"));
            return "pods in " + namespace + ":\n" + pods + "\nevents:\n" + events + "\nGrpcBalancers:\n" + balancers;
        } catch (RuntimeException e) {
            return "(no diagnostics: " + e + ")";
        }
    }

    /** The resource's {@code status.conditions} entry of {@code type}, or null. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> condition(GenericKubernetesResource resource, String type) {
        Object status = resource.getAdditionalProperties().get("status");
        if (!(status instanceof Map<?, ?> map) || !(map.get("conditions") instanceof List<?> conditions)) {
            return null;
        }
        return conditions.stream().map(c -> (Map<String, Object>) c)
                .filter(c -> type.equals(c.get("type"))).findFirst().orElse(null);
    }

    private String exec(String... command) throws IOException, InterruptedException {
        ExecResult result = container.execInContainer(StandardCharsets.UTF_8, command);
        if (result.getExitCode() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + result.getExitCode() + ": " + result.getStderr());
        }
        return result.getStdout();
    }

    @Override
    public void close() {
        client.close();
        container.stop();
    }
}
