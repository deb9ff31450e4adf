package dev.grpcbalancer.controller.crd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.grpcbalancer.controller.translate.StaticEndpoints;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The GrpcBalancer CRD: the copy committed in {@code crds/} is the one the build generates from
 * the model, and the generated one carries the validation, defaults and columns users rely on.
 */
class CrdManifestTest {

    private static final String FILE_NAME = "grpcbalancers.grpcbalancer.dev-v1.yml";
    private static final Path BASE_DIR = Path.of(System.getProperty("basedir", "."));
    private static final Path GENERATED = BASE_DIR.resolve("target/crds").resolve(FILE_NAME);
    private static final Path COMMITTED = BASE_DIR.resolve("crds").resolve(FILE_NAME);
    private static final String REFRESH =
            "mvn -B -q process-test-classes && cp target/crds/" + FILE_NAME + " crds/";

    private static JsonNode crd;
    private static JsonNode version;
    private static JsonNode spec;

    @BeforeAll
    static void readGenerated() throws IOException {
        crd = new ObjectMapper(new YAMLFactory()).readTree(read(GENERATED, "generated"));
        assertThat(crd.path("spec").path("versions")).as("versions").hasSize(1);
        version = crd.path("spec").path("versions").get(0);
        spec = schema().path("properties").path("spec");
    }

    @Test
    void committedCrdIsTheGeneratedOne() throws IOException {
        String generated = read(GENERATED, "generated");
        String committed = read(COMMITTED, "committed");

        if (!committed.equals(generated)) {
            fail("crds/%s differs from the CRD generated from dev.grpcbalancer.controller.crd; "
                    + "if the model change is intended, refresh the committed copy with%n  %s%n"
                    + "and commit it. Diff starts at line %d.", FILE_NAME, REFRESH, firstDifferentLine(committed, generated));
        }
    }

    @Test
    void resourceKeepsItsNamesScopeAndStatusSubresource() {
        assertThat(crd.path("apiVersion").asText()).isEqualTo("apiextensions.k8s.io/v1");
        assertThat(crd.path("metadata").path("name").asText()).isEqualTo("grpcbalancers.grpcbalancer.dev");
        JsonNode crdSpec = crd.path("spec");
        assertThat(crdSpec.path("group").asText()).isEqualTo("grpcbalancer.dev");
        assertThat(crdSpec.path("scope").asText()).isEqualTo("Namespaced");
        JsonNode names = crdSpec.path("names");
        assertThat(names.path("kind").asText()).isEqualTo("GrpcBalancer");
        assertThat(names.path("plural").asText()).isEqualTo("grpcbalancers");
        assertThat(texts(names.path("shortNames"))).containsExactly("gbal");
        assertThat(texts(names.path("categories"))).containsExactly("grpc");
        assertThat(version.path("name").asText()).isEqualTo("v1alpha1");
        assertThat(version.path("served").asBoolean()).isTrue();
        assertThat(version.path("storage").asBoolean()).isTrue();
        assertThat(version.path("subresources").has("status")).as("status subresource").isTrue();
    }

    @Test
    void kubectlGetShowsTheColumnsInOrderWithReasonOnlyInWideOutput() {
        List<String> columns = new ArrayList<>();
        for (JsonNode column : version.path("additionalPrinterColumns")) {
            columns.add(column.path("name").asText() + " " + column.path("type").asText() + " "
                    + column.path("priority").asInt() + " " + column.path("jsonPath").asText());
        }

        assertThat(columns).containsExactly(
                "Port integer 0 .spec.listener.port",
                "Service string 0 .spec.backendRef.name",
                "Rules integer 0 .status.ruleCount",
                "Policy string 0 .spec.loadBalancing.policy",
                "Ready string 0 .status.readyEndpoints",
                "Programmed string 0 .status.conditions[?(@.type==\"Programmed\")].status",
                "Address string 0 .status.addresses[0].value",
                "Age date 0 .metadata.creationTimestamp",
                "Reason string 1 .status.conditions[?(@.status==\"False\")].reason");
    }

