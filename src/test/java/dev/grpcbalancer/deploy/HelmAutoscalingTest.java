package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optional HorizontalPodAutoscaler: on CPU, aimed at the balancer Deployment, which then leaves
 * its replica count alone; the PodDisruptionBudget follows the smallest number of replicas there
 * can be; leader election is required.
 */
class HelmAutoscalingTest extends HelmChartTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void autoscalerOwnsTheReplicaCountOnlyWhenEnabled(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        JsonNode autoscaling = values.path("autoscaling");
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        Deployment deployment = HelmTemplateTest.balancerDeployment(rendered);
        List<HasMetadata> autoscalers = rendered.ofKind("HorizontalPodAutoscaler");

        if (!autoscaling.path("enabled").asBoolean()) {
            assertThat(autoscalers).isEmpty();
            assertThat(deployment.getSpec().getReplicas()).isEqualTo(values.path("replicaCount").asInt());
            return;
        }
        assertThat(deployment.getSpec().getReplicas()).as("helm upgrade must not reset what the HPA chose").isNull();
        assertThat(autoscalers).singleElement().satisfies(hpa -> {
            JsonNode tree = Chart.tree(hpa);
            assertThat(tree.path("apiVersion").asText()).isEqualTo("autoscaling/v2");
            assertThat(hpa.getMetadata().getNamespace()).isEqualTo(Chart.NAMESPACE);
            JsonNode spec = tree.path("spec");
            assertThat(spec.path("scaleTargetRef").path("kind").asText()).isEqualTo("Deployment");
            assertThat(spec.path("scaleTargetRef").path("name").asText()).isEqualTo(deployment.getMetadata().getName());
            assertThat(spec.path("minReplicas").asInt()).isEqualTo(autoscaling.path("minReplicas").asInt());
            assertThat(spec.path("maxReplicas").asInt()).isEqualTo(autoscaling.path("maxReplicas").asInt());
            JsonNode metric = spec.path("metrics").path(0);
            assertThat(metric.path("resource").path("name").asText()).isEqualTo("cpu");
            assertThat(metric.path("resource").path("target").path("averageUtilization").asInt())
                    .isEqualTo(autoscaling.path("targetCPUUtilizationPercentage").asInt());
            assertThat(spec.path("behavior")).isEqualTo(autoscaling.path("behavior").isEmpty()
                    ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : autoscaling.path("behavior"));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void disruptionBudgetFollowsTheSmallestReplicaCount(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        int fewest = values.path("autoscaling").path("enabled").asBoolean()
                ? values.path("autoscaling").path("minReplicas").asInt() : values.path("replicaCount").asInt();
        boolean expected = values.path("podDisruptionBudget").path("enabled").asBoolean() && fewest > 1;

        assertThat(Chart.render(helm, valuesFile).all(PodDisruptionBudget.class)).hasSize(expected ? 1 : 0);
    }

    @Test
    void autoscalingRefusesBoundsThatCrossAndASingleWriterWithoutElection() {
        Helm.Result crossed = template("--set", "autoscaling.enabled=true", "--set", "autoscaling.minReplicas=5",
                "--set", "autoscaling.maxReplicas=3");
        Helm.Result noElection = template("--set", "autoscaling.enabled=true", "--set", "leaderElection.enabled=false");

        assertThat(crossed.exitCode()).isNotZero();
        assertThat(crossed.stderr()).contains("autoscaling.maxReplicas must be at least autoscaling.minReplicas");
        assertThat(noElection.exitCode()).isNotZero();
        assertThat(noElection.stderr()).contains("autoscaling.enabled needs leaderElection.enabled");
    }

    private Helm.Result template(String... sets) {
        List<String> args = new ArrayList<>(List.of("template", Chart.RELEASE, Helm.CHART.toString(),
                "--namespace", Chart.NAMESPACE));
        args.addAll(List.of(sets));
        return helm.run(args.toArray(String[]::new));
    }
}
