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
import org.junit.jupiter.api.Test;

/**
 * The end-to-end suite's helpers without Docker: {@link Manifests} parse into the objects they
 * mean, and the {@link Kubectl} waits return when the condition comes true and fail with a useful
 * message when it does not, against fabric8's mock API server in CRUD mode. That server has no
 * server-side apply (objects are created here instead) and may drop an event that falls between an
 * informer's list and its watch, so each case sets the state before it waits.
 */
@EnableKubernetesMockClient(crud = true)
class KubectlTest {

    private static final String NAMESPACE = "e2e";
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration SHORT = Duration.ofSeconds(1);

    KubernetesClient client;

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
    void awaitRolloutReturnsThePodsOfAReadyDeployment() {
        client.resourceList(Manifests.backend(NAMESPACE, "greeter", "img:1", 2)).create();
        markReady("greeter", 2);
        pod("greeter-a");
        pod("greeter-b");

        List<Pod> pods = new Kubectl(client).awaitRollout(NAMESPACE, "greeter", 2, WAIT);

        assertThat(pods).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("greeter-a", "greeter-b");
    }

    @Test
    void awaitRolloutFailsWhileTheDeploymentIsNotReady() {
        client.resourceList(Manifests.backend(NAMESPACE, "greeter", "img:1", 2)).create();
        markReady("greeter", 1);
        pod("greeter-a");
        pod("greeter-b");

        assertThatThrownBy(() -> new Kubectl(client).awaitRollout(NAMESPACE, "greeter", 2, SHORT))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("waiting for deployment greeter at 2");
    }

    @Test
    void awaitRolloutFailsWhileAPodBeyondTheWantedCountIsLeft() {
        client.resourceList(Manifests.backend(NAMESPACE, "greeter", "img:1", 2)).create();
        markReady("greeter", 2);
        pod("greeter-a");
        pod("greeter-b");
        pod("greeter-old");

        assertThatThrownBy(() -> new Kubectl(client).awaitRollout(NAMESPACE, "greeter", 2, SHORT))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("waiting for exactly 2 pods of greeter")
                .hasMessageContaining("greeter-old Pending");
    }

    @Test
    void awaitFinishedReturnsASucceededPodAndFailsOnARunningOne() {
        Pod done = pod("probe-b");
        done.getStatus().setPhase("Succeeded");
        client.pods().resource(done).updateStatus();
        Pod running = pod("probe-c");
        running.getStatus().setPhase("Running");
        client.pods().resource(running).updateStatus();
        Kubectl kubectl = new Kubectl(client);

        assertThat(kubectl.awaitFinished(NAMESPACE, "probe-b", WAIT).getStatus().getPhase()).isEqualTo("Succeeded");
        assertThatThrownBy(() -> kubectl.awaitFinished(NAMESPACE, "probe-c", SHORT))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("timed out after PT1S waiting for pod probe-c to finish")
                .hasMessageContaining("pods in e2e:\n")
                .hasMessageContaining("  probe-c Running\n");
    }

    @Test
    void awaitDeletedReturnsForAMissingResourceAndFailsForAnExistingOne() {
        Kubectl kubectl = new Kubectl(client);
        pod("here");

        kubectl.awaitDeleted(client.pods().inNamespace(NAMESPACE).withName("never-was"), WAIT, "pod never-was", NAMESPACE);
        assertThatThrownBy(() -> kubectl.awaitDeleted(client.pods().inNamespace(NAMESPACE).withName("here"), SHORT, "pod here", NAMESPACE))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("waiting for pod here to be deleted");
    }

    private void markReady(String deploymentName, int replicas) {
        Deployment deployment = client.apps().deployments().inNamespace(NAMESPACE).withName(deploymentName).get();
        deployment.setStatus(new DeploymentStatusBuilder().withObservedGeneration(deployment.getMetadata().getGeneration())
                .withReplicas(replicas).withUpdatedReplicas(replicas).withReadyReplicas(replicas).build());
        client.apps().deployments().resource(deployment).updateStatus();
    }

    private Pod pod(String name) {
        return client.pods().resource(new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(NAMESPACE).addToLabels("app", "greeter").endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("img:1").endContainer().endSpec()
                .withNewStatus().withPhase("Pending").endStatus()
                .build()).create();
    }
}
