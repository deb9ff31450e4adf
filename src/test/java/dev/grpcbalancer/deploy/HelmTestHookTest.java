package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code helm test} hook: a test backend and its Service, a GrpcBalancer in front of it in a
 * watched namespace, and a probe pod that calls through the Service the controller makes for that
 * balancer, created in that order and deleted once they passed.
 */
class HelmTestHookTest extends HelmChartTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void hooksRunBackendThenBalancerThenProbeAndCleanUp(String valuesFile) {
        Chart.Rendered rendered = Chart.render(helm, valuesFile);

        assertThat(rendered.testHooks())
                .extracting(HasMetadata::getKind, HelmTestHookTest::weight)
                .containsExactlyInAnyOrder(
                        tuple("Deployment", -5),
                        tuple("Service", -5),
                        tuple("GrpcBalancer", -4),
                        tuple("Pod", 0));
        assertThat(rendered.testHooks()).allSatisfy(hook -> assertThat(hook.getMetadata().getAnnotations())
                .containsEntry("helm.sh/hook-delete-policy", "before-hook-creation,hook-succeeded"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void balancerIsInAWatchedNamespaceAndPointsAtTheTestBackend(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        JsonNode balancer = balancer(rendered);
        String namespace = balancer.path("metadata").path("namespace").asText();
        Service service = hook(rendered, Service.class);
        Deployment backend = hook(rendered, Deployment.class);

        if (!values.path("watchAnyNamespace").asBoolean()) {
            List<String> watched = HelmTemplateTest.texts(values.path("watchNamespaces"));
            assertThat(namespace).isIn(watched.isEmpty() ? List.of(Chart.NAMESPACE) : watched);
        }
        assertThat(service.getMetadata().getNamespace()).isEqualTo(namespace);
        assertThat(backend.getMetadata().getNamespace()).isEqualTo(namespace);
        JsonNode backendRef = balancer.path("spec").path("backendRef");
        assertThat(backendRef.path("name").asText()).isEqualTo(service.getMetadata().getName());
        ServicePort port = service.getSpec().getPorts().stream()
                .filter(p -> p.getPort() == backendRef.path("port").asInt()).findFirst().orElseThrow();
        assertThat(backend.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        Container server = backend.getSpec().getTemplate().getSpec().getContainers().get(0);
        int containerPort = server.getPorts().stream()
                .filter(p -> p.getName().equals(port.getTargetPort().getStrVal())).findFirst().orElseThrow()
                .getContainerPort();
        assertThat(server.getArgs()).startsWith("test-backend").contains("--port=" + containerPort);
        assertThat(balancer.path("spec").path("listener").path("port").asInt())
                .isEqualTo(values.path("tests").path("listenerPort").asInt());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void testBalancerIsValidAgainstTheCrd(String valuesFile) {
        JsonNode balancer = balancer(Chart.render(helm, valuesFile));

        CrdSchema.grpcBalancer(balancer.path("apiVersion").asText().substring("grpcbalancer.dev/".length()))
                .assertValidSpec(balancer.path("spec"), "test GrpcBalancer");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void probeCallsTheManagedServiceOfTheTestBalancer(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        JsonNode balancer = balancer(rendered);
        Pod probe = hook(rendered, Pod.class);

        String managedService = "gbal-" + balancer.path("metadata").path("namespace").asText()
                + "-" + balancer.path("metadata").path("name").asText();
        assertThat(managedService.length()).as("fits a DNS label without the controller's hash suffix")
                .isLessThanOrEqualTo(63);
        assertThat(probe.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(probe.getSpec().getContainers()).singleElement().satisfies(c -> assertThat(c.getArgs())
                .containsExactly("probe",
                        "--target=" + managedService + "." + Chart.NAMESPACE + ".svc:"
                                + balancer.path("spec").path("listener").path("port").asInt(),
                        "--timeout=" + values.path("tests").path("timeout").asText()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void balancerPodSelectorNeverSelectsATestPod(String valuesFile) {
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        Map<String, String> balancerPods = HelmTemplateTest.balancerDeployment(rendered)
                .getSpec().getSelector().getMatchLabels();

        Map<String, String> backendPodLabels = hook(rendered, Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> probePodLabels = hook(rendered, Pod.class).getMetadata().getLabels();
        assertThat(probePodLabels.entrySet().containsAll(balancerPods.entrySet())).as("probe pod selected").isFalse();
        assertThat(backendPodLabels.entrySet().containsAll(balancerPods.entrySet())).as("backend pod selected").isFalse();
    }

    private static JsonNode balancer(Chart.Rendered rendered) {
        List<HasMetadata> balancers = rendered.testHooks().stream().filter(h -> h.getKind().equals("GrpcBalancer")).toList();
        assertThat(balancers).hasSize(1);
        JsonNode balancer = Chart.tree(balancers.get(0));
        assertThat(balancer.path("apiVersion").asText()).isEqualTo("grpcbalancer.dev/v1alpha1");
        return balancer;
    }

    private static <T extends HasMetadata> T hook(Chart.Rendered rendered, Class<T> type) {
        List<T> hooks = rendered.testHooks().stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(hooks).as("test hook " + type.getSimpleName()).hasSize(1);
        return hooks.get(0);
    }

    private static int weight(HasMetadata hook) {
        return Integer.parseInt(hook.getMetadata().getAnnotations().getOrDefault("helm.sh/hook-weight", "0"));
    }
}