    @Test
    void specAndListenerPortAreRequired() {
        assertThat(texts(schema().path("required"))).containsExactly("spec");
        assertThat(texts(spec.path("required"))).containsExactly("listener");
        JsonNode listener = spec.path("properties").path("listener");
        assertThat(texts(listener.path("required"))).containsExactly("port");
        assertPortRange(listener.path("properties").path("port"));
    }

    @Test
    void exactlyOneOfRulesBackendRefAndStaticEndpointsIsACelRuleOnSpec() {
        JsonNode rule = celRule(spec, "(has(self.backendRef) ? 1 : 0)"
                + " + (has(self.staticEndpoints) ? 1 : 0) + (has(self.rules) ? 1 : 0) == 1");

        assertThat(rule.path("message").asText())
                .isEqualTo("set exactly one of rules, backendRef (a Service) and staticEndpoints");
    }

    @Test
    void retryAndHedgingExcludeEachOtherInACelRuleOnSpecAndOnEachRule() {
        assertThat(celRule(spec, "!(has(self.retry) && has(self.hedging))").path("message").asText())
                .isEqualTo("set at most one of retry and hedging: a balancer either retries failed attempts or hedges");
        JsonNode rule = spec.path("properties").path("rules").path("items");
        assertThat(celRule(rule, "!(has(self.retry) && has(self.hedging))").path("message").asText())
                .isEqualTo("set at most one of retry and hedging: a rule either retries failed attempts or hedges");
    }

    @Test
    void hedgingNeedsADelayAndTakesTwoToFiveAttempts() {
        JsonNode hedging = spec.path("properties").path("hedging");

        assertThat(texts(hedging.path("required"))).containsExactly("hedgingDelay");
        JsonNode maxAttempts = hedging.path("properties").path("maxAttempts");
        assertThat(maxAttempts.path("minimum").asInt()).isEqualTo(2);
        assertThat(maxAttempts.path("maximum").asInt()).isEqualTo(5);
        assertThat(hedging.path("properties").path("nonFatalStatusCodes").path("type").asText()).isEqualTo("array");
        JsonNode ruleHedging = spec.path("properties").path("rules").path("items").path("properties").path("hedging");
        assertThat(ruleHedging.path("properties")).as("a rule's own").isEqualTo(hedging.path("properties"));
        assertThat(ruleHedging.path("required")).isEqualTo(hedging.path("required"));
    }

    private static JsonNode celRule(JsonNode schema, String rule) {
        for (JsonNode candidate : schema.path("x-kubernetes-validations")) {
            if (candidate.path("rule").asText().equals(rule)) {
                return candidate;
            }
        }
        throw new AssertionError("no CEL rule " + rule + " in " + schema.path("x-kubernetes-validations"));
    }

    @Test
    void aRuleNeedsBackendRefsEachAServiceOrStaticEndpointsWithAWeight() {
        JsonNode rule = spec.path("properties").path("rules").path("items");
        assertThat(spec.path("properties").path("rules").path("maxItems").asInt()).isEqualTo(500);
        assertThat(texts(rule.path("required"))).containsExactly("backendRefs");
        assertThat(rule.path("properties").path("matches").path("maxItems").asInt()).isEqualTo(8);
        JsonNode ref = rule.path("properties").path("backendRefs").path("items");
        assertThat(ref.path("x-kubernetes-validations").findValuesAsText("rule")).containsExactlyInAnyOrder(
                "has(self.name) != has(self.staticEndpoints)", "has(self.name) == has(self.port)");
        assertThat(ref.path("properties").path("weight").path("minimum").asInt()).isZero();
        assertThat(ref.path("properties").path("weight").path("maximum").asInt()).isEqualTo(1_000_000);
        JsonNode method = rule.path("properties").path("matches").path("items").path("properties").path("method");
        assertThat(texts(method.path("properties").path("type").path("enum")))
                .containsExactly("Exact", "RegularExpression");
        assertThat(method.path("properties").path("type").path("default").asText()).isEqualTo("Exact");
    }

