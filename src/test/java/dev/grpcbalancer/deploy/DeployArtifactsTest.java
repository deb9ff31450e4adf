package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * What is committed next to the chart stays in step with it: the CRD copies, the plain manifests
 * in deploy/, the example, the Dockerfile and the Maven image profile.
 */
class DeployArtifactsTest {

    private static final Path REPO = Helm.REPO;
    private static final Path MANIFEST = REPO.resolve("deploy/grpc-balancer.yaml");

    @Test
    void chartCrdsAreIdenticalToTheTopLevelCrds() throws IOException {
        List<Path> top = yamlFiles(REPO.resolve("crds"));
        List<Path> chart = yamlFiles(Helm.CHART.resolve("crds"));

        assertThat(chart).extracting(Path::getFileName).containsExactlyElementsOf(
                top.stream().map(Path::getFileName).toList());
        assertThat(top).isNotEmpty().allSatisfy(crd -> assertThat(Files.readString(Helm.CHART.resolve("crds").resolve(crd.getFileName())))
                .as("charts/grpc-balancer/crds/%s differs from crds/%s: run deploy/render.sh", crd.getFileName(), crd.getFileName())
                .isEqualTo(Files.readString(crd)));
    }

    @Test
    void deployManifestIsAFreshRenderOfTheDefaultValues() throws IOException {
        Helm helm = Helm.require();

        String fresh = Helm.exec(List.of("bash", "deploy/render.sh", "--stdout"),
                Map.of("HELM", helm.binary().toString())).orFail();

        assertThat(Files.readString(MANIFEST)).as("deploy/grpc-balancer.yaml is stale: run deploy/render.sh")
                .isEqualTo(fresh);
    }

    @Test
    void deployManifestHasTheNamespaceAndCrdAndNoTestHooks() throws IOException {
        Chart.Rendered manifest = Chart.Rendered.parse(Files.readString(MANIFEST));

        assertThat(manifest.objects().get(0)).isInstanceOfSatisfying(Namespace.class, ns -> {
            assertThat(ns.getMetadata().getName()).isEqualTo("grpc-balancer");
            assertThat(ns.getMetadata().getLabels()).containsEntry("pod-security.kubernetes.io/enforce", "restricted");
        });
        assertThat(manifest.ofKind("CustomResourceDefinition")).extracting(o -> o.getMetadata().getName())
                .containsExactly("grpcbalancers.grpcbalancer.dev");
        assertThat(manifest.testHooks()).isEmpty();
        assertThat(manifest.objects()).filteredOn(o -> o.getMetadata().getNamespace() != null)
                .isNotEmpty()
                .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("grpc-balancer"));
        manifest.all(Deployment.class).forEach(d ->
                PodSecurity.assertRestricted(d.getSpec().getTemplate().getSpec(), "deploy " + d.getMetadata().getName()));
    }

    @Test
    void greeterExampleRunsThreeTestBackendsBehindABalancerTheDefaultInstallWatches() throws IOException {
        Chart.Rendered example = Chart.Rendered.parse(Files.readString(REPO.resolve("deploy/examples/greeter.yaml")));
        String watched = Chart.Rendered.parse(Files.readString(MANIFEST)).all(Deployment.class).get(0)
                .getMetadata().getNamespace();

        Deployment backend = example.all(Deployment.class).get(0);
        Service service = example.all(Service.class).get(0);
        List<HasMetadata> balancers = example.ofKind("GrpcBalancer");
        assertThat(balancers).hasSize(1);
        JsonNode balancer = Chart.tree(balancers.get(0));

        assertThat(backend.getSpec().getReplicas()).isEqualTo(3);
        assertThat(backend.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).startsWith("test-backend");
        PodSecurity.assertRestricted(backend.getSpec().getTemplate().getSpec(), "example greeter");
        assertThat(backend.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(balancer.path("spec").path("backendRef").path("name").asText()).isEqualTo(service.getMetadata().getName());
        assertThat(service.getSpec().getPorts()).extracting(ServicePort::getPort)
                .contains(balancer.path("spec").path("backendRef").path("port").asInt());
        assertThat(example.objects()).allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(watched));
        CrdSchema.grpcBalancer("v1alpha1").assertValidSpec(balancer.path("spec"), "example GrpcBalancer");
    }

    @Test
    void mavenImageProfileTagsTheImageTheChartDeploys() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(REPO.resolve("pom.xml").toFile());
        JsonNode values = Chart.values("default");

        assertThat(pom.getElementsByTagName("image.tag").item(0).getTextContent())
                .isEqualTo(Chart.chartYaml().path("appVersion").asText());
        assertThat(pom.getElementsByTagName("image.repository").item(0).getTextContent())
                .isEqualTo(values.path("image").path("repository").asText());
    }

    @Test
    void dockerfileRunsTheJarAsTheChartsUserWithTheChartsJvmOptions() throws IOException {
        List<String> lines = Files.readAllLines(REPO.resolve("src/main/docker/Dockerfile"));
        JsonNode values = Chart.values("default");

        assertThat(lines).contains(
                "USER " + values.path("securityContext").path("runAsUser").asInt() + ":"
                        + values.path("securityContext").path("runAsGroup").asInt(),
                "EXPOSE " + values.path("adminPort").asInt(),
                "ENTRYPOINT [\"java\", \"-jar\", \"/app/grpc-balancer.jar\"]",
                "ENV JAVA_TOOL_OPTIONS=\"" + values.path("jvmOptions").asText() + "\"");
        assertThat(lines).anyMatch(l -> l.matches("COPY target/grpc-balancer\\.jar /app/grpc-balancer\\.jar"));
    }

    private static List<Path> yamlFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches(".*\\.ya?ml")).sorted().toList();
        }
    }
}
