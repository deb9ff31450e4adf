package dev.grpcbalancer.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Closed-loop unary load: every channel (one TCP connection) keeps exactly {@code concurrency}
 * Echo (or SlowEcho) calls outstanding; each completion immediately issues the next call. Latency is measured
 * per call from just before the call is started to the completion callback. Because the loop is
 * closed, a stalled target also slows the offered load (no coordinated-omission correction);
 * compare p99 between targets at equal in-flight counts, not as an open-loop SLO. With keys, every
 * call carries {@code x-bench-key}, the next of that many keys in turn (for ConsistentHash).
 */
final class UnaryLoad {

    record Result(long calls, long errors, String firstError, LatencyStats.Snapshot latency, Sampler.Delta window) {
        double callsPerSecond() {
            return calls / window.seconds();
        }
    }

    private static final long DEADLINE_SECONDS = 10;
    static final Metadata.Key<String> KEY = Metadata.Key.of("x-bench-key", Metadata.ASCII_STRING_MARSHALLER);

    private final List<ManagedChannel> channels;
    private final MethodDescriptor<byte[], byte[]> method;
    private final int concurrency;
    private final byte[] payload;
    private final Sampler sampler;
    /** Per key, the channels' views that send it; empty without keys. */
    private final List<Channel[]> keyed;
    private final AtomicLong nextKey = new AtomicLong();

    private final LatencyStats latency = new LatencyStats();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final ScheduledExecutorService retryTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "unary-retry");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopping;

    /** Calls {@code method} ({@link BenchMethods#ECHO} or {@link BenchMethods#SLOW_ECHO}); {@code keys}: see the class. */
    UnaryLoad(List<ManagedChannel> channels, MethodDescriptor<byte[], byte[]> method, int concurrency, int payloadBytes,
            Sampler sampler, int keys) {
        this.channels = channels;
        this.method = method;
        this.concurrency = concurrency;
        this.payload = BenchMethods.payload(payloadBytes);
        this.sampler = sampler;
        this.keyed = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            Metadata headers = new Metadata();
            headers.put(KEY, "key-" + k);
            Channel[] views = new Channel[channels.size()];
            for (int c = 0; c < channels.size(); c++) {
                views[c] = ClientInterceptors.intercept(channels.get(c), MetadataUtils.newAttachHeadersInterceptor(headers));
            }
            keyed.add(views);
        }
    }

    Result run(Duration warmup, Duration duration) throws InterruptedException {
        try {
            for (ManagedChannel ch : channels) {
                for (int i = 0; i < concurrency; i++) {
                    issue(ch);
                }
            }
            Thread.sleep(warmup.toMillis());

            latency.reset();
            firstError.set(null);
            long calls0 = completed.get();
            long errors0 = errors.get();
            Sampler.Sample start = sampler.take();

            Thread.sleep(duration.toMillis());

            LatencyStats.Snapshot snap = latency.interval();
            long calls = completed.get() - calls0;
            long errs = errors.get() - errors0;
            Sampler.Sample end = sampler.take();

            stopping = true;
            awaitDrain();
            return new Result(calls, errs, firstError.get(), snap, Sampler.between(start, end));
        } finally {
            stopping = true;
            retryTimer.shutdownNow();
        }
    }

    private void issue(ManagedChannel ch) {
        if (stopping) {
            return;
        }
        inFlight.incrementAndGet();
        long started = System.nanoTime();
        Channel via = keyed.isEmpty() ? ch
                : keyed.get((int) (nextKey.getAndIncrement() % keyed.size()))[channels.indexOf(ch)];
        var call = via.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS));
        ClientCalls.asyncUnaryCall(call, payload, new StreamObserver<byte[]>() {
            private boolean echoed;

            @Override
            public void onNext(byte[] value) {
                echoed = value.length == payload.length;
            }

            @Override
            public void onError(Throwable t) {
                failed(ch, Status.fromThrowable(t).toString());
            }

            @Override
            public void onCompleted() {
                if (!echoed) {
                    failed(ch, "bad echo: response length differs from request");
                    return;
                }
                latency.recordNanos(System.nanoTime() - started);
                completed.incrementAndGet();
                inFlight.decrementAndGet();
                issue(ch);
            }
        });
    }

    /** Counts the error and re-issues after a short pause, so a dead target is not spun on. */
    private void failed(ManagedChannel ch, String message) {
        errors.incrementAndGet();
        firstError.compareAndSet(null, message);
        inFlight.decrementAndGet();
        if (!stopping) {
            try {
                retryTimer.schedule(() -> issue(ch), 10, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stoppedMeanwhile) {
                // the run ended between the check and the schedule
            }
        }
    }

    private void awaitDrain() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS + 1);
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }
}
