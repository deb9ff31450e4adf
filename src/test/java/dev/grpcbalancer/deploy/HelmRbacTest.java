package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import dev.grpcbalancer.controller.ControllerSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart's RBAC grants the controller's service account exactly the API calls the controller
 * makes, in exactly the namespaces it makes them in: no more, no wildcards. What the controller
 * makes is recorded from the controller itself ({@link ControllerScenario}), not written down here.
 */
class HelmRbacTest extends HelmChartTest {

    /** Scope of a grant: a namespace, or {@link #CLUSTER} for a ClusterRole. */
    private static final String CLUSTER = "<cluster>";

    /** Recorded requests of each controller configuration: the scenario runs once per distinct one. */
    private static final Map<ControllerSettings, Set<ApiRequest>> SCENARIOS = new ConcurrentHashMap<>();

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void noRuleHasAWildcard(String valuesFile) {
        Chart.Rendered rendered = Chart.render(helm, valuesFile);

        assertThat(rules(rendered)).allSatisfy(rule -> {
            assertThat(rule.getApiGroups()).doesNotContain("*");
            assertThat(rule.getResources()).isNotEmpty().noneMatch(r -> r.contains("*"));
            assertThat(rule.getVerbs()).isNotEmpty().doesNotContain("*");
            assertThat(rule.getNonResourceURLs()).isEmpty();
        });
    }

    /**
     * The controller, configured by the command line the chart renders, runs its whole scenario
     * ({@link ControllerScenario}) against the mock API server; every request it made must be
     * allowed by the rules bound to the chart's service account, and every rule must have allowed
     * at least one of them.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void serviceAccountIsGrantedExactlyWhatTheControllerAsksFor(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Assumptions.assumeTrue(values.path("rbac").path("create").asBoolean(),
                "rbac.create=false: the user grants the controller's requests (noRbac... asserts no rule is rendered)");
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        Deployment deployment = HelmTemplateTest.balancerDeployment(rendered);
        ControllerSettings settings = ControllerScenario.settings(
                deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs(), Chart.NAMESPACE);
        List<Grant> grants = grants(rendered, balancerServiceAccount(rendered));

        Set<ApiRequest> requests = SCENARIOS.computeIfAbsent(settings, HelmRbacTest::runScenario);

        assertThat(requests.stream().filter(r -> grants.stream().noneMatch(g -> g.allows(r))).toList())
                .as("requests of the controller that the chart's RBAC does not allow (grants: %s)", grants)
                .isEmpty();
        assertThat(grants.stream().filter(g -> requests.stream().noneMatch(g::allows)).toList())
                .as("grants the controller never used in the scenario (requests: %s)", requests)
                .isEmpty();
    }

    private static Set<ApiRequest> runScenario(ControllerSettings settings) {
        try {
            return ControllerScenario.run(settings);
        } catch (Exception e) {
            throw new AssertionError("scenario failed for " + settings, e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void clusterRoleOnlyWhenWatchingEveryNamespaceOrServingTheGatewayApi(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        boolean rbac = values.path("rbac").path("create").asBoolean();
        boolean any = values.path("watchAnyNamespace").asBoolean();
        // rendered without a cluster, "auto" finds no Gateway API CRDs
        boolean gatewayApi = values.path("gatewayApi").path("enabled").asText().equals("true");

        assertThat(rendered.all(ClusterRole.class)).hasSize(rbac && (any || gatewayApi) ? 1 : 0);
        assertThat(rendered.all(ClusterRoleBinding.class)).hasSize(rbac && (any || gatewayApi) ? 1 : 0);
        if (rbac && any) {
            assertThat(rendered.all(Role.class)).extracting(r -> r.getMetadata().getNamespace())
                    .containsExactly(Chart.NAMESPACE);
        }
        if (!rbac) {
            assertThat(rendered.all(Role.class)).isEmpty();
            assertThat(rendered.all(RoleBinding.class)).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void leaseReadsAndWritesAreLimitedToTheLeaseName(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Chart.Rendered rendered = Chart.render(helm, valuesFile);

        assertThat(rules(rendered))
                .filteredOn(rule -> rule.getResources().contains("leases"))
                .filteredOn(rule -> !rule.getVerbs().contains("create"))
                .allSatisfy(rule -> assertThat(rule.getResourceNames())
                        .containsExactly(values.path("leaderElection").path("leaseName").asText()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void deploymentRunsAsTheServiceAccountTheChartCreatesOrNames(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        String account = balancerServiceAccount(rendered);
        List<ServiceAccount> accounts = rendered.all(ServiceAccount.class);

        if (values.path("serviceAccount").path("create").asBoolean()) {
            assertThat(accounts).singleElement().satisfies(sa -> {
                assertThat(sa.getMetadata().getName()).isEqualTo(account);
                assertThat(sa.getMetadata().getNamespace()).isEqualTo(Chart.NAMESPACE);
            });
        } else {
            assertThat(accounts).isEmpty();
            assertThat(account).isEqualTo(values.path("serviceAccount").path("name").asText());
        }
    }

    private static String balancerServiceAccount(Chart.Rendered rendered) {
        Deployment deployment = HelmTemplateTest.balancerDeployment(rendered);
        return deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
    }

    private static List<PolicyRule> rules(Chart.Rendered rendered) {
        List<PolicyRule> rules = new ArrayList<>();
        rendered.all(Role.class).forEach(r -> rules.addAll(r.getRules()));
        rendered.all(ClusterRole.class).forEach(r -> rules.addAll(r.getRules()));
        return rules;
    }

    /**
     * One verb on one resource, in one scope (a namespace, or {@link #CLUSTER}), maybe limited to
     * some object names: a rule bound to the service account, split up.
     */
    record Grant(String scope, String group, String resource, String verb, List<String> resourceNames) {

