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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart's RBAC grants the controller's service account exactly the API calls the controller
 * makes, in exactly the namespaces it makes them in: no more, no wildcards.
 */
class HelmRbacTest extends HelmChartTest {

    /** Scope of a grant: a namespace, or {@link #CLUSTER} for a ClusterRole. */
    private static final String CLUSTER = "<cluster>";

    /** What the controller does in every namespace it watches. */
    private static final Map<String, Set<String>> WATCHED = Map.of(
            "grpcbalancer.dev/grpcbalancers", Set.of("get", "list", "watch"),
            "grpcbalancer.dev/grpcbalancers/status", Set.of("patch"),
            "/services", Set.of("list", "watch"),
            "discovery.k8s.io/endpointslices", Set.of("list", "watch"),
            "/secrets", Set.of("list", "watch"),
            "/configmaps", Set.of("list", "watch"),
            "events.k8s.io/events", Set.of("create", "patch"));




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

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void serviceAccountGetsExactlyTheControllersCallsPerNamespace(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        String account = balancerServiceAccount(rendered);

        Map<String, Map<String, Set<String>>> expected = new TreeMap<>();
        if (values.path("rbac").path("create").asBoolean()) {
            if (values.path("watchAnyNamespace").asBoolean()) {
                grant(expected, CLUSTER, WATCHED);
            } else {
                List<String> watched = HelmTemplateTest.texts(values.path("watchNamespaces"));
                for (String namespace : watched.isEmpty() ? List.of(Chart.NAMESPACE) : watched) {
                    grant(expected, namespace, WATCHED);
                }
            }
            grant(expected, Chart.NAMESPACE, Map.of("/services", Set.of("create", "update", "delete", "list", "watch")));
            if (values.path("leaderElection").path("enabled").asBoolean()) {
                grant(expected, Chart.NAMESPACE, Map.of("coordination.k8s.io/leases", Set.of("get", "create", "update")));
            }
        }

        assertThat(granted(rendered, account)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void clusterRoleOnlyWhenWatchingEveryNamespace(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Chart.Rendered rendered = Chart.render(helm, valuesFile);
        boolean rbac = values.path("rbac").path("create").asBoolean();
        boolean any = values.path("watchAnyNamespace").asBoolean();

        assertThat(rendered.all(ClusterRole.class)).hasSize(rbac && any ? 1 : 0);
        assertThat(rendered.all(ClusterRoleBinding.class)).hasSize(rbac && any ? 1 : 0);
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
    void leaseGetAndUpdateAreLimitedToTheLeaseName(String valuesFile) {
        JsonNode values = Chart.values(valuesFile);
        Chart.Rendered rendered = Chart.render(helm, valuesFile);

        assertThat(rules(rendered))
                .filteredOn(rule -> rule.getResources().contains("leases"))
                .filteredOn(rule -> rule.getVerbs().contains("get") || rule.getVerbs().contains("update"))
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
     * "group/resource" to verbs, per scope, that the bindings of the render give the service
     * account (in the release namespace).
     */
    private static Map<String, Map<String, Set<String>>> granted(Chart.Rendered rendered, String account) {
        Map<String, Map<String, Set<String>>> granted = new TreeMap<>();
        for (RoleBinding binding : rendered.all(RoleBinding.class)) {
            if (bindsAccount(binding.getSubjects(), account)) {
                String namespace = binding.getMetadata().getNamespace();
                grant(granted, namespace, rulesOf(rendered, binding.getRoleRef(), namespace));
            }
        }
        for (ClusterRoleBinding binding : rendered.all(ClusterRoleBinding.class)) {
            if (bindsAccount(binding.getSubjects(), account)) {
                grant(granted, CLUSTER, rulesOf(rendered, binding.getRoleRef(), null));
            }
        }
        return granted;
    }

    private static boolean bindsAccount(List<Subject> subjects, String account) {
        return subjects.stream().anyMatch(s -> s.getKind().equals("ServiceAccount")
                && s.getName().equals(account) && Chart.NAMESPACE.equals(s.getNamespace()));
    }

    private static Map<String, Set<String>> rulesOf(Chart.Rendered rendered, RoleRef ref, String namespace) {
        assertThat(ref.getApiGroup()).isEqualTo("rbac.authorization.k8s.io");
        List<? extends HasMetadata> roles = ref.getKind().equals("ClusterRole")
                ? rendered.all(ClusterRole.class) : rendered.all(Role.class);
        HasMetadata role = roles.stream()
                .filter(r -> r.getMetadata().getName().equals(ref.getName()))
                .filter(r -> namespace == null || ref.getKind().equals("ClusterRole")
                        || namespace.equals(r.getMetadata().getNamespace()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("binding refers to a missing " + ref.getKind() + " " + ref.getName()));
        List<PolicyRule> rules = role instanceof Role r ? r.getRules() : ((ClusterRole) role).getRules();
        Map<String, Set<String>> verbs = new TreeMap<>();
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    verbs.computeIfAbsent(group + "/" + resource, k -> new TreeSet<>()).addAll(rule.getVerbs());
                }
            }
        }
        return verbs;
    }

    private static void grant(Map<String, Map<String, Set<String>>> grants, String scope, Map<String, Set<String>> verbs) {
        Map<String, Set<String>> inScope = grants.computeIfAbsent(scope, k -> new TreeMap<>());
        verbs.forEach((resource, v) -> inScope.computeIfAbsent(resource, k -> new TreeSet<>()).addAll(new LinkedHashSet<>(v)));
    }
}
