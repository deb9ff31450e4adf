package dev.grpcbalancer.standalone;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.snapshot.SnapshotSink;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshot source of standalone mode: a YAML file of {@code GrpcBalancer} documents (see
 * {@link ConfigFile}), published to a {@link SnapshotSink} at {@link #start()} and again whenever
 * the file, or a directory its certificate references name, changes.
 *
 * <p>Changes are noticed two ways: a {@link WatchService} on the parent directory (editors replace
 * files by rename, Kubernetes ConfigMap volumes swap a {@code ..data} symlink), with bursts merged
 * by a hold-off delay, and a periodic content check as a fallback for file systems without
 * notifications. Referenced directories are watched and checked the same way (a mounted Secret
 * swaps its {@code ..data} symlink on rotation). A reload only parses when the file's bytes or the
 * directories' files changed, and only publishes when the resulting snapshot differs. A file with any problem is rejected as a whole: every problem is
 * logged at ERROR and the last good snapshot stays in force.
 */
public final class StandaloneSource implements AutoCloseable {

    /** How often the content check runs by default. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
    /**
     * Notifications about other files in the config file's folder, per second, past which the folder
     * is no longer watched (the content check takes over).
     */
    static final int BUSY_WAKEUPS_PER_SECOND = 100;
    /** How long the file must be quiet after a change notification before it is read, by default. */
    public static final Duration DEFAULT_HOLD_OFF = Duration.ofMillis(200);

    /** What a {@link #reload()} did. */
    public enum ReloadOutcome {
        /** Nothing to do: same bytes as the last attempt, or a new file describing the same balancers. */
        UNCHANGED,
        /** A new snapshot was published. */
        APPLIED,
        /** The file has problems; the last good snapshot stays. */
        REJECTED
    }

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneSource.class);
    private static final String UNREADABLE = "unreadable: ";

    private final Path file;
    private final SnapshotSink sink;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final Duration pollInterval;
    private final long holdOffNanos;
    private final long maxHoldOffNanos;
    private final AtomicBoolean settlePending = new AtomicBoolean();

    private volatile boolean closed;
    private volatile long firstEventNanos;
    private volatile long lastEventNanos;

    // Guarded by this.
    private boolean started;
    private RoutingSnapshot current;
    private String lastContentKey;
    private boolean rejected;
    private WatchService watchService;
    private Thread watchThread;
    /** The directories the last load read, and their watch registrations. */
    private Set<Path> directories = Set.of();
    private final Map<Path, WatchKey> directoryWatches = new HashMap<>();
    private ScheduledFuture<?> pollTask;
    /** Whether the config file's folder is watched (false once found too busy, see {@link BusyDirectory}). */
    private volatile boolean configDirectoryWatched;

    /**
     * A source with its own scheduler thread (stopped by {@link #close()}), checking every
     * {@link #DEFAULT_POLL_INTERVAL} and settling notifications for {@link #DEFAULT_HOLD_OFF}.
     */
    public StandaloneSource(Path file, SnapshotSink sink) {
        this(file, sink, Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "grpc-balancer-config-reload");
            thread.setDaemon(true);
            return thread;
        }), true, DEFAULT_POLL_INTERVAL, DEFAULT_HOLD_OFF);
    }

    /**
     * A source that runs its checks on {@code scheduler}.
     *
     * @param scheduler runs reloads (content checks and debounced notifications); owned by the
     *     caller, who shuts it down after {@link #close()}
     * @param pollInterval period of the fallback content check
     * @param holdOff quiet time after a change notification before the file is read (bursts are
     *     merged, for at most ten hold-off periods)
     */
    public StandaloneSource(Path file, SnapshotSink sink, ScheduledExecutorService scheduler,
            Duration pollInterval, Duration holdOff) {
        this(file, sink, scheduler, false, pollInterval, holdOff);
    }

    private StandaloneSource(Path file, SnapshotSink sink, ScheduledExecutorService scheduler, boolean ownsScheduler,
            Duration pollInterval, Duration holdOff) {
        this.file = requireNonNull(file, "file");
        this.sink = requireNonNull(sink, "sink");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.ownsScheduler = ownsScheduler;
        this.pollInterval = requirePositive(pollInterval, "pollInterval");
        this.holdOffNanos = requirePositive(holdOff, "holdOff").toNanos();
        this.maxHoldOffNanos = holdOff.multipliedBy(10).toNanos();
    }

    /**
     * Loads the file, publishes its snapshot and starts watching it.
     *
     * @return the published snapshot
     * @throws InvalidConfigException listing every problem when the file cannot be used; nothing
     *     is published or watched then
     * @throws IllegalStateException when already started or closed
     */
    public synchronized RoutingSnapshot start() throws InvalidConfigException {
        if (started || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        FileContent content = FileContent.read(file);
        ConfigLoad load = content.load(file);
        if (!load.isValid()) {
            throw new InvalidConfigException(load.problems());
        }
        started = true;
        remember(content, load);
        current = load.snapshot();
        sink.publish(current);
        LOG.info("config {}: loaded {}{}", file, plural(current.balancers().size(), "balancer"),
                current.balancers().isEmpty() ? "" : ": " + SnapshotDiff.describe(RoutingSnapshot.EMPTY, current));
        startWatching();
        watchDirectories();
        long pollNanos = pollInterval.toNanos();
        pollTask = scheduler.scheduleWithFixedDelay(this::reloadLogged, pollNanos, pollNanos, TimeUnit.NANOSECONDS);
        return current;
    }

    /**
     * Reads the file now and applies it if its content changed since the last attempt. Called by
     * the watcher and the periodic check; public for tests and for an explicit reload.
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public synchronized ReloadOutcome reload() {
        if (!started) {
            throw new IllegalStateException("not started");
        }
        FileContent content = FileContent.read(file);
        if ((content.key() + "|" + DirectoryFiles.digestOf(directories)).equals(lastContentKey)) {
            return ReloadOutcome.UNCHANGED;
        }
        ConfigLoad load = content.load(file);
        remember(content, load);
        watchDirectories();
        if (!load.isValid()) {
            rejected = true;
            LOG.error("config {}: rejected, keeping the last good configuration; {}:", file,
                    plural(load.problems().size(), "problem"));
            load.problems().forEach(problem -> LOG.error("{}", problem));
            return ReloadOutcome.REJECTED;
        }
        boolean wasRejected = rejected;
        rejected = false;
        RoutingSnapshot next = load.snapshot();
        if (next.equals(current)) {
            if (wasRejected) {
                LOG.info("config {}: valid again, balancers unchanged", file);
            } else {
                LOG.debug("config {}: content changed, balancers unchanged", file);
            }
            return ReloadOutcome.UNCHANGED;
        }
        String summary = SnapshotDiff.describe(current, next);
        current = next;
        sink.publish(next);
        LOG.info("config {}: applied: {}", file, summary);
        return ReloadOutcome.APPLIED;
    }

    /** What the load read: the next reload compares the file and these directories with it. */
    private void remember(FileContent content, ConfigLoad load) {
        lastContentKey = content.key() + "|" + load.directoriesDigest();
        directories = load.directories();
    }

    /** Watches the directories the last load read, and only those. */
    private void watchDirectories() {
        if (watchService == null || closed) {
            return;
        }
        directoryWatches.entrySet().removeIf(entry -> {
            if (!directories.contains(entry.getKey())) {
                entry.getValue().cancel();
                return true;
            }
            return false;
        });
        Path configDirectory = file.toAbsolutePath().getParent();
        for (Path directory : directories) {
            // The config file's own directory is watched already (its events count in full then).
            if (!directory.equals(configDirectory) && !directoryWatches.containsKey(directory)
                    && Files.isDirectory(directory)) {
                try {
                    directoryWatches.put(directory, directory.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE));
                } catch (IOException | RuntimeException e) {
                    LOG.warn("config {}: cannot watch {} for changes, checking every {} ms only: {}", file, directory,
                            pollInterval.toMillis(), e.toString());
                }
            }
        }
    }

    /** Stops watching and checking; a reload in progress finishes. Idempotent. */
    @Override
    public void close() {
        Thread thread;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (pollTask != null) {
                pollTask.cancel(false);
            }
            if (watchService != null) {
                try {
                    watchService.close();
                } catch (IOException e) {
                    LOG.warn("config {}: closing the file watcher failed", file, e);
                }
            }
            thread = watchThread;
        }
        if (ownsScheduler) {
            // Not shutdownNow(): interrupting a reload would fail its file read.
            scheduler.shutdown();
        }
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void startWatching() {
        Path directory = file.toAbsolutePath().getParent();
        try {
            watchService = directory.getFileSystem().newWatchService();
            directory.register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.warn("config {}: cannot watch {} for changes, checking every {} ms only", file, directory,
                    pollInterval.toMillis(), e);
            return;
        }
        configDirectoryWatched = true;
        WatchService watcher = watchService;
        watchThread = new Thread(() -> watch(watcher), "grpc-balancer-config-watch");
        watchThread.setDaemon(true);
        watchThread.start();
    }

    private void watch(WatchService watcher) {
        Path name = file.getFileName();
        BusyDirectory busy = new BusyDirectory(BUSY_WAKEUPS_PER_SECOND);
        try {
            while (!closed) {
                WatchKey key = watcher.take();
                boolean certificates = isDirectoryWatch(key);
                boolean relevant = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    relevant |= certificates || isRelevant(event, name);
                }
                if (relevant) {
                    onChangeNotified();
                } else if (!certificates && busy.irrelevantWakeup(System.nanoTime())) {
                    // Other files in the config file's folder change all the time (a log written
                    // next to it): each change would wake this thread and the JDK's watcher for
                    // nothing. The periodic content check notices the file's changes instead.
                    key.cancel();
                    LOG.warn("config {}: other files in {} change more than {} times a second; no longer watching the"
                            + " folder, checking the file every {} ms instead", file, key.watchable(),
                            BUSY_WAKEUPS_PER_SECOND, pollInterval.toMillis());
                    configDirectoryWatched = false; // after the line: who sees false finds it logged
                    continue;
                }
                if (!key.reset()) {
                    if (certificates) {
                        // gone (or replaced): checked by content until a reload registers it again
                        forgetWatch(key);
                        continue;
                    }
                    LOG.warn("config {}: the directory is no longer watchable, checking every {} ms only", file,
                            pollInterval.toMillis());
                    return;
                }
            }
        } catch (ClosedWatchServiceException e) {
            LOG.debug("config {}: file watcher closed", file);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether change notifications of the config file's folder are on (tests). */
    boolean watchesConfigDirectory() {
        return configDirectoryWatched;
    }

    private synchronized void forgetWatch(WatchKey key) {
        directoryWatches.values().remove(key);
    }

    /** Whether {@code key} watches a directory that certificate references read. */
    private synchronized boolean isDirectoryWatch(WatchKey key) {
        return directories.contains((Path) key.watchable());
    }

    /** The file itself, a ConfigMap's {@code ..data} swap, or lost events. */
    private static boolean isRelevant(WatchEvent<?> event, Path name) {
        if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            return true;
        }
        Object changed = event.context();
        return changed instanceof Path path && (path.equals(name) || path.toString().startsWith(".."));
    }

    private void onChangeNotified() {
        long now = System.nanoTime();
        lastEventNanos = now;
        if (settlePending.compareAndSet(false, true)) {
            firstEventNanos = now;
            schedule(holdOffNanos);
        }
    }

    /** Reloads once the file has been quiet for the hold-off time, or the burst lasted too long. */
    private void settle() {
        long now = System.nanoTime();
        long quietFor = now - lastEventNanos;
        if (!closed && quietFor < holdOffNanos && now - firstEventNanos < maxHoldOffNanos) {
            schedule(holdOffNanos - quietFor);
            return;
        }
        settlePending.set(false);
        reloadLogged();
    }

    private void schedule(long delayNanos) {
        try {
            scheduler.schedule(this::settle, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            if (!closed) {
                throw e;
            }
            LOG.debug("config {}: change noticed while closing, not reloaded", file);
        }
    }

    /** A reload from a background task: an unexpected failure is logged and must not stop later checks. */
    private void reloadLogged() {
        if (closed) {
            return;
        }
        try {
            reload();
        } catch (RuntimeException e) {
            LOG.error("config {}: reload failed unexpectedly, keeping the last good configuration", file, e);
        }
    }

    private static String plural(int count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }

    private static Duration requirePositive(Duration duration, String name) {
        requireNonNull(duration, name);
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + duration);
        }
        return duration;
    }

    /** The file's bytes (or why they cannot be read) and a key that changes when they do. */
    private record FileContent(byte[] bytes, IOException failure, String key) {

        static FileContent read(Path file) {
            try {
                byte[] bytes = Files.readAllBytes(file);
                return new FileContent(bytes, null, sha256(bytes));
            } catch (IOException e) {
                return new FileContent(null, e, UNREADABLE + ConfigFile.reason(e));
            }
        }

        ConfigLoad load(Path file) {
            return failure != null ? ConfigFile.unreadable(file.toString(), failure) : ConfigFile.parse(file.toString(), bytes);
        }

        private static String sha256(byte[] bytes) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java runtime has SHA-256", e);
            }
        }
    }
}