        boolean allows(ApiRequest request) {
            return group.equals(request.group()) && resource.equals(request.resource()) && verb.equals(request.verb())
                    && (scope.equals(CLUSTER) || scope.equals(request.namespace()))
                    && (resourceNames.isEmpty() || resourceNames.contains(request.name()));
        }

        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? "" : group + "/") + resource + " in " + scope
                    + (resourceNames.isEmpty() ? "" : " " + resourceNames);
        }
    }

    /** The grants the bindings of the render give the service account (in the release namespace). */
    private static List<Grant> grants(Chart.Rendered rendered, String account) {
        List<Grant> grants = new ArrayList<>();
        for (RoleBinding binding : rendered.all(RoleBinding.class)) {
            if (bindsAccount(binding.getSubjects(), account)) {
                String namespace = binding.getMetadata().getNamespace();
                grants.addAll(split(rulesOf(rendered, binding.getRoleRef(), namespace), namespace));
            }
        }
        for (ClusterRoleBinding binding : rendered.all(ClusterRoleBinding.class)) {
            if (bindsAccount(binding.getSubjects(), account)) {
                grants.addAll(split(rulesOf(rendered, binding.getRoleRef(), null), CLUSTER));
            }
        }
        return grants;
    }

    private static boolean bindsAccount(List<Subject> subjects, String account) {
        return subjects.stream().anyMatch(s -> s.getKind().equals("ServiceAccount")
                && s.getName().equals(account) && Chart.NAMESPACE.equals(s.getNamespace()));
    }

    private static List<PolicyRule> rulesOf(Chart.Rendered rendered, RoleRef ref, String namespace) {
        assertThat(ref.getApiGroup()).isEqualTo("rbac.authorization.k8s.io");
        List<? extends HasMetadata> roles = ref.getKind().equals("ClusterRole")
                ? rendered.all(ClusterRole.class) : rendered.all(Role.class);
        HasMetadata role = roles.stream()
                .filter(r -> r.getMetadata().getName().equals(ref.getName()))
                .filter(r -> namespace == null || ref.getKind().equals("ClusterRole")
                        || namespace.equals(r.getMetadata().getNamespace()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("binding refers to a missing " + ref.getKind() + " " + ref.getName()));
        return role instanceof Role r ? r.getRules() : ((ClusterRole) role).getRules();
    }

    private static List<Grant> split(List<PolicyRule> rules, String scope) {
        List<Grant> grants = new ArrayList<>();
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        grants.add(new Grant(scope, group, resource, verb, List.copyOf(rule.getResourceNames())));
                    }
                }
            }
        }
        return grants;
    }
}
