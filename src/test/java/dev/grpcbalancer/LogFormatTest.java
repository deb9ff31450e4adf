package dev.grpcbalancer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.CliProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --log-format} and {@code GRPC_BALANCER_LOG_FORMAT}: JSON lines for log collectors, text by default. */
class LogFormatTest {

    private static final Duration STARTUP = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path directory;

    private final List<CliProcess> processes = new ArrayList<>();

    @AfterEach
    void stop() {
        processes.forEach(CliProcess::close);
    }

    @Test
    void jsonLogFormatWritesEveryLogLineAsOneJsonObject() throws Exception {
        CliProcess cli = start(Map.of(), "--log-format", "json", "test-backend", "--port", "0", "--id", "json-flag");

        List<JsonNode> lines = linesUntilStopped(cli);

        assertThat(lines).hasSizeGreaterThanOrEqualTo(3);
        JsonNode serving = lines.get(0);
        assertThat(serving.get("level").asText()).isEqualTo("INFO");
        assertThat(serving.get("loggerName").asText()).isEqualTo(TestBackendCommand.class.getName());
        assertThat(serving.get("threadName").asText()).isEqualTo("main");
        assertThat(serving.get("timestamp").asLong()).isPositive();
        assertThat(serving.get("formattedMessage").asText())
                .startsWith("test-backend json-flag serving demo.Greeter and grpc.health.v1.Health on port ");
        assertThat(lines).last().extracting(line -> line.get("formattedMessage").asText()).isEqualTo("test-backend json-flag stopped");
    }

    @Test
    void logFormatFromTheEnvironmentAppliesWhenTheCommandLineSaysNothing() throws Exception {
        CliProcess cli = start(Map.of(LogFormat.ENV, "json"), "test-backend", "--port", "0", "--id", "json-env");

        List<JsonNode> lines = linesUntilStopped(cli);

        assertThat(lines).extracting(line -> line.get("formattedMessage").asText())
                .anyMatch(message -> message.startsWith("test-backend json-env serving"));
    }

    @Test
    void logFormatIsAcceptedAfterTheSubcommandAndTheFlagWinsOverTheEnvironmentDefault() {
        CommandLine cli = Main.commandLine();
        cli.parseArgs("test-backend", "--log-format", "JSON");
        CommandLine text = Main.commandLine();
        text.parseArgs("--log-format", "text", "probe", "--target", "a:1");

        assertThat(((Main) cli.getCommand()).logFormat).isEqualTo(LogFormat.JSON);
        assertThat(((Main) text.getCommand()).logFormat).isEqualTo(LogFormat.TEXT);
    }

    @Test
    void unknownLogFormatIsAUsageErrorThatNamesTheChoices() {
        ProbeAndTestBackendCommandsTest.Run run = ProbeAndTestBackendCommandsTest.execute("--log-format", "yaml", "probe", "--target", "a:1");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Invalid value for option '--log-format'", "TEXT", "JSON");
    }

    private CliProcess start(Map<String, String> environment, String... args) {
        CliProcess cli = CliProcess.start(directory, "cli-" + processes.size(), environment, args);
        processes.add(cli);
        return cli;
    }

    /** Waits for the backend to log that it serves, stops it with SIGTERM, and parses every stdout line as JSON. */
    private static List<JsonNode> linesUntilStopped(CliProcess cli) throws Exception {
        Await.until(STARTUP, () -> cli.stdout().contains("serving") || !cli.isAlive(), cli::describe);
        cli.terminate();
        assertThat(cli.awaitExit(Duration.ofSeconds(20))).as(cli::describe).isTrue();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : cli.stdout().split("\n")) {
            JsonNode node = JSON.readTree(line);
            assertThat(node.isObject()).as("a JSON object per line: " + line).isTrue();
            lines.add(node);
        }
        return lines;
    }
}
