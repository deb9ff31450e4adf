package dev.grpcbalancer.bench;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Server-streaming load: one Stream call per channel (one TCP connection); the backend sends
 * messages of a fixed size for as long as HTTP/2 flow control lets it, the client asks for the
 * next message after each one it has read (what grpc-java stubs do). Throughput is counted from
 * the messages the client actually received during the window.
 */
final class StreamLoad {

    record Result(int messageSize, long messages, long bytes, long errors, String firstError, Sampler.Delta window) {
        double messagesPerSecond() {
            return messages / window.seconds();
        }

        double mibPerSecond() {
            return bytes / window.seconds() / (1024.0 * 1024.0);
        }
    }

    private final List<ManagedChannel> channels;
    private final int messageSize;
    private final Sampler sampler;

    private final LongAdder messages = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final Set<ClientCall<byte[], Integer>> open = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService restartTimer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stream-restart");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopping;

    StreamLoad(List<ManagedChannel> channels, int messageSize, Sampler sampler) {
        this.channels = channels;
        this.messageSize = messageSize;
        this.sampler = sampler;
    }

    Result run(Duration warmup, Duration duration) throws InterruptedException {
        try {
            for (ManagedChannel ch : channels) {
                start(ch);
            }
            Thread.sleep(warmup.toMillis());

            firstError.set(null);
            long msgs0 = messages.sum();
            long bytes0 = bytes.sum();
            long errors0 = errors.get();
            Sampler.Sample start = sampler.take();

            Thread.sleep(duration.toMillis());

            long msgs = messages.sum() - msgs0;
            long byteCount = bytes.sum() - bytes0;
            long errs = errors.get() - errors0;
            Sampler.Sample end = sampler.take();
            return new Result(messageSize, msgs, byteCount, errs, firstError.get(), Sampler.between(start, end));
        } finally {
            stopping = true;
            restartTimer.shutdownNow();
            for (ClientCall<byte[], Integer> call : open) {
                call.cancel("benchmark window over", null);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!open.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
    }

    private void start(ManagedChannel ch) {
        if (stopping) {
            return;
        }
        ClientCall<byte[], Integer> call = ch.newCall(BenchMethods.STREAM_CLIENT, CallOptions.DEFAULT);
        open.add(call);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(Integer length) {
                messages.increment();
                bytes.add(length);
                call.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                open.remove(call);
                if (stopping) {
                    return; // our own cancel
                }
                errors.incrementAndGet();
                firstError.compareAndSet(null, "stream ended: " + status);
                try {
                    restartTimer.schedule(() -> start(ch), 10, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException stoppedMeanwhile) {
                    // the run ended meanwhile
                }
            }
        }, new Metadata());
        call.sendMessage(BenchMethods.streamRequest(messageSize));
        call.halfClose();
        call.request(1);
        if (stopping) {
            call.cancel("benchmark window over", null);
        }
    }
}
