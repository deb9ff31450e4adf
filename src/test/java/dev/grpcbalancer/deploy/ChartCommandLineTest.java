package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.grpcbalancer.Main;
import dev.grpcbalancer.controller.translate.ManagedServiceNames;
import dev.grpcbalancer.snapshot.BalancerId;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart and the jar agree: every command line the chart renders parses with the real
 * command line of the jar, and the helm test probe calls the Service name the controller gives
 * the test balancer.
 */
class ChartCommandLineTest extends HelmChartTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void everyContainerCommandLineParses(String valuesFile) {
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        List<Container> containers = new ArrayList<>();
        rendered.all(Deployment.class).forEach(d -> containers.addAll(d.getSpec().getTemplate().getSpec().getContainers()));
        rendered.all(Pod.class).forEach(p -> containers.addAll(p.getSpec().getContainers()));

        assertThat(containers).extracting(c -> c.getArgs().get(0))
                .contains("controller", "test-backend", "probe");
        for (Container container : containers) {
            String[] args = container.getArgs().toArray(String[]::new);
            assertThatCode(() -> Main.commandLine().parseArgs(args))
                    .as("%s: %s", container.getName(), container.getArgs()).doesNotThrowAnyException();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void helmTestProbeCallsTheServiceTheControllerKeepsForTheTestBalancer(String valuesFile) {
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        HasMetadata balancer = rendered.testHooks().stream()
                .filter(o -> o.getKind().equals("GrpcBalancer")).findFirst().orElseThrow();
        String expected = ManagedServiceNames.serviceName(
                new BalancerId(balancer.getMetadata().getNamespace(), balancer.getMetadata().getName()));
        Pod probe = rendered.all(Pod.class).stream()
                .filter(p -> p.getSpec().getContainers().get(0).getArgs().get(0).equals("probe"))
                .findFirst().orElseThrow();

        assertThat(probe.getSpec().getContainers().get(0).getArgs())
                .anySatisfy(arg -> assertThat(arg).startsWith("--target=" + expected + "."));
    }
}
