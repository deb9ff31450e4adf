package dev.grpcbalancer.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The unary workload with nghttp2's {@code h2load} as the client instead of grpc-java: {@code -c}
 * connections × {@code -m} streams in flight, each a POST of an empty gRPC message (the 5-byte
 * frame {@code 00 00000000}) to {@code bench.Bench/Echo} with {@code content-type:
 * application/grpc} and {@code te: trailers}; {@code -D} seconds measured after
 * {@code --warm-up-time}. The measurement window of the {@link Sampler} is cut at h2load's own
 * phase lines, so CPU, connections and backend counters cover exactly its measured duration.
 *
 * <p>Requests/s come from h2load's summary, latency percentiles from its per-request log
 * ({@code --log-file}: start, HTTP status, microseconds to the end of the response; written for
 * the measured duration only). h2load judges a request by its HTTP status alone: a proxy that
 * answers {@code :status 200} with {@code grpc-status: 14} in the trailers counts as a success. So
 * two gRPC-level checks come with every run: the calls the backends served in the window (set
 * against h2load's 2xx count by the report), and the {@code grpc-status} of a sample of the same
 * request sent with {@code nghttp}, which prints trailers.
 */
final class H2Load {

    static final String PATH = "/bench.Bench/Echo";
    static final int SAMPLE = 100;
    /** An empty gRPC message: not compressed, length 0. */
    private static final byte[] EMPTY_MESSAGE = {0, 0, 0, 0, 0};
    private static final Pattern FINISHED = Pattern.compile("finished in .*?, ([\\d.]+) req/s");
    private static final Pattern REQUESTS = Pattern.compile(
            "requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored, (\\d+) timeout");
    private static final Pattern STATUS_CODES = Pattern.compile("status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, (\\d+) 5xx");
    private static final Pattern GRPC_STATUS = Pattern.compile("recv \\(stream_id=\\d+\\) grpc-status: (\\d+)");

    /**
     * One measured run.
     *
     * @param succeeded requests with a 2xx or 3xx status (h2load's "succeeded")
     * @param failed requests that did not succeed: 4xx/5xx, or the stream failed (h2load's "failed")
     * @param errored the failed ones without a response (reset, connection lost: h2load's "errored")
     * @param status2xx responses with a 2xx status; 3xx ones are errors for gRPC
     * @param grpcSample {@code grpc-status} → responses, of {@link #SAMPLE} sent with nghttp after the run
     *     (empty when nghttp is not on PATH or failed)
     */
    record Result(double requestsPerSecond, long succeeded, long failed, long errored, long status2xx, long status3xx,
            String statusCodes, LatencyStats.Snapshot latency, Sampler.Delta window, Map<Integer, Integer> grpcSample,
            String command) {

        /** What h2load counts as failed plus 3xx answers (a gRPC server never redirects). */
        long errors() {
            return failed + status3xx;
        }

        /** The first problem worth showing, or null. */
        String firstError() {
            List<String> problems = new ArrayList<>();
            if (errors() > 0) {
                problems.add("h2load: " + failed + " failed (" + errored + " without a response), " + statusCodes);
            }
            int notOk = grpcSample.entrySet().stream().filter(e -> e.getKey() != 0).mapToInt(Map.Entry::getValue).sum();
            if (notOk > 0) {
                problems.add("nghttp sample: grpc-status " + grpcSample);
            }
            return problems.isEmpty() ? null : String.join("; ", problems);
        }
    }

    private final int connections;
    private final int concurrency;
    private final int threads;
    private final Path workDir;

    /** @param workDir where the request body and the per-request logs go */
    H2Load(int connections, int concurrency, int threads, Path workDir) {
        this.connections = connections;
        this.concurrency = concurrency;
        this.threads = Math.min(threads, connections);
        this.workDir = workDir;
    }

    static boolean available() {
        return Peers.onPath("h2load");
    }

    /**
     * Runs h2load against {@code port} and samples {@code sampler} (taken over to count the h2load
     * process as the client) when h2load's measured duration starts and ends.
     *
     * @throws IOException when h2load cannot run or prints no summary (the message has its output)
     */
    Result run(int port, Sampler sampler, Duration warmup, Duration duration) throws IOException, InterruptedException {
        Path body = workDir.resolve("empty-grpc-message");
        if (!Files.exists(body)) {
            Files.write(body, EMPTY_MESSAGE);
        }
        Path log = Files.createTempFile(workDir, "h2load-", ".tsv");
        String url = "http://127.0.0.1:" + port + PATH;
        List<String> cmd = new ArrayList<>(List.of("h2load", "-c", String.valueOf(connections), "-m",
                String.valueOf(concurrency), "-t", String.valueOf(threads), "-D", duration.toMillis() + "ms"));
        if (!warmup.isZero()) {
            cmd.add("--warm-up-time=" + warmup.toMillis() + "ms");
        }
        cmd.addAll(List.of("-d", body.toString(), "-H", "content-type: application/grpc", "-H", "te: trailers",
                "--log-file=" + log, url));
        try {
            Process process = new ProcessBuilder(Peers.dyingWithThisJvm(cmd)).redirectErrorStream(true).start();
            Sampler client = sampler.withClient(process.toHandle());
            StringBuilder output = new StringBuilder();
            Sampler.Sample start = null;
            Sampler.Sample end = null;
            // h2load ends on its own after -D; should it hang, it is killed and its output ends.
            long limit = warmup.plus(duration).plusSeconds(30).toMillis();
            CompletableFuture.delayedExecutor(limit, TimeUnit.MILLISECONDS).execute(process::destroyForcibly);
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    output.append(line).append('\n');
                    if (start == null && line.startsWith("Main benchmark duration is started")) {
                        start = client.take();
                    } else if (end == null && start != null && line.startsWith("Main benchmark duration is over")) {
                        end = client.take();
                    }
                }
            }
            output.append("(exit status ").append(process.waitFor()).append(")\n");
            return parse(output.toString(), log, start, end, String.join(" ", cmd), grpcSample(body, url));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static Result parse(String output, Path log, Sampler.Sample start, Sampler.Sample end,
            String command, Map<Integer, Integer> sample) throws IOException {
        Matcher finished = FINISHED.matcher(output);
        Matcher requests = REQUESTS.matcher(output);
        Matcher codes = STATUS_CODES.matcher(output);
        if (!finished.find() || !requests.find() || !codes.find() || start == null || end == null) {
            throw new IOException("h2load gave no summary for its measured duration:\n" + indent(output));
        }
        LatencyStats latency = new LatencyStats();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            String[] f = line.split("\t");
            if (f.length == 3 && f[1].startsWith("2")) {
                latency.recordNanos(Long.parseLong(f[2]) * 1000);
            }
        }
        return new Result(Double.parseDouble(finished.group(1)), Long.parseLong(requests.group(4)),
                Long.parseLong(requests.group(5)), Long.parseLong(requests.group(6)), Long.parseLong(codes.group(1)),
                Long.parseLong(codes.group(2)), codes.group(0).substring("status codes: ".length()), latency.interval(),
                window(start, end), sample, command);
    }

    /**
     * The window between the two phase lines. h2load starts closing its connections as it prints
     * the second, so the client connections are those open when the measured duration started.
     */
    private static Sampler.Delta window(Sampler.Sample start, Sampler.Sample end) {
        Sampler.Delta d = Sampler.between(start, end);
        return new Sampler.Delta(d.seconds(), d.backends(), d.proxyCores(), d.benchCores(), d.otherCores(),
                start.clientConnections(), d.backendConnections());
    }

    /** {@code grpc-status} → count over {@link #SAMPLE} of the same request sent with nghttp, which shows trailers. */
    private static Map<Integer, Integer> grpcSample(Path body, String url) {
        Map<Integer, Integer> statuses = new TreeMap<>();
        if (!Peers.onPath("nghttp")) {
            return statuses;
        }
        String out = Peers.output(List.of("nghttp", "-v", "-n", "-m", String.valueOf(SAMPLE), "-d", body.toString(),
                "-H", "content-type: application/grpc", "-H", "te: trailers", url));
        Matcher m = GRPC_STATUS.matcher(out);
        while (m.find()) {
            statuses.merge(Integer.parseInt(m.group(1)), 1, Integer::sum);
        }
        int answered = statuses.values().stream().mapToInt(Integer::intValue).sum();
        if (answered < SAMPLE) {
            statuses.merge(-1, SAMPLE - answered, Integer::sum); // no grpc-status seen
        }
        return statuses;
    }

    /** "100 × 0" or "97 × 0, 3 × 14" ("none" for a response without grpc-status); empty when not sampled. */
    static String describeSample(Map<Integer, Integer> sample) {
        return sample.entrySet().stream()
                .map(e -> e.getValue() + " × " + (e.getKey() < 0 ? "none" : String.valueOf(e.getKey())))
                .collect(Collectors.joining(", "));
    }

    private static String indent(CharSequence output) {
        return output.toString().lines().map(l -> "    | " + l).collect(Collectors.joining("\n"));
    }
}
