package dev.grpcbalancer.e2e;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.testing.Await;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the end-to-end tests would do with {@code kubectl}, through the fabric8 client: {@code
 * apply --server-side}, {@code wait --for=condition}, {@code wait --for=delete}, {@code rollout
 * status}, {@code logs}. The waits watch (informers), they do not poll; a timeout fails with the
 * namespace's pods, events and balancers in the message.
 */
final class Kubectl {

    private static final String FIELD_MANAGER = "grpc-balancer-e2e";

    private final KubernetesClient client;

    Kubectl(KubernetesClient client) {
        this.client = requireNonNull(client, "client");
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
     * Waits until the list of {@code resources} (a namespace, a label selector) satisfies {@code
     * condition}, through an informer, and returns that list.
     */
    <T extends HasMetadata> List<T> awaitList(Informable<T> resources, Predicate<List<T>> condition, Duration timeout,
            String what, String namespace) {
        CompletableFuture<List<T>> satisfied = resources.informOnCondition(condition);
        try {
            return satisfied.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\n" + diagnostics(namespace), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        } finally {
            satisfied.cancel(true); // stops the informer if the condition never held
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
        return awaitList(client.pods().inNamespace(namespace).withLabels(done.getSpec().getSelector().getMatchLabels()),
                pods -> pods.size() == replicas, timeout, "exactly " + replicas + " pods of " + name, namespace);
    }

    /** Waits for a pod to finish (Succeeded or Failed) and returns it. */
    Pod awaitFinished(String namespace, String name, Duration timeout) {
        return await(client.pods().inNamespace(namespace).withName(name), pod -> pod.getStatus() != null
                && List.of("Succeeded", "Failed").contains(pod.getStatus().getPhase()), timeout, "pod " + name + " to finish", namespace);
    }

    String logs(String namespace, String pod) {
        return client.pods().inNamespace(namespace).withName(pod).getLog();
    }

    /**
     * Waits until the pod's log has a line containing {@code text}, like {@code kubectl logs -f
     * | grep -m1}: once its container runs, the log is followed into memory and searched there.
     */
    void awaitLog(String namespace, String pod, String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        await(client.pods().inNamespace(namespace).withName(pod), p -> p.getStatus() != null
                && !"Pending".equals(p.getStatus().getPhase()), timeout, "pod " + pod + " to start", namespace);
        ByteArrayOutputStream log = new ByteArrayOutputStream(); // synchronized: written by the watch, read here
        try (LogWatch follow = client.pods().inNamespace(namespace).withName(pod).watchLog(log)) {
            Await.until(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())),
                    () -> log.toString(StandardCharsets.UTF_8).contains(text),
                    () -> "'" + text + "' in the log of " + pod + ":\n" + log.toString(StandardCharsets.UTF_8)
                            + diagnostics(namespace));
        }
    }

    /** Pods, their phases, events and balancers of {@code namespace}, for failure messages. */
    String diagnostics(String namespace) {
        return "pods in " + namespace + ":\n" + section(() -> client.pods().inNamespace(namespace).list().getItems().stream()
                        .map(p -> "  " + p.getMetadata().getName() + " " + p.getStatus().getPhase()
                                + (p.getMetadata().getDeletionTimestamp() != null ? " (terminating)" : "")))
                + "events:\n" + section(() -> client.v1().events().inNamespace(namespace).list().getItems().stream()
                        .map(e -> "  " + e.getInvolvedObject().getKind() + "/" + e.getInvolvedObject().getName() + " "
                                + e.getReason() + ": " + e.getMessage()))
                + "GrpcBalancers:\n" + section(() -> client.genericKubernetesResources(Manifests.GRPC_BALANCERS)
                        .inNamespace(namespace).list().getItems().stream()
                        .map(b -> "  " + b.getMetadata().getName() + " status " + b.getAdditionalProperties().get("status")));
    }

    private static String section(Supplier<Stream<String>> lines) {
        try {
            return lines.get().map(line -> line + "\n").collect(Collectors.joining());
        } catch (RuntimeException e) {
            return "  (cannot list: " + e.getMessage() + ")\n";
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
}
