package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart serves the Gateway API when {@code gatewayApi.enabled} is true, or "auto" (the default)
 * and the cluster has the Gateway API CRDs: then it creates the GatewayClass, runs the controller
 * with {@code --gateway-api} and grants the Gateway API's kinds; otherwise none of that, and the
 * controller runs with {@code --no-gateway-api} (so it never asks for what it was not granted).
 */
class HelmGatewayApiTest extends HelmChartTest {

    private static final String GATEWAY_API = "gateway.networking.k8s.io/v1/GatewayClass";
    private static final String GROUP = "gateway.networking.k8s.io";

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void autoServesTheGatewayApiExactlyWhenTheClusterHasIt(String valuesFile) {
        String enabled = Chart.values(valuesFile).path("gatewayApi").path("enabled").asText();
        boolean rbac = Chart.values(valuesFile).path("rbac").path("create").asBoolean();

        for (boolean clusterHasIt : List.of(false, true)) {
            Chart.Rendered rendered = clusterHasIt ? Chart.render(helm, valuesFile, GATEWAY_API)
                    : Chart.render(helm, valuesFile);
            boolean serves = enabled.equals("true") || enabled.equals("auto") && clusterHasIt;
            List<String> args = HelmTemplateTest.balancerContainer(rendered).getArgs();

            assertThat(args).as("cluster has the Gateway API: %s", clusterHasIt)
                    .contains(serves ? "--gateway-api" : "--no-gateway-api")
                    .doesNotContain(serves ? "--no-gateway-api" : "--gateway-api");
            assertThat(rendered.all(GatewayClass.class)).hasSize(serves ? 1 : 0);
            assertThat(gatewayRules(rendered)).as("rules for %s", GROUP).hasSize(serves && rbac ? 4 : 0);
        }
    }

    @Test
    void gatewayClassNamesThisControllerAndTheConfiguredName() {
        Chart.Rendered rendered = Chart.render(helm, "default", GATEWAY_API);

        assertThat(rendered.all(GatewayClass.class)).singleElement().satisfies(gatewayClass -> {
            assertThat(gatewayClass.getMetadata().getName()).isEqualTo("grpc-balancer");
            assertThat(gatewayClass.getMetadata().getNamespace()).isNull();
            assertThat(gatewayClass.getSpec().getControllerName()).isEqualTo("grpcbalancer.dev/gateway-controller");
        });
    }

    @Test
    void gatewayApiCanBeTurnedOffOrServedWithoutTheChartsGatewayClass() {
        Chart.Rendered off = render("gatewayApi.enabled=false");
        Chart.Rendered noClass = render("gatewayApi.gatewayClass.create=false");

        assertThat(HelmTemplateTest.balancerContainer(off).getArgs()).contains("--no-gateway-api");
        assertThat(off.all(GatewayClass.class)).isEmpty();
        assertThat(gatewayRules(off)).isEmpty();
        assertThat(HelmTemplateTest.balancerContainer(noClass).getArgs()).contains("--gateway-api");
        assertThat(noClass.all(GatewayClass.class)).isEmpty();
        assertThat(gatewayRules(noClass)).hasSize(4);
    }

    private Chart.Rendered render(String set) {
        return Chart.Rendered.parse(helm.run("template", Chart.RELEASE, Helm.CHART.toString(), "--namespace",
                Chart.NAMESPACE, "--api-versions", GATEWAY_API, "--set", set).orFail());
    }

    /**
     * The distinct rules that name the Gateway API's group: reads and status patches in the watched
     * namespaces, GatewayClasses and their status cluster-wide.
     */
    private static List<PolicyRule> gatewayRules(Chart.Rendered rendered) {
        List<PolicyRule> rules = new ArrayList<>();
        List<HasMetadata> roles = new ArrayList<>(rendered.all(Role.class));
        roles.addAll(rendered.all(ClusterRole.class));
        for (HasMetadata role : roles) {
            List<PolicyRule> own = role instanceof Role r ? r.getRules() : ((ClusterRole) role).getRules();
            own.stream().filter(rule -> rule.getApiGroups().contains(GROUP)).filter(rule -> !rules.contains(rule))
                    .forEach(rules::add);
        }
        return rules;
    }
}
