package dev.grpcbalancer.standalone;

import static dev.grpcbalancer.standalone.ConfigFileTest.balancer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.snapshot.SnapshotSink;
import dev.grpcbalancer.standalone.StandaloneSource.ReloadOutcome;
import dev.grpcbalancer.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class StandaloneSourceTest {

    private static final Duration AWAIT = Duration.ofSeconds(20);
    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    Path directory;

    private Path file;
    private final RecordingSink sink = new RecordingSink();
    private final CapturedLogs logs = new CapturedLogs();
    private ScheduledExecutorService scheduler;
    private StandaloneSource source;

    @BeforeEach
    void setUp() {
        file = directory.resolve("balancers.yaml");
        scheduler = Executors.newSingleThreadScheduledExecutor();
        logs.start();
    }

    @AfterEach
    void tearDown() {
        if (source != null) {
            source.close();
        }
        scheduler.shutdownNow();
        logs.stop();
    }

    @Test
    void startPublishesTheSnapshotOfTheFile() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));

        RoutingSnapshot started = source(NEVER, NEVER).start();

        assertThat(sink.published).containsExactly(started);
        assertThat(ids(started)).containsExactly("default/greeter");
        assertThat(logs.lines(Level.INFO)).anySatisfy(line -> assertThat(line).contains("loaded 1 balancer: ")
                .contains("added default/greeter (port 8080, RoundRobin, 1 endpoint)"));
    }

    @Test
    void startFailsWithEveryProblemOfABrokenFileAndPublishesNothing() throws IOException {
        write(balancer("greeter", 70000, "10.0.0.1") + "---\n" + balancer("echo", 8081, "10.0.0.1:1"));
        StandaloneSource broken = source(NEVER, NEVER);

        assertThatThrownBy(broken::start).isInstanceOfSatisfying(InvalidConfigException.class, e -> {
            assertThat(e.problems()).extracting(ConfigProblem::field)
                    .containsExactly("spec.listener.port", "spec.staticEndpoints[0]");
            assertThat(e.getMessage()).startsWith("2 problems in the configuration file:\n  " + file
                    + ": document 1 (default/greeter): spec.listener.port: must be 1..65535, got 70000\n");
        });
        assertThat(sink.published).isEmpty();
    }

    @Test
    void startFailsOnAMissingFile() {
        StandaloneSource missing = source(NEVER, NEVER);

        assertThatThrownBy(missing::start).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(file + ": cannot read the file: no such file");
    }

    @Test
    void emptyFileStartsWithNoBalancers() throws Exception {
        write("");

        assertThat(source(NEVER, NEVER).start()).isEqualTo(RoutingSnapshot.EMPTY);
        assertThat(sink.published).containsExactly(RoutingSnapshot.EMPTY);
    }

    @Test
    void reloadPublishesAnEditedFileAndLogsWhatChanged() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        source(NEVER, NEVER).start();
        write(balancer("greeter", 8080, "10.0.0.1:50051", "10.0.0.2:50051") + "---\n" + balancer("echo", 9000, "[::1]:1"));

        assertThat(source.reload()).isEqualTo(ReloadOutcome.APPLIED);

        assertThat(sink.published).hasSize(2);
        assertThat(ids(sink.last())).containsExactly("default/echo", "default/greeter");
        assertThat(logs.lines(Level.INFO)).anySatisfy(line -> assertThat(line)
                .endsWith("applied: added default/echo (port 9000, RoundRobin, 1 endpoint);"
                        + " changed default/greeter (+10.0.0.2:50051)"));
    }

    @Test
    void reloadOfAnUnchangedFilePublishesNothing() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        source(NEVER, NEVER).start();

        assertThat(source.reload()).isEqualTo(ReloadOutcome.UNCHANGED);
        assertThat(sink.published).hasSize(1);
    }

    @Test
    void editThatChangesNoBalancerPublishesNothing() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051", "10.0.0.2:50051"));
        source(NEVER, NEVER).start();
        write("# reordered, same balancers\n" + balancer("greeter", 8080, "10.0.0.2:50051", "10.0.0.1:50051"));

        assertThat(source.reload()).isEqualTo(ReloadOutcome.UNCHANGED);
        assertThat(sink.published).hasSize(1);
    }

    @Test
    void brokenEditIsLoggedAndTheLastGoodSnapshotIsKept() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        RoutingSnapshot good = source(NEVER, NEVER).start();
        write(balancer("greeter", 8080, "10.0.0.1:50051") + "---\n" + balancer("echo", 8080, "10.0.0.2:1"));

        assertThat(source.reload()).isEqualTo(ReloadOutcome.REJECTED);

        assertThat(sink.published).containsExactly(good);
        assertThat(logs.lines(Level.ERROR)).containsExactly(
                "config " + file + ": rejected, keeping the last good configuration; 1 problem:",
                file + ": document 2 (default/echo): spec.listener.port: port 8080 is"
                        + " already used by document 1 (default/greeter)");
    }

    @Test
    void sameBrokenContentIsReportedOnlyOnce() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        source(NEVER, NEVER).start();
        write("spec: [");

        assertThat(source.reload()).isEqualTo(ReloadOutcome.REJECTED);
        assertThat(source.reload()).isEqualTo(ReloadOutcome.UNCHANGED);
        assertThat(logs.lines(Level.ERROR)).hasSize(2);
    }

    @Test
    void fixingABrokenFileAppliesItAgain() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        source(NEVER, NEVER).start();
        write(balancer("greeter", 8080, "10.0.0.1"));
        source.reload();
        write(balancer("greeter", 8080, "10.0.0.3:50051"));

        assertThat(source.reload()).isEqualTo(ReloadOutcome.APPLIED);
        assertThat(sink.published).hasSize(2);
        assertThat(sink.last().balancers().get(0).backends().endpoints()).extracting(Object::toString)
                .containsExactly("10.0.0.3:50051");
    }

    @Test
    void revertingABrokenEditIsLoggedAsValidAgainWithoutPublishing() throws Exception {
        String good = balancer("greeter", 8080, "10.0.0.1:50051");
        write(good);
        source(NEVER, NEVER).start();
        write("kind: Nonsense\n");
        source.reload();
        write(good);

        assertThat(source.reload()).isEqualTo(ReloadOutcome.UNCHANGED);
        assertThat(sink.published).hasSize(1);
        assertThat(logs.lines(Level.INFO)).last().asString().endsWith("valid again, balancers unchanged");
    }

    @Test
    void reloadBeforeStartIsRefused() throws IOException {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));

        assertThatThrownBy(source(NEVER, NEVER)::reload).isInstanceOf(IllegalStateException.class);
        assertThat(sink.published).isEmpty();
    }

    @Test
    void deletedFileIsRejectedAndTheLastGoodSnapshotIsKept() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        source(NEVER, NEVER).start();
        Files.delete(file);

        assertThat(source.reload()).isEqualTo(ReloadOutcome.REJECTED);
        assertThat(sink.published).hasSize(1);
        assertThat(logs.lines(Level.ERROR)).last().asString().endsWith("cannot read the file: no such file");
    }

    @Test
    void watcherAppliesAFileReplacedByAnAtomicMove() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        source(NEVER, Duration.ofMillis(10)).start();

        replace(balancer("greeter", 8081, "10.0.0.1:50051"));

        Await.until(AWAIT, () -> sink.published.size() == 2, () -> "the replaced file to be published: " + sink.published);
        assertThat(sink.last().balancers()).extracting(BalancerConfig::listenerPort).containsExactly(8081);
    }

    @Test
    void watcherKeepsTheLastGoodSnapshotWhenAReplacementIsBroken() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        RoutingSnapshot good = source(NEVER, Duration.ofMillis(10)).start();

        replace(balancer("greeter", 8080, "10.0.0.1:50051") + "  staticEndpoint: []\n");
        Await.until(AWAIT, () -> !logs.lines(Level.ERROR).isEmpty(), () -> "the broken file to be rejected");
        assertThat(sink.published).containsExactly(good);

        replace(balancer("greeter", 8080, "10.0.0.2:50051"));
        Await.until(AWAIT, () -> sink.published.size() == 2, () -> "the fixed file to be published: " + sink.published);
        assertThat(logs.lines(Level.ERROR)).anySatisfy(line -> assertThat(line).contains("spec.staticEndpoint: unknown field"));
    }

    @Test
    void watcherFollowsAConfigMapStyleSymlinkSwap() throws Exception {
        Path first = Files.createDirectory(directory.resolve("..2024_01_01"));
        Files.writeString(first.resolve("balancers.yaml"), balancer("greeter", 8080, "10.0.0.1:50051"));
        Files.createSymbolicLink(directory.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(file, Path.of("..data", "balancers.yaml"));
        source(NEVER, Duration.ofMillis(10)).start();

        Path second = Files.createDirectory(directory.resolve("..2024_01_02"));
        Files.writeString(second.resolve("balancers.yaml"), balancer("greeter", 8080, "10.0.0.2:50051"));
        Path swap = Files.createSymbolicLink(directory.resolve("..data_tmp"), second.getFileName());
        Files.move(swap, directory.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

        Await.until(AWAIT, () -> sink.published.size() == 2, () -> "the swapped file to be published: " + sink.published);
        assertThat(sink.last().balancers().get(0).backends().endpoints()).extracting(Object::toString)
                .containsExactly("10.0.0.2:50051");
    }

    @Test
    void periodicCheckAppliesAChangeEvenWithoutNotifications() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        // Notifications wait an hour to settle: only the periodic check can see the change.
        source(Duration.ofMillis(20), NEVER).start();

        write(balancer("greeter", 8080, "10.0.0.9:50051"));

        Await.until(AWAIT, () -> sink.published.size() == 2, () -> "the periodic check to publish: " + sink.published);
    }

    @Test
    void aFolderWhereOtherFilesChangeAllTheTimeIsNoLongerWatchedAndTheCheckTakesOver() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        source(Duration.ofMillis(20), Duration.ofMillis(10)).start();
        assertThat(source.watchesConfigDirectory()).isTrue();

        // a log written next to the config file, line by line
        Path log = directory.resolve("peer.log");
        for (int line = 0; line < 1_000_000 && source.watchesConfigDirectory(); line++) {
            Files.writeString(log, "line " + line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }

        assertThat(source.watchesConfigDirectory()).as("watching a folder that changes all the time").isFalse();
        assertThat(logs.lines(Level.WARN)).anySatisfy(line -> assertThat(line)
                .contains("change more than " + StandaloneSource.BUSY_WAKEUPS_PER_SECOND + " times a second"));
        write(balancer("greeter", 8080, "10.0.0.9:50051"));
        Await.until(AWAIT, () -> sink.published.size() == 2, () -> "the periodic check to publish: " + sink.published);
    }

    @Test
    void aFewChangesToOtherFilesKeepTheFolderWatched() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        source(NEVER, Duration.ofMillis(10)).start();

        for (int i = 0; i < 20; i++) {
            Files.writeString(directory.resolve("other-" + i + ".txt"), "x");
        }
        replace(balancer("greeter", 8081, "10.0.0.1:50051"));

        Await.until(AWAIT, () -> sink.published.size() == 2, () -> "the replaced file to be published: " + sink.published);
        assertThat(source.watchesConfigDirectory()).isTrue();
    }

    @Test
    void closeStopsTheWatcherThread() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        source(NEVER, Duration.ofMillis(10)).start();
        assertThat(watcherThreads()).isNotEmpty();

        source.close();
        source.close();

        assertThat(watcherThreads()).isEmpty();
    }

    @Test
    void startTwiceIsRefused() throws Exception {
        write(balancer("greeter", 8080, "10.0.0.1:50051"));
        source(NEVER, NEVER).start();

        assertThatThrownBy(source::start).isInstanceOf(IllegalStateException.class);
    }

    private StandaloneSource source(Duration pollInterval, Duration holdOff) {
        source = new StandaloneSource(file, sink, scheduler, pollInterval, holdOff);
        return source;
    }

    private void write(String content) throws IOException {
        Files.writeString(file, content);
    }

    /** As editors do: write a temporary file next to it, then rename it over the original. */
    private void replace(String content) throws IOException {
        Path temporary = Files.writeString(directory.resolve(".balancers.yaml.tmp"), content);
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static List<String> ids(RoutingSnapshot snapshot) {
        return snapshot.balancers().stream().map(BalancerConfig::id).map(BalancerId::toString).toList();
    }

    private static List<Thread> watcherThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int count = root.enumerate(threads, true);
        return Arrays.stream(threads, 0, count)
                .filter(t -> t.getName().equals("grpc-balancer-config-watch") && t.isAlive())
                .toList();
    }

    private static final class RecordingSink implements SnapshotSink {

        final List<RoutingSnapshot> published = new CopyOnWriteArrayList<>();

        @Override
        public void publish(RoutingSnapshot snapshot) {
            published.add(snapshot);
        }

        RoutingSnapshot last() {
            return published.get(published.size() - 1);
        }
    }

    /** Collects the log lines of {@link StandaloneSource}, from any thread. */
    private static final class CapturedLogs extends AppenderBase<ILoggingEvent> {

        private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
        private final Logger logger = (Logger) LoggerFactory.getLogger(StandaloneSource.class);

        @Override
        public void start() {
            super.start();
            logger.addAppender(this);
        }

        @Override
        public void stop() {
            logger.detachAppender(this);
            super.stop();
        }

        @Override
        protected void append(ILoggingEvent event) {
            events.add(event);
        }

        List<String> lines(Level level) {
            return events.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
        }
    }
}
