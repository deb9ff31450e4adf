package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The controller's Kubernetes client: fabric8 over the JDK HTTP client, with the client's own
 * asynchronous work (informer callbacks, the leader elector's loop) on a bounded pool of named
 * daemon threads ({@value #THREAD_PREFIX}N) that shuts down when the client closes. fabric8's
 * default is an unbounded pool per client with anonymous threads.
 *
 * <p>The JDK HTTP client also hands every response to {@code CompletableFuture}'s default executor
 * (its {@code sendAsync}), which starts a new thread per task when the common pool has fewer than
 * two workers: on 2 CPUs, unless the JVM is told otherwise. {@code Main} sees to that before
 * anything runs; {@link #commonPoolStartsThreadsPerTask()} tells whether it took.
 */
public final class ApiClients {

    public static final String THREAD_PREFIX = "grpc-balancer-api-";
    /**
     * Informer callbacks only signal the reconcile loop and run one at a time per informer; the
     * leader elector's renewals take a thread for the length of one request.
     */
    static final int THREADS = 4;

    private ApiClients() {
    }

    /** A client of {@code config} whose asynchronous work runs on a pool of its own. */
    public static KubernetesClient create(Config config) {
        requireNonNull(config, "config");
        return new KubernetesClientBuilder().withConfig(config).withTaskExecutorSupplier(new TaskExecutors()).build();
    }

    /** A client configured as fabric8 finds it: in-cluster, {@code KUBECONFIG}, or {@code ~/.kube/config}. */
    public static KubernetesClient create() {
        return create(new ConfigBuilder().build());
    }

    /**
     * Whether {@code CompletableFuture} starts a thread for each task it runs without an executor
     * (the common pool has fewer than two workers): then every API response costs a thread start.
     */
    public static boolean commonPoolStartsThreadsPerTask() {
        return ForkJoinPool.getCommonPoolParallelism() < 2;
    }

    /** A pool per client (idle threads end after 30 s), shut down when the client closes. */
    private static final class TaskExecutors implements KubernetesClientBuilder.ExecutorSupplier {

        @Override
        public Executor get() {
            AtomicInteger count = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), runnable -> {
                        Thread thread = new Thread(runnable, THREAD_PREFIX + count.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    });
            pool.allowCoreThreadTimeOut(true);
            return pool;
        }

        @Override
        public void onClose(Executor executor) {
            ((ExecutorService) executor).shutdownNow();
        }
    }
}
