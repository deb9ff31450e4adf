package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this replica writes to the API server. With leader election, a Lease in the
 * controller's namespace decides (fabric8's {@link LeaderElector}); a replica that loses it stops
 * writing at once and stands for election again. Serving never depends on it: every replica runs
 * the informers and the data plane.
 */
final class Leadership implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Leadership.class);

    private final KubernetesClient client;
    private final ControllerSettings settings;
    private final Runnable onStartLeading;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "grpc-balancer-leader-election");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean leader;
    private volatile boolean closed;
    private CompletableFuture<?> election;

    /** {@code onStartLeading} runs (on the election thread) each time this replica becomes leader. */
    Leadership(KubernetesClient client, ControllerSettings settings, Runnable onStartLeading) {
        this.client = requireNonNull(client, "client");
        this.settings = requireNonNull(settings, "settings");
        this.onStartLeading = requireNonNull(onStartLeading, "onStartLeading");
    }

    synchronized void start() {
        if (!settings.leaderElection()) {
            log.info("leader election off: this replica writes status, Events and Services");
            leader = true;
            executor.execute(onStartLeading);
            return;
        }
        stand();
    }

    private synchronized void stand() {
        if (closed) {
            return;
        }
        ControllerSettings.LeaseTimings timings = settings.leaseTimings();
        LeaderElector elector = client.leaderElector()
                .withConfig(new LeaderElectionConfigBuilder()
                        .withName(settings.leaseName())
                        .withLock(new LeaseLock(settings.controllerNamespace(), settings.leaseName(), settings.identity()))
                        .withLeaseDuration(timings.leaseDuration())
                        .withRenewDeadline(timings.renewDeadline())
                        .withRetryPeriod(timings.retryPeriod())
                        .withReleaseOnCancel(true)
                        .withLeaderCallbacks(new LeaderCallbacks(this::started, this::stopped, this::newLeader))
                        .build())
                .build();
        election = elector.start();
        election.whenComplete((ignored, error) -> {
            leader = false;
            if (!closed) {
                // Lost the lease (or the API server failed us): stand again after a pause.
                CompletableFuture.delayedExecutor(timings.retryPeriod().toMillis(), TimeUnit.MILLISECONDS, executor)
                        .execute(this::stand);
            }
        });
    }

    private void started() {
        log.info("became leader ({} in Lease {}/{}): writing status, Events and Services", settings.identity(),
                settings.controllerNamespace(), settings.leaseName());
        leader = true;
        onStartLeading.run();
    }

    private void stopped() {
        if (leader) {
            log.info("lost leadership of Lease {}/{}: no more writes, still serving", settings.controllerNamespace(),
                    settings.leaseName());
        }
        leader = false;
    }

    private void newLeader(String identity) {
        if (identity != null && !identity.isBlank() && !identity.equals(settings.identity())) {
            log.info("leader is {}", identity);
        }
    }

    boolean isLeader() {
        return leader;
    }

    /** Stops writing and gives the Lease up, so another replica takes over without waiting for it to expire. */
    @Override
    public void close() {
        CompletableFuture<?> running;
        synchronized (this) {
            closed = true;
            leader = false;
            running = election;
        }
        if (running != null) {
            running.cancel(true);
        }
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