    @Test
    void backendRefNeedsAServiceNameAndAServicePort() {
        JsonNode backendRef = spec.path("properties").path("backendRef");
        assertThat(texts(backendRef.path("required"))).containsExactlyInAnyOrder("name", "port");
        JsonNode name = backendRef.path("properties").path("name");
        assertThat(name.path("maxLength").asInt()).isEqualTo(63);
        assertThat(name.path("minLength").asInt()).isEqualTo(1);
        Pattern pattern = Pattern.compile(name.path("pattern").asText());
        assertThat(List.of("greeter", "a", "grpc-backend-2")).allMatch(n -> pattern.matcher(n).matches());
        assertThat(List.of("Greeter", "2fast", "-greeter", "greeter-", "shop.greeter", "greeter_v2"))
                .noneMatch(n -> pattern.matcher(n).matches());
        assertPortRange(backendRef.path("properties").path("port"));
    }

    @Test
    void staticEndpointsAreBoundedInCountAndLength() {
        JsonNode staticEndpoints = spec.path("properties").path("staticEndpoints");

        assertThat(staticEndpoints.path("minItems").asInt()).isEqualTo(1);
        assertThat(staticEndpoints.path("maxItems").asInt()).isEqualTo(StaticEndpoints.MAX_ENTRIES);
        assertThat(staticEndpoints.path("items").path("type").asText()).isEqualTo("string");
        assertThat(staticEndpoints.path("items").path("maxLength").asInt()).isEqualTo(300);
    }

