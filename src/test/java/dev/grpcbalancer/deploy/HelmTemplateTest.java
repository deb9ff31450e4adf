package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code helm template} over the default values and every ci/ values file, each rendered object
 * parsed and checked against the values that produced it.
 */
class HelmTemplateTest extends HelmChartTest {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");




    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void everyPodMeetsTheRestrictedPodSecurityStandard(String valuesFile) {
        Chart.Rendered rendered = Chart.render(helm, valuesFile);

        List<HasMetadata> withPods = new ArrayList<>();
        for (Deployment deployment : rendered.all(Deployment.class)) {
            PodSecurity.assertRestricted(deployment.getSpec().getTemplate().getSpec(), "Deployment " + name(deployment));
            withPods.add(deployment);
        }
        for (Pod pod : rendered.all(Pod.class)) {
            PodSecurity.assertRestricted(pod.getSpec(), "Pod " + name(pod));
            withPods.add(pod);
        }
        assertThat(withPods).as("the balancer, the test backend and the test probe").hasSize(3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void probesCallHealthzAndReadyzOnTheAdminPort(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Container container = balancerContainer(Chart.render(helm, valuesFile));
        int adminPort = values.path("adminPort").asInt();

        assertThat(container.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort)
                .contains(tuple("admin", adminPort));
        assertProbe(container, container.getLivenessProbe(), "/healthz", adminPort);
        assertProbe(container, container.getStartupProbe(), "/healthz", adminPort);
        assertProbe(container, container.getReadinessProbe(), "/readyz", adminPort);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void everyObjectCarriesTheStandardLabels(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        JsonNode chart = Chart.chartYaml();
        String version = values.path("image").path("tag").asText("").isEmpty()
                ? chart.path("appVersion").asText()
                : values.path("image").path("tag").asText();
        Chart.Rendered rendered = Chart.render(helm, valuesFile, Chart.SERVICE_MONITOR_API);

        assertThat(rendered.objects()).isNotEmpty().allSatisfy(object -> assertThat(object.getMetadata().getLabels())
                .as(object.getKind() + " " + name(object))
                .containsEntry("app.kubernetes.io/instance", Chart.RELEASE)
                .containsEntry("app.kubernetes.io/version", version)
                .containsEntry("app.kubernetes.io/managed-by", "Helm")
                .containsEntry("helm.sh/chart", chart.path("name").asText() + "-" + chart.path("version").asText())
                .containsKey("app.kubernetes.io/name"));
        assertThat(rendered.installed()).allSatisfy(object -> assertThat(object.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/name", chart.path("name").asText()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void controllerArgumentsFollowTheValues(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        Deployment deployment = balancerDeployment(rendered);
        List<String> args = balancerContainer(rendered).getArgs();

        List<String> expected = new ArrayList<>();
        if (values.path("watchAnyNamespace").asBoolean()) {
            expected.add("--all-namespaces");
        } else {
            texts(values.path("watchNamespaces")).stream().distinct().forEach(ns -> expected.add("--namespace=" + ns));
        }
        if (values.path("leaderElection").path("enabled").asBoolean()) {
            expected.add("--leader-election");
            expected.add("--lease-name=" + values.path("leaderElection").path("leaseName").asText());
        } else {
            expected.add("--no-leader-election");
        }
        // rendered without a cluster, "auto" finds no Gateway API CRDs (HelmGatewayApiTest covers the rest)
        expected.add(values.path("gatewayApi").path("enabled").asText().equals("true") ? "--gateway-api" : "--no-gateway-api");
        expected.add("--admin-port=" + values.path("adminPort").asInt());
        expected.add("--drain-delay=" + values.path("drainDelay").asText());
        expected.add("--drain-timeout=" + values.path("drainTimeout").asText());
        expected.add("--max-connection-age=" + values.path("maxConnectionAge").asText());
        expected.add("--max-connection-age-grace=" + values.path("maxConnectionAgeGrace").asText());
        if (values.path("ioThreads").asInt() > 0) {
            expected.add("--io-threads=" + values.path("ioThreads").asInt());
        }
        expected.add("--log-format=" + values.path("logFormat").asText());
        expected.addAll(texts(values.path("extraArgs")));

        assertThat(args.get(0)).isEqualTo("controller");
        String podSelector = args.stream().filter(a -> a.startsWith("--pod-selector=")).findFirst().orElseThrow();
        assertThat(args.subList(1, args.size())).filteredOn(a -> !a.equals(podSelector))
                .containsExactlyInAnyOrderElementsOf(expected);
        Map<String, String> selector = labels(podSelector.substring("--pod-selector=".length()));
        assertThat(selector).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(selector);
        values.path("podLabels").properties().forEach(label -> {
            if (!selector.containsKey(label.getKey())) {
                assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                        .containsEntry(label.getKey(), label.getValue().asText());
            }
        });
        if (!values.path("autoscaling").path("enabled").asBoolean()) { // else the HPA owns it: HelmAutoscalingTest
            assertThat(deployment.getSpec().getReplicas()).isEqualTo(values.path("replicaCount").asInt());
        }
        assertThat(balancerContainer(rendered).getEnv())
                .anySatisfy(e -> {
                    assertThat(e.getName()).isEqualTo("JAVA_TOOL_OPTIONS");
                    assertThat(e.getValue()).isEqualTo(values.path("jvmOptions").asText());
                })
                .anySatisfy(e -> {
                    assertThat(e.getName()).isEqualTo("POD_NAMESPACE");
                    assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
                })
                .anySatisfy(e -> {
                    assertThat(e.getName()).isEqualTo("POD_NAME");
                    assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void thePodsZoneComesFromTheValuesOrItsOwnZoneLabelAndItsNodeFromTheDownwardApi(String valuesFile) {
        String zone = Chart.values(valuesFile).path("zone").asText();
        List<io.fabric8.kubernetes.api.model.EnvVar> env = balancerContainer(Chart.render(helm, valuesFile)).getEnv();

        assertThat(env).filteredOn(e -> e.getName().equals("GRPC_BALANCER_ZONE")).singleElement().satisfies(e -> {
            if (zone.isEmpty()) {
                assertThat(e.getValueFrom().getFieldRef().getFieldPath())
                        .isEqualTo("metadata.labels['topology.kubernetes.io/zone']");
            } else {
                assertThat(e.getValue()).isEqualTo(zone);
            }
        });
        assertThat(env).filteredOn(e -> e.getName().equals("NODE_NAME")).singleElement()
                .satisfies(e -> assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void gracePeriodCoversTheDrainDelayAndTimeout(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        PodSpec pod = balancerDeployment(Chart.render(helm, valuesFile)).getSpec().getTemplate().getSpec();

        long drain = seconds(values.path("drainDelay").asText()) + seconds(values.path("drainTimeout").asText());
        assertThat(pod.getTerminationGracePeriodSeconds())
                .isEqualTo(drain + values.path("terminationGraceMarginSeconds").asLong())
                .isGreaterThan(drain);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void podDisruptionBudgetOnlyWithMoreThanOneReplica(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        List<PodDisruptionBudget> budgets = rendered.all(PodDisruptionBudget.class);

        boolean expected = values.path("podDisruptionBudget").path("enabled").asBoolean()
                && values.path("replicaCount").asInt() > 1;
        assertThat(budgets).hasSize(expected ? 1 : 0);
        budgets.forEach(budget -> {
            assertThat(budget.getSpec().getSelector().getMatchLabels())
                    .isEqualTo(balancerDeployment(rendered).getSpec().getSelector().getMatchLabels());
            JsonNode maxUnavailable = values.path("podDisruptionBudget").path("maxUnavailable");
            if (maxUnavailable.isNull() || maxUnavailable.isMissingNode()) {
                assertThat(budget.getSpec().getMinAvailable())
                        .isEqualTo(new IntOrString(values.path("podDisruptionBudget").path("minAvailable").asInt()));
            } else {
                assertThat(budget.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(maxUnavailable.asInt()));
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void serviceMonitorOnlyWhenEnabledAndTheApiExists(String valuesFile) {
        boolean enabled = Chart.values(valuesFile).path("metrics").path("serviceMonitor").path("enabled").asBoolean();
        Chart.Rendered withApi = Chart.render(helm, valuesFile, Chart.SERVICE_MONITOR_API);
        Chart.Rendered withoutApi = Chart.render(helm, valuesFile);

        assertThat(withoutApi.ofKind("ServiceMonitor")).isEmpty();
        assertThat(withApi.ofKind("ServiceMonitor")).hasSize(enabled ? 1 : 0);
        for (HasMetadata monitor : withApi.ofKind("ServiceMonitor")) {
            JsonNode spec = Chart.tree(monitor).path("spec");
            Map<String, String> selector = new LinkedHashMap<>();
            spec.path("selector").path("matchLabels").properties()
                    .forEach(e -> selector.put(e.getKey(), e.getValue().asText()));
            assertThat(selector).isNotEmpty();
            assertThat(adminService(withApi).getMetadata().getLabels()).containsAllEntriesOf(selector);
            assertThat(spec.path("endpoints")).hasSize(1);
            assertThat(spec.path("endpoints").get(0).path("port").asText()).isEqualTo("admin");
            assertThat(spec.path("endpoints").get(0).path("path").asText()).isEqualTo("/metrics");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void adminServiceExposesPortAdminOfTheBalancerPods(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        Service admin = adminService(rendered);

        assertThat(admin.getSpec().getType()).isEqualTo(values.path("adminService").path("type").asText());
        assertThat(admin.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("admin");
            assertThat(port.getPort()).isEqualTo(values.path("adminService").path("port").asInt());
            assertThat(port.getTargetPort()).isEqualTo(new IntOrString("admin"));
        });
        assertThat(balancerDeployment(rendered).getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(admin.getSpec().getSelector());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void topologySpreadConstraintsSelectTheBalancerPods(String valuesFile) {
        Deployment deployment = balancerDeployment(Chart.render(helm, valuesFile));
        JsonNode configured = Chart.values(valuesFile).path("topologySpreadConstraints");

        assertThat(deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints())
                .hasSize(configured.size())
                .allSatisfy(c -> assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                        .containsAllEntriesOf(c.getLabelSelector().getMatchLabels()));
    }

    private static void assertProbe(Container container, Probe probe, String path, int adminPort) {
        assertThat(probe).as(path).isNotNull();
        IntOrString port = probe.getHttpGet().getPort();
        int resolved = port.getStrVal() == null
                ? port.getIntVal()
                : container.getPorts().stream().filter(p -> p.getName().equals(port.getStrVal()))
                        .findFirst().orElseThrow().getContainerPort();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(resolved).isEqualTo(adminPort);
    }

    static Deployment balancerDeployment(Chart.Rendered rendered) {
        List<Deployment> deployments = rendered.installed().stream()
                .filter(Deployment.class::isInstance).map(Deployment.class::cast).toList();
        assertThat(deployments).as("balancer Deployments").hasSize(1);
        return deployments.get(0);
    }

    static Container balancerContainer(Chart.Rendered rendered) {
        return balancerDeployment(rendered).getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals("grpc-balancer")).findFirst().orElseThrow();
    }

    private static Service adminService(Chart.Rendered rendered) {
        return rendered.installed().stream().filter(Service.class::isInstance).map(Service.class::cast)
                .filter(s -> s.getSpec().getPorts().stream().map(ServicePort::getName).anyMatch("admin"::equals))
                .findFirst().orElseThrow(() -> new AssertionError("no admin Service"));
    }

    static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    static Map<String, String> labels(String commaSeparated) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : commaSeparated.split(",")) {
            String[] kv = pair.split("=", 2);
            labels.put(kv[0], kv[1]);
        }
        return labels;
    }

    /** Seconds in a duration as the CLI reads it (500ms, 30s, 2m, 1h); milliseconds round up. */
    static long seconds(String duration) {
        Matcher matcher = DURATION.matcher(duration);
        assertThat(matcher.matches()).as(duration).isTrue();
        long n = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> (n + 999) / 1000;
            case "s" -> n;
            case "m" -> n * 60;
            default -> n * 3600;
        };
    }

    static String name(HasMetadata object) {
        return object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
    }
}
