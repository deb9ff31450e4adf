package dev.grpcbalancer.demo;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.demo.HealthCheck.ServingStatus;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@code probe} command: over ONE plaintext HTTP/2 connection, asks
 * {@code grpc.health.v1.Health/Check} (one attempt per second, each with a 1 s deadline) until the
 * answer is SERVING or the timeout passes; then optionally sends {@code demo.Greeter/SayHello}
 * calls and prints how many each backend (by the id it answers with) took.
 *
 * <p>Output, one fact per line so scripts and tests can read it:
 * <pre>
 * probe: 10.43.0.7:8080 is SERVING (service "", attempt 1)
 * probe: 300 calls in 0.4 s: 300 ok, 0 failed
 * probe: backend greeter-6d4f9-abcde answered 100
 * </pre>
 * A failure is one line on stderr starting with {@code probe: FAILED:} and exit code 1.
 */
public final class Probe {

    /** Exit code when every step succeeded. */
    public static final int OK = 0;
    /** Exit code when the target never answered SERVING, or any call failed. */
    public static final int FAILED = 1;

    private static final Duration ATTEMPT = Duration.ofSeconds(1);
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);

    private final Options options;
    private final PrintWriter out;
    private final PrintWriter err;

    /**
     * What to probe and how.
     *
     * @param host host name or IP address (IPv6 without brackets)
     * @param service the service name asked in the health check; {@code ""} means the server
     * @param timeout how long to wait for SERVING
     * @param calls SayHello calls to send after SERVING; 0 for none (unless {@code duration} is set)
     * @param duration send calls for this long instead of a count; {@link Duration#ZERO} for none
     * @param concurrency calls in flight at once
     */
    public record Options(String host, int port, String service, Duration timeout, int calls, Duration duration,
            int concurrency) {
        public Options {
            requireNonNull(host, "host");
            requireNonNull(service, "service");
            requireNonNull(timeout, "timeout");
            requireNonNull(duration, "duration");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, got " + port);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            if (calls < 0) {
                throw new IllegalArgumentException("calls must not be negative, got " + calls);
            }
            if (duration.isNegative()) {
                throw new IllegalArgumentException("duration must not be negative, got " + duration);
            }
            if (calls > 0 && !duration.isZero()) {
                throw new IllegalArgumentException("give a number of calls or a duration, not both");
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be positive, got " + concurrency);
            }
        }

        String target() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    public Probe(Options options, PrintWriter out, PrintWriter err) {
        this.options = requireNonNull(options, "options");
        this.out = requireNonNull(out, "out");
        this.err = requireNonNull(err, "err");
    }

    /** Runs the probe; returns {@link #OK} or {@link #FAILED}. */
    public int run() throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress(options.host(), options.port()).usePlaintext().build();
        try {
            if (!awaitServing(channel)) {
                return FAILED;
            }
            if (options.calls() == 0 && options.duration().isZero()) {
                return OK;
            }
            return sendCalls(channel);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private boolean awaitServing(ManagedChannel channel) throws InterruptedException {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        String lastAnswer = "none";
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            long attemptNanos = Math.max(1, Math.min(ATTEMPT.toNanos(), deadline - started));
            try {
                ServingStatus status = ClientCalls.blockingUnaryCall(channel, HealthCheck.CHECK,
                        CallOptions.DEFAULT.withDeadlineAfter(attemptNanos, TimeUnit.NANOSECONDS), options.service());
                if (status == ServingStatus.SERVING) {
                    println(out, "probe: " + options.target() + " is SERVING (service \"" + options.service()
                            + "\", attempt " + attempt + ")");
                    return true;
                }
                lastAnswer = status.name();
            } catch (StatusRuntimeException e) {
                lastAnswer = describe(e.getStatus());
            }
            long next = started + ATTEMPT.toNanos();
            if (next - deadline >= 0) {
                println(err, "probe: FAILED: " + options.target() + " did not answer SERVING for service \""
                        + options.service() + "\" within " + options.timeout().toMillis() / 1000.0 + " s ("
                        + attempt + (attempt == 1 ? " attempt" : " attempts") + "); last answer: " + lastAnswer);
                return false;
            }
            channel.resetConnectBackoff(); // the next attempt connects at once, not after gRPC's backoff
            TimeUnit.NANOSECONDS.sleep(next - System.nanoTime());
        }
    }

    private int sendCalls(ManagedChannel channel) throws InterruptedException {
        Map<String, LongAdder> answered = new ConcurrentHashMap<>();
        Map<Status.Code, LongAdder> failed = new ConcurrentHashMap<>();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        Semaphore inFlight = new Semaphore(options.concurrency());
        long started = System.nanoTime();
        long stopAt = started + options.duration().toNanos();
        int sent = 0;
        while (options.calls() > 0 ? sent < options.calls() : System.nanoTime() - stopAt < 0) {
            inFlight.acquire();
            ClientCalls.asyncUnaryCall(
                    channel.newCall(GreeterMethod.SAY_HELLO, CallOptions.DEFAULT.withDeadlineAfter(
                            CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)),
                    "hello " + sent,
                    new StreamObserver<>() {
                        @Override
                        public void onNext(String backendId) {
                            answered.computeIfAbsent(backendId, id -> new LongAdder()).increment();
                        }

                        @Override
                        public void onError(Throwable t) {
                            Status status = Status.fromThrowable(t);
                            failed.computeIfAbsent(status.getCode(), code -> new LongAdder()).increment();
                            firstFailure.compareAndSet(null, describe(status));
                            inFlight.release();
                        }

                        @Override
                        public void onCompleted() {
                            inFlight.release();
                        }
                    });
            sent++;
        }
        inFlight.acquire(options.concurrency());
        long failures = failed.values().stream().mapToLong(LongAdder::sum).sum();
        println(out, String.format("probe: %d calls in %.1f s: %d ok, %d failed",
                sent, (System.nanoTime() - started) / 1e9, sent - failures, failures));
        new TreeMap<>(answered).forEach((id, count) -> println(out, "probe: backend " + id + " answered " + count.sum()));
        if (failures > 0) {
            Map<Status.Code, Long> byCode = new TreeMap<>();
            failed.forEach((code, count) -> byCode.put(code, count.sum()));
            println(err, "probe: FAILED: " + failures + " of " + sent + " calls failed " + byCode
                    + "; first: " + firstFailure.get());
            return FAILED;
        }
        return OK;
    }

    private static String describe(Status status) {
        StringBuilder text = new StringBuilder(status.getCode().name());
        if (status.getDescription() != null) {
            text.append(": ").append(status.getDescription());
        }
        if (status.getCause() != null && status.getCause().getMessage() != null) {
            text.append(" (").append(status.getCause().getMessage()).append(')');
        }
        return text.toString();
    }

    private static void println(PrintWriter writer, String line) {
        writer.println(line);
        writer.flush();
    }
}