    /** The schema's pattern is a loose pre-check: it must never reject an entry the controller accepts. */
    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:50051", "[::1]:50052", "[::ffff:10.0.0.1]:1", "backend.example.com:50051",
        "greeter.shop.svc.cluster.local.:50051", "10.0.0.1:50051;weight=3", "[::1]:1;weight=1000"})
    void staticEndpointPatternAcceptsWhatTheControllerAccepts(String entry) {
        StaticEndpoints.parse(entry);

        assertThat(staticEndpointPattern().matcher(entry).matches()).as(entry).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"greeter", "greeter:", ":50051", "a b:50051", "10.0.0.1:50051;", "10.0.0.1:50051;w=1",
        "10.0.0.1:123456"})
    void staticEndpointPatternRejectsEntriesWithoutAHostAndPort(String entry) {
        assertThat(staticEndpointPattern().matcher(entry).matches()).as(entry).isFalse();
    }

    @Test
    void policyIsOneOfTheImplementedPoliciesAndDefaultsToRoundRobin() {
        JsonNode policy = spec.path("properties").path("loadBalancing").path("properties").path("policy");

        assertThat(texts(policy.path("enum"))).containsExactlyInAnyOrderElementsOf(LoadBalancingPolicy.names());
        assertThat(policy.path("default").asText()).isEqualTo("RoundRobin");
        // default {} on the object makes the API server apply the policy default when loadBalancing
        // is left out, so kubectl's POLICY column shows RoundRobin instead of nothing.
        JsonNode loadBalancingDefault = spec.path("properties").path("loadBalancing").path("default");
        assertThat(loadBalancingDefault.isObject() && loadBalancingDefault.isEmpty()).as(loadBalancingDefault.toString())
                .isTrue();
    }

    @Test
    void serviceTypeIsAKubernetesServiceTypeOrNoneAndDefaultsToClusterIp() {
        JsonNode type = spec.path("properties").path("service").path("properties").path("type");

        assertThat(texts(type.path("enum"))).containsExactlyInAnyOrder(ManagedServiceSpec.CLUSTER_IP,
                ManagedServiceSpec.NODE_PORT, ManagedServiceSpec.LOAD_BALANCER, ManagedServiceSpec.NONE);
        assertThat(type.path("default").asText()).isEqualTo(ManagedServiceSpec.CLUSTER_IP);
    }

    @Test
    void listenerTlsTakesOneToFourCertificateRefsAndAClientValidationMode() {
        JsonNode tls = spec.path("properties").path("listener").path("properties").path("tls");
        JsonNode certificateRefs = tls.path("properties").path("certificateRefs");
        JsonNode clientValidation = tls.path("properties").path("clientValidation");

        assertThat(texts(tls.path("required"))).containsExactly("certificateRefs");
        assertThat(certificateRefs.path("minItems").asInt()).isEqualTo(1);
        assertThat(certificateRefs.path("maxItems").asInt()).isEqualTo(4);
        assertCertificateRef(certificateRefs.path("items"));
        assertThat(texts(clientValidation.path("required"))).containsExactly("caCertificateRefs");
        assertCertificateRef(clientValidation.path("properties").path("caCertificateRefs").path("items"));
        JsonNode mode = clientValidation.path("properties").path("mode");
        assertThat(texts(mode.path("enum"))).containsExactlyInAnyOrder(ClientValidationSpec.REQUIRE,
                ClientValidationSpec.ALLOW_MISSING);
        assertThat(mode.path("default").asText()).isEqualTo(ClientValidationSpec.REQUIRE);
    }

    @Test
    void backendTlsNeedsAHostnameAndExactlyOneSourceOfTrustedCas() {
        JsonNode backendTls = spec.path("properties").path("backendTLS");
        JsonNode properties = backendTls.path("properties");

        assertThat(fieldNames(properties)).containsExactlyInAnyOrder("caCertificateRefs", "wellKnownCACertificates",
                "hostname", "clientCertificateRef");
        assertThat(texts(backendTls.path("required"))).containsExactly("hostname");
        assertThat(backendTls.path("x-kubernetes-validations").get(0).path("rule").asText())
                .isEqualTo("has(self.caCertificateRefs) != has(self.wellKnownCACertificates)");
        assertThat(texts(properties.path("wellKnownCACertificates").path("enum"))).containsExactly("System");
        assertThat(properties.path("hostname").path("maxLength").asInt()).isEqualTo(253);
        assertCertificateRef(properties.path("caCertificateRefs").path("items"));
        assertCertificateRef(properties.path("clientCertificateRef"));
    }

    /** Gateway API's reference shape: group (core only), kind, name. */
    private static void assertCertificateRef(JsonNode ref) {
        assertThat(fieldNames(ref.path("properties"))).containsExactlyInAnyOrder("group", "kind", "name");
        assertThat(texts(ref.path("required"))).containsExactly("name");
        assertThat(texts(ref.path("properties").path("kind").path("enum"))).containsExactlyInAnyOrder(
                CertificateRef.SECRET, CertificateRef.CONFIG_MAP, CertificateRef.DIRECTORY);
        assertThat(ref.path("properties").path("group").path("pattern").asText()).isEqualTo("^$");
    }

    @Test
    void statusHasTheFieldsTheColumnsRead() {
        JsonNode status = schema().path("properties").path("status").path("properties");

        assertThat(status.path("readyEndpoints").path("type").asText()).isEqualTo("string");
        assertThat(status.path("observedGeneration").path("type").asText()).isEqualTo("integer");
        assertThat(status.path("addresses").path("items").path("properties").path("value").path("type").asText())
                .isEqualTo("string");
        assertThat(fieldNames(status.path("conditions").path("items").path("properties")))
                .containsExactlyInAnyOrder("type", "status", "reason", "message", "observedGeneration",
                        "lastTransitionTime");
        assertThat(fieldNames(status.path("endpoints").path("properties")))
                .containsExactlyInAnyOrder("total", "ready", "draining");
    }

    private static void assertPortRange(JsonNode port) {
        assertThat(port.path("type").asText()).isEqualTo("integer");
        assertThat(port.path("minimum").asDouble()).isEqualTo(1);
        assertThat(port.path("maximum").asDouble()).isEqualTo(65535);
    }

    private static Pattern staticEndpointPattern() {
        return Pattern.compile(spec.path("properties").path("staticEndpoints").path("items").path("pattern").asText());
    }

    private static JsonNode schema() {
        return version.path("schema").path("openAPIV3Schema");
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String read(Path file, String which) throws IOException {
        if (!Files.isRegularFile(file)) {
            fail("no %s CRD at %s; the build writes it in phase process-test-classes "
                    + "(crd-generator-maven-plugin, then PrinterColumnOrder). Run%n  %s", which, file.toAbsolutePath(), REFRESH);
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    private static int firstDifferentLine(String a, String b) {
        String[] left = a.split("\n", -1);
        String[] right = b.split("\n", -1);
        int line = 0;
        while (line < left.length && line < right.length && left[line].equals(right[line])) {
            line++;
        }
        return line + 1;
    }
}
