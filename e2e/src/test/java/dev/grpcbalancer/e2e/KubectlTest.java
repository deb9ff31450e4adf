package dev.grpcbalancer.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The end-to-end suite's helpers without Docker: {@link Manifests} parse into the objects they
 * mean, and the {@link Kubectl} waits return when the condition comes true and fail with a useful
 * message when it does not, against fabric8's mock API server in CRUD mode (which has no
 * server-side apply, so objects are created here instead of applied).
 */
@EnableKubernetesMockClient(crud = true)
class KubectlTest {

    private static final String NAMESPACE = "e2e";
    private static final Duration WAIT = Duration.ofSeconds(20);

    KubernetesClient client;

    /** Waits run here, not in the common pool, whose one thread (on 2 cores) fabric8 may need to complete them. */
    private final ExecutorService waiter = Executors.newCachedThreadPool();

    @AfterEach
    void stopWaiter() {
        waiter.shutdownNow();
    }

    @Test
    void backendManifestIsADeploymentWithGrpcReadinessAndAPreStopSleepPlusItsService() {
        List<HasMetadata> applied = client.resourceList(Manifests.backend(NAMESPACE, "greeter", "img:1", 3)).create();

        assertThat(applied).extracting(HasMetadata::getKind).containsExactly("Deployment", "Service");
        Deployment deployment = client.apps().deployments().inNamespace(NAMESPACE).withName("greeter").get();
        var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
        assertThat(container.getArgs()).containsExactly("test-backend", "--port", "50051");
        assertThat(container.getImagePullPolicy()).isEqualTo("Never");
        assertThat(container.getReadinessProbe().getGrpc().getPort()).isEqualTo(50051);
        assertThat(container.getLifecycle().getPreStop().getSleep().getSeconds()).isEqualTo(5);
        var service = client.services().inNamespace(NAMESPACE).withName("greeter").get();
        assertThat(service.getSpec().getSelector()).containsEntry("app", "greeter");
        assertThat(service.getSpec().getPorts().get(0).getTargetPort().getStrVal()).isEqualTo("grpc");
    }

    @Test
    void probePodRunsTheProbeCommandOnceWithTheGivenArguments() {
        client.resourceList(Manifests.probePod(NAMESPACE, "probe-a", "img:1", List.of("--target", "gbal-e2e-greeter:8080", "--calls", "3")))
                .create();

        Pod pod = client.pods().inNamespace(NAMESPACE).withName("probe-a").get();
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getSpec().getContainers().get(0).getArgs())
                .containsExactly("probe", "--target", "gbal-e2e-greeter:8080", "--calls", "3");
    }

    @Test
    void awaitRolloutReturnsOnlyWhenTheDeploymentIsReadyAndNoOtherPodIsLeft() throws Exception {
        Kubectl kubectl = new Kubectl(client);
        client.resourceList(Manifests.backend(NAMESPACE, "greeter", "img:1", 2)).create();
        pod("greeter-a");
        pod("greeter-b");
        pod("greeter-old");

        CompletableFuture<List<Pod>> rollout = CompletableFuture.supplyAsync(() -> kubectl.awaitRollout(NAMESPACE, "greeter", 2, WAIT), waiter);
        Deployment deployment = client.apps().deployments().inNamespace(NAMESPACE).withName("greeter").get();
        deployment.setStatus(new DeploymentStatusBuilder().withObservedGeneration(deployment.getMetadata().getGeneration())
                .withReplicas(2).withUpdatedReplicas(2).withReadyReplicas(2).build());
        client.apps().deployments().resource(deployment).updateStatus();
        boolean doneWithThreePods = waitShortly(rollout);
        client.pods().inNamespace(NAMESPACE).withName("greeter-old").delete();

        assertThat(doneWithThreePods).as("returned while an old pod was still there").isFalse();
        assertThat(rollout.get(WAIT.toSeconds(), TimeUnit.SECONDS)).extracting(p -> p.getMetadata().getName())
                .containsExactlyInAnyOrder("greeter-a", "greeter-b");
    }

    @Test
    void awaitFinishedReturnsThePodOnceItSucceeded() throws Exception {
        Kubectl kubectl = new Kubectl(client);
        Pod pod = pod("probe-b");

        CompletableFuture<Pod> finished = CompletableFuture.supplyAsync(() -> kubectl.awaitFinished(NAMESPACE, "probe-b", WAIT), waiter);
        pod.getStatus().setPhase("Succeeded");
        client.pods().resource(pod).updateStatus();

        assertThat(finished.get(WAIT.toSeconds(), TimeUnit.SECONDS).getStatus().getPhase()).isEqualTo("Succeeded");
    }

    @Test
    void awaitDeletedReturnsOnceTheResourceIsGone() throws Exception {
        Kubectl kubectl = new Kubectl(client);
        pod("gone");

        CompletableFuture<Void> deleted = CompletableFuture.runAsync(() ->
                kubectl.awaitDeleted(client.pods().inNamespace(NAMESPACE).withName("gone"), WAIT, "pod gone", NAMESPACE), waiter);
        client.pods().inNamespace(NAMESPACE).withName("gone").delete();

        deleted.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(client.pods().inNamespace(NAMESPACE).withName("gone").get()).isNull();
    }

    @Test
    void aWaitThatTimesOutSaysWhatItWaitedForAndWhatTheNamespaceHolds() {
        Kubectl kubectl = new Kubectl(client);
        pod("stuck");

        assertThatThrownBy(() -> kubectl.awaitFinished(NAMESPACE, "stuck", Duration.ofMillis(300)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("timed out after PT0.3S waiting for pod stuck to finish")
                .hasMessageContaining("pods in e2e:\n  stuck Pending");
    }

    private Pod pod(String name) {
        return client.pods().resource(new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).addToLabels("app", "greeter").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("img:1").endContainer().endSpec()
                .withNewStatus().withPhase("Pending").endStatus()
                .build()).create();
    }

    /** Whether the future completes within a short while (the negative check of a wait). */
    private static boolean waitShortly(CompletableFuture<?> future) {
        try {
            future.get(500, TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException notYet) {
            return false;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
