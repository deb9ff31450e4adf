package dev.grpcbalancer.e2e;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a {@code probe --calls N} or {@code --duration D} pod printed (see dev.grpcbalancer.demo.Probe):
 * calls that succeeded and failed, and how many each backend answered.
 */
record ProbeReport(long ok, long failed, Map<String, Long> answered) {

    private static final Pattern SUMMARY = Pattern.compile("(?m)^probe: (\\d+) calls in [\\d.]+ s: (\\d+) ok, (\\d+) failed$");
    private static final Pattern BACKEND = Pattern.compile("(?m)^probe: backend (\\S+) answered (\\d+)$");

    ProbeReport {
        answered = Map.copyOf(answered);
    }

    /** Parses the probe's log; fails when it has no summary line (the probe never got to send calls). */
    static ProbeReport parse(String log) {
        Matcher summary = SUMMARY.matcher(log);
        if (!summary.find()) {
            throw new AssertionError("no call summary in the probe's log:\n" + log);
        }
        Map<String, Long> answered = new TreeMap<>();
        Matcher backend = BACKEND.matcher(log);
        while (backend.find()) {
            answered.put(backend.group(1), Long.parseLong(backend.group(2)));
        }
        return new ProbeReport(Long.parseLong(summary.group(2)), Long.parseLong(summary.group(3)), answered);
    }
}
