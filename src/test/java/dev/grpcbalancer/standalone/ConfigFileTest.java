package dev.grpcbalancer.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {

    private static final String HEADER = "apiVersion: grpcbalancer.dev/v1alpha1\nkind: GrpcBalancer\n";

    @Test
    void multiDocumentFileYieldsOneBalancerPerDocumentOrderedById() {
        RoutingSnapshot snapshot = valid(HEADER + """
                metadata: {name: greeter, namespace: shop}
                spec:
                  listener: {port: 8080}
                  staticEndpoints: ["10.0.0.1:50051;weight=3", "[::1]:50052", "backend.example.com:50051"]
                  loadBalancing: {policy: LeastRequest}
                ---
                """ + HEADER + """
                metadata: {name: echo}
                spec:
                  listener: {port: 8081}
                  staticEndpoints: ["127.0.0.1:9000"]
                """);

        assertThat(snapshot.balancers()).extracting(BalancerConfig::id)
                .containsExactly(new BalancerId("default", "echo"), new BalancerId("shop", "greeter"));
        BalancerConfig greeter = snapshot.balancer(new BalancerId("shop", "greeter")).orElseThrow();
        assertThat(greeter.listenerPort()).isEqualTo(8080);
        assertThat(greeter.policy()).isEqualTo(LoadBalancingPolicy.LeastRequest);
        assertThat(greeter.backends().endpoints()).containsExactly(
                new Endpoint("10.0.0.1", 50051, 3, EndpointState.READY),
                Endpoint.ready("::1", 50052),
                Endpoint.ready("backend.example.com", 50051));
    }

    @Test
    void resilienceSectionsAreReadFromTheFile() {
        RoutingSnapshot snapshot = valid(HEADER + """
                metadata: {name: greeter}
                spec:
                  listener: {port: 8080}
                  staticEndpoints: ["10.0.0.1:50051"]
                  loadBalancing: {slowStart: {window: 30s}}
                  retry:
                    numRetries: 2
                    retryOn: [unavailable]
                    perTryTimeout: 500ms
                    backoff: {baseInterval: 10ms, maxInterval: 1s}
                    budget: {percent: 25, minRetriesPerSecond: 5}
                    replayBufferBytes: 4096
                  timeouts: {connect: 1s, request: 10s, streamIdle: 5m}
                  outlierDetection: {consecutiveFailures: 3, interval: 5s, baseEjectionTime: 10s, maxEjectionPercent: 50}
                  healthCheck:
                    active: {service: greeter, interval: 2s, timeout: 500ms, healthyThreshold: 1, unhealthyThreshold: 2}
                    panicThreshold: 30
                """);

        BalancerConfig greeter = snapshot.balancers().get(0);
        assertThat(greeter.retry().numRetries()).isEqualTo(2);
        assertThat(greeter.retry().retryOn()).containsExactly(dev.grpcbalancer.snapshot.GrpcCode.UNAVAILABLE);
        assertThat(greeter.retry().replayBufferBytes()).isEqualTo(4096);
        assertThat(greeter.timeouts().streamIdle()).hasMinutes(5);
        assertThat(greeter.outlierDetection().maxEjectionPercent()).isEqualTo(50);
        assertThat(greeter.healthCheck().service()).isEqualTo("greeter");
        assertThat(greeter.healthCheck().panicThresholdPercent()).isEqualTo(30);
        assertThat(greeter.slowStartWindow()).hasSeconds(30);
    }

    @Test
    void hedgingIsReadFromTheFileAndExcludesRetry() {
        RoutingSnapshot snapshot = valid(HEADER + """
                metadata: {name: greeter}
                spec:
                  listener: {port: 8080}
                  staticEndpoints: ["10.0.0.1:50051", "10.0.0.2:50051"]
                  hedging:
                    maxAttempts: 3
                    hedgingDelay: 50ms
                    nonFatalStatusCodes: [unavailable, resource-exhausted]
                """);

        assertThat(snapshot.balancers().get(0).hedging()).isEqualTo(new dev.grpcbalancer.snapshot.HedgingPolicy(3,
                java.time.Duration.ofMillis(50), java.util.Set.of(dev.grpcbalancer.snapshot.GrpcCode.UNAVAILABLE,
                        dev.grpcbalancer.snapshot.GrpcCode.RESOURCE_EXHAUSTED)));
        assertThat(problems(HEADER + """
                metadata: {name: greeter}
                spec:
                  listener: {port: 8080}
                  staticEndpoints: ["10.0.0.1:50051"]
                  retry: {numRetries: 2}
                  hedging: {hedgingDelay: 50ms}
                """)).containsExactly("balancers.yaml: document 1 (default/greeter): spec.hedging: set at most one of"
                + " retry and hedging: a balancer either retries failed attempts or hedges (remove spec.retry or"
                + " spec.hedging)");
    }

    @Test
    void misspeltResilienceFieldAndQuotedNumberAreProblems() {
        String text = HEADER + """
                metadata: {name: greeter}
                spec:
                  listener: {port: 8080}
                  staticEndpoints: ["10.0.0.1:50051"]
                  retry: {numRetry: 2, replayBufferBytes: "4096"}
                """;

        assertThat(problems(text)).containsExactly(
                "balancers.yaml: document 1 (default/greeter): spec.retry.numRetry: unknown field (known: backoff,"
                        + " budget, numRetries, perTryTimeout, replayBufferBytes, retryOn)",
                "balancers.yaml: document 1 (default/greeter): spec.retry.replayBufferBytes: expected an integer,"
                        + " got \"4096\"");
    }

    @Test
    void emptyFileAndCommentOnlyFileAreValidEmptySnapshots() {
        assertThat(valid("")).isEqualTo(RoutingSnapshot.EMPTY);
        assertThat(valid("# no balancers yet\n---\n---\n")).isEqualTo(RoutingSnapshot.EMPTY);
    }

    @Test
    void emptyDocumentsAreIgnoredButCountInDocumentNumbers() {
        String text = "---\n" + balancer("a", 8080, "10.0.0.1:1") + "---\n# nothing here\n---\n"
                + balancer("b", 70000, "10.0.0.1:1");

        assertThat(problems(text)).containsExactly(
                "balancers.yaml: document 3 (default/b): spec.listener.port: must be 1..65535, got 70000");
    }

    @Test
    void portOutOfRangeIsReportedWithDocumentAndField() {
        String text = balancer("other", 8081, "10.0.0.9:1") + "---\n" + HEADER + """
                metadata: {name: greeter, namespace: shop}
                spec:
                  listener: {port: 70000}
                  staticEndpoints: ["10.0.0.1:50051"]
                """;

        assertThat(problems(text)).containsExactly(
                "balancers.yaml: document 2 (shop/greeter): spec.listener.port: must be 1..65535, got 70000");
    }

    @Test
    void misspeltFieldIsReportedAsAnUnknownFieldNotIgnored() {
        String text = HEADER + """
                metadata: {name: greeter}
                spec:
                  listener: {port: 8080}
                  staticEndpoint: ["10.0.0.1:50051"]
                """;

        assertThat(problems(text)).containsExactly(
                "balancers.yaml: document 1 (default/greeter): spec.staticEndpoint: unknown field, did you mean"
                        + " staticEndpoints? (known: backendRef, backendTLS, healthCheck, hedging, listener,"
                        + " loadBalancing, outlierDetection, retry, rules, service, staticEndpoints, timeouts)",
                "balancers.yaml: document 1 (default/greeter): spec: set one of rules, backendRef (a Service)"
                        + " and staticEndpoints");
    }

    @Test
    void everyUnknownFieldOfADocumentIsReported() {
        String text = HEADER + """
                metadata: {name: greeter, lables: {app: greeter}}
                spec:
                  listener: {port: 8080, protocol: h2}
                  staticEndpoints: ["10.0.0.1:50051"]
                  loadBalancing: {algorithm: Random}
                specs: {}
                """;

        assertThat(problems(text)).containsExactly(
                "balancers.yaml: document 1 (default/greeter): spec.listener.protocol: unknown field (known: port, tls)",
                "balancers.yaml: document 1 (default/greeter): spec.loadBalancing.algorithm: unknown field"
                        + " (known: policy, slowStart)",
                "balancers.yaml: document 1 (default/greeter): specs: unknown field, did you mean spec?"
                        + " (known: apiVersion, kind, metadata, spec, status)",
                "balancers.yaml: document 1 (default/greeter): metadata.lables: unknown field, did you mean labels?");
    }

    @Test
    void metadataLabelsAnnotationsNamespaceAndGenerationAreAccepted() {
        RoutingSnapshot snapshot = valid(HEADER + """
                metadata:
                  name: greeter
                  namespace: shop
                  generation: 4
                  labels: {app: greeter}
                  annotations: {owner: "team-a"}
                spec:
                  listener: {port: 8080}
                  staticEndpoints: ["10.0.0.1:50051"]
                """);

        BalancerConfig greeter = snapshot.balancers().get(0);
        assertThat(greeter.id()).isEqualTo(new BalancerId("shop", "greeter"));
        assertThat(greeter.generation()).isEqualTo(4);
    }

    @Test
    void statusOfAnExportedResourceIsAcceptedAndIgnored() {
        RoutingSnapshot snapshot = valid(balancer("greeter", 8080, "10.0.0.1:50051") + """
                status:
                  observedGeneration: 1
                  conditions:
                  - {type: Programmed, status: "True", reason: Programmed, observedGeneration: 1,
                     lastTransitionTime: "2024-01-01T00:00:00Z", message: ""}
                  endpoints: {total: 1, ready: 1, draining: 0}
                  addresses: [{type: IPAddress, value: 10.0.0.100}]
                  fieldOfALaterVersion: {}
                """);

        assertThat(snapshot.balancers()).hasSize(1);
    }

    @Test
    void valueOfTheWrongTypeIsReportedWithFieldAndValue() {
        assertThat(problems(HEADER + "metadata: {name: greeter}\nspec: {listener: {port: abc}}\n")).containsExactly(
                "balancers.yaml: document 1 (default/greeter): spec.listener.port: expected an integer, got \"abc\"");
        assertThat(problems(HEADER + "metadata: {name: greeter}\nspec: {listener: {port: \"8080\"}}\n"))
                .containsExactly("balancers.yaml: document 1 (default/greeter): spec.listener.port:"
                        + " expected an integer, got \"8080\"");
        assertThat(problems(HEADER + "metadata: {name: greeter}\nspec: {listener: {port: 80.5}}\n"))
                .containsExactly("balancers.yaml: document 1 (default/greeter): spec.listener.port:"
                        + " expected an integer, got 80.5");
        assertThat(problems(HEADER + "metadata: {name: greeter}\nspec: {listener: 8080}\n")).containsExactly(
                "balancers.yaml: document 1 (default/greeter): spec.listener: expected a mapping, got 8080");
        assertThat(problems(HEADER + "metadata: {name: g}\nspec: {listener: {port: 1}, staticEndpoints: \"a:1\"}\n"))
                .containsExactly("balancers.yaml: document 1 (default/g): spec.staticEndpoints: expected a list,"
                        + " got \"a:1\"");
    }

    @Test
    void yamlSyntaxErrorIsReportedWithLineAndColumn() {
        String text = balancer("a", 8080, "10.0.0.1:1") + "---\n" + HEADER + """
                metadata: {name: b}
                spec:
                  listener:
                    port: 8081
                   staticEndpoints: ["10.0.0.1:1"]
                """;

        assertThat(problems(text)).containsExactly("balancers.yaml: document 2: invalid YAML at line 14, column 4:"
                + " while parsing a block mapping, expected <block end>, but found '<block mapping start>'");
    }

    @Test
    void unclosedFlowSequenceIsReportedWhereTheParserGaveUp() {
        assertThat(problems(HEADER + "metadata: {name: a}\nspec: {listener: {port: 1}, staticEndpoints: [\"a:1\"\n"))
                .singleElement().asString()
                .startsWith("balancers.yaml: document 1: invalid YAML at line ")
                .contains("while parsing a flow sequence");
    }

    @Test
    void duplicateKeyIsASyntaxError() {
        assertThat(problems(HEADER + "metadata: {name: a}\nspec: {listener: {port: 1, port: 2}}\n"))
                .singleElement().asString()
                .startsWith("balancers.yaml: document 1: invalid YAML at line 4")
                .endsWith("Duplicate field 'port'");
    }

    @Test
    void wrongApiVersionOrKindIsReported() {
        String text = """
                apiVersion: v1
                kind: Service
                metadata: {name: greeter}
                ---
                kind: GrpcBalancer
                metadata: {name: other}
                """;

        assertThat(problems(text)).containsExactly(
                "balancers.yaml: document 1 (default/greeter): apiVersion: must be grpcbalancer.dev/v1alpha1, got \"v1\"",
                "balancers.yaml: document 1 (default/greeter): kind: must be GrpcBalancer, got \"Service\"",
                "balancers.yaml: document 2 (default/other): apiVersion: required, must be grpcbalancer.dev/v1alpha1");
    }

    @Test
    void documentThatIsNotAMappingIsReported() {
        assertThat(problems("- 10.0.0.1:1\n")).containsExactly(
                "balancers.yaml: document 1: expected a GrpcBalancer mapping, got a list");
    }

    @Test
    void sameNamespaceAndNameTwiceIsReported() {
        String text = balancer("greeter", 8080, "10.0.0.1:1") + "---\n" + HEADER + """
                metadata: {name: greeter, namespace: default}
                spec: {listener: {port: 8081}, staticEndpoints: ["10.0.0.1:1"]}
                """;

        assertThat(problems(text)).containsExactly(
                "balancers.yaml: document 2 (default/greeter): metadata.name: default/greeter is already defined"
                        + " by document 1");
    }

    @Test
    void sameNameInAnotherNamespaceIsAnotherBalancer() {
        String text = balancer("greeter", 8080, "10.0.0.1:1") + "---\n" + HEADER + """
                metadata: {name: greeter, namespace: shop}
                spec: {listener: {port: 8081}, staticEndpoints: ["10.0.0.1:1"]}
                """;

        assertThat(valid(text).balancers()).hasSize(2);
    }

    @Test
    void twoBalancersOnOneListenerPortAreReportedNamingBoth() {
        String text = balancer("greeter", 8080, "10.0.0.1:1") + "---\n" + balancer("echo", 8080, "10.0.0.2:1");

        assertThat(problems(text)).containsExactly(
                "balancers.yaml: document 2 (default/echo): spec.listener.port: port 8080 is already used by"
                        + " document 1 (default/greeter)");
    }

    @Test
    void anyProblemRejectsTheWholeFile() {
        ConfigLoad load = ConfigFile.parse("balancers.yaml", bytes(balancer("good", 8080, "10.0.0.1:1")
                + "---\n" + balancer("bad", 8081, "10.0.0.1")));

        assertThat(load.isValid()).isFalse();
        assertThat(load.problems()).hasSize(1);
        assertThatThrownBy(load::snapshot).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void backendRefIsRejectedInStandaloneMode() {
        String text = HEADER + """
                metadata: {name: greeter}
                spec:
                  listener: {port: 8080}
                  backendRef: {name: greeter, port: 50051}
                """;

        assertThat(problems(text)).containsExactly("balancers.yaml: document 1 (default/greeter): spec.backendRef:"
                + " needs the Kubernetes controller (the controller command); standalone mode takes spec.staticEndpoints");
    }

    @Test
    void badEndpointsAreReportedWithTheirIndex() {
        String text = balancer("greeter", 8080, "10.0.0.1:1", "::1:2", "10.0.0.1:1;weight=2", "10.0.0.3:3;weight=0");

        assertThat(problems(text)).containsExactly(
                "balancers.yaml: document 1 (default/greeter): spec.staticEndpoints[1]: an IPv6 address must be in"
                        + " brackets, as in [::1]:50051, got \"::1:2\"",
                "balancers.yaml: document 1 (default/greeter): spec.staticEndpoints[2]: duplicate of"
                        + " spec.staticEndpoints[0] (both are 10.0.0.1:1)",
                "balancers.yaml: document 1 (default/greeter): spec.staticEndpoints[3]: weight must be 1..1000,"
                        + " got 0 in \"10.0.0.3:3;weight=0\"");
    }

    @Test
    void loadReadsTheFile(@TempDir Path directory) throws IOException {
        Path file = directory.resolve("balancers.yaml");
        Files.writeString(file, balancer("greeter", 8080, "10.0.0.1:1"));

        assertThat(ConfigFile.load(file).snapshot().balancers()).hasSize(1);
    }

    @Test
    void missingFileIsAProblemNamingTheFile(@TempDir Path directory) {
        Path file = directory.resolve("missing.yaml");

        assertThat(ConfigFile.load(file).problems()).extracting(ConfigProblem::toString)
                .containsExactly(file + ": cannot read the file: no such file");
    }

    @Test
    void directoryIsAProblem(@TempDir Path directory) {
        assertThat(ConfigFile.load(directory).problems()).singleElement().asString()
                .startsWith(directory + ": cannot read the file: ");
    }

    static String balancer(String name, int port, String... endpoints) {
        return HEADER + "metadata: {name: " + name + "}\nspec:\n  listener: {port: " + port + "}\n"
                + "  staticEndpoints: [" + String.join(", ", java.util.Arrays.stream(endpoints)
                        .map(e -> "\"" + e + "\"").toList()) + "]\n";
    }

    private static RoutingSnapshot valid(String text) {
        ConfigLoad load = ConfigFile.parse("balancers.yaml", bytes(text));
        assertThat(load.problems()).isEmpty();
        return load.snapshot();
    }

    private static java.util.List<String> problems(String text) {
        return ConfigFile.parse("balancers.yaml", bytes(text)).problems().stream().map(ConfigProblem::toString).toList();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
