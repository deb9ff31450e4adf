package dev.grpcbalancer.controller.translate;

import dev.grpcbalancer.controller.crd.ActiveHealthCheckSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.HealthCheckSpec;
import dev.grpcbalancer.controller.crd.OutlierDetectionSpec;
import dev.grpcbalancer.controller.crd.RetryBackoffSpec;
import dev.grpcbalancer.controller.crd.RetryBudgetSpec;
import dev.grpcbalancer.controller.crd.RetrySpec;
import dev.grpcbalancer.controller.crd.SlowStartSpec;
import dev.grpcbalancer.controller.crd.TimeoutsSpec;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.OutlierDetection;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.snapshot.Timeouts;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code spec.retry}, {@code spec.timeouts}, {@code spec.outlierDetection},
 * {@code spec.healthCheck} and {@code spec.loadBalancing.slowStart}: every field checked (problems
 * go to the error list, in field order) and defaulted. Pure. The result is meaningful only when no
 * error was added.
 */
final class ResilienceSpecs {

    /** What {@code retryOn} accepts besides gRPC codes: always retried, listing them changes nothing. */
    static final List<String> ALWAYS_RETRIED = List.of("connect-failure", "refused-stream");
    private static final Duration MAX_TIMEOUT = Duration.ofDays(1);

    private ResilienceSpecs() {
    }

    /** The resilience settings of a balancer, defaulted. */
    record Resilience(RetryPolicy retry, Timeouts timeouts, OutlierDetection outlierDetection,
            HealthCheck healthCheck, Duration slowStartWindow) {
    }

    static Resilience read(GrpcBalancerSpec spec, List<SpecError> errors) {
        RetryPolicy retry = retry(spec.getRetry(), errors);
        Timeouts timeouts = timeouts(spec.getTimeouts(), errors);
        OutlierDetection outlier = outlierDetection(spec.getOutlierDetection(), errors);
        HealthCheck health = healthCheck(spec.getHealthCheck(), errors);
        SlowStartSpec slowStart = spec.getLoadBalancing() == null ? null : spec.getLoadBalancing().getSlowStart();
        Duration window = Duration.ZERO;
        if (slowStart != null) {
            if (slowStart.getWindow() == null) {
                errors.add(new SpecError("spec.loadBalancing.slowStart.window", "required"));
            } else {
                window = duration("spec.loadBalancing.slowStart.window", slowStart.getWindow(), Duration.ZERO, errors);
            }
        }
        return new Resilience(retry, timeouts, outlier, health, window);
    }

    private static RetryPolicy retry(RetrySpec spec, List<SpecError> errors) {
        RetryPolicy d = RetryPolicy.DEFAULT;
        if (spec == null) {
            return d;
        }
        int numRetries = range("spec.retry.numRetries", spec.getNumRetries(), 0, RetryPolicy.MAX_RETRIES,
                d.numRetries(), errors);
        Set<GrpcCode> retryOn = EnumSet.noneOf(GrpcCode.class);
        List<String> names = spec.getRetryOn() == null ? List.of() : spec.getRetryOn();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Optional<GrpcCode> code = GrpcCode.parse(String.valueOf(name));
            if (code.isPresent() && RetryPolicy.RETRYABLE_CODES.contains(code.get())) {
                retryOn.add(code.get());
            } else if (!ALWAYS_RETRIED.contains(name)) {
                errors.add(new SpecError("spec.retry.retryOn[" + i + "]", "must be one of " + retryOnNames()
                        + ", got \"" + name + "\""));
            }
        }
        Duration perTry = duration("spec.retry.perTryTimeout", spec.getPerTryTimeout(), d.perTryTimeout(), errors);
        RetryBackoffSpec backoff = spec.getBackoff();
        Duration base = d.backoffBase();
        Duration max = d.backoffMax();
        if (backoff != null) {
            base = duration("spec.retry.backoff.baseInterval", backoff.getBaseInterval(), base, errors);
            max = duration("spec.retry.backoff.maxInterval", backoff.getMaxInterval(),
                    backoff.getBaseInterval() == null ? max : base.multipliedBy(10), errors);
            if (max.compareTo(base) < 0) {
                errors.add(new SpecError("spec.retry.backoff.maxInterval", "must not be less than baseInterval ("
                        + backoff.getBaseInterval() + "), got " + backoff.getMaxInterval()));
                max = base;
            }
        }
        RetryBudgetSpec budget = spec.getBudget();
        int percent = d.budgetPercent();
        int minPerSecond = d.minRetriesPerSecond();
        if (budget != null) {
            percent = range("spec.retry.budget.percent", budget.getPercent(), 0, 100, percent, errors);
            minPerSecond = range("spec.retry.budget.minRetriesPerSecond", budget.getMinRetriesPerSecond(), 0,
                    1_000_000, minPerSecond, errors);
        }
        int replay = range("spec.retry.replayBufferBytes", spec.getReplayBufferBytes(), 0,
                RetryPolicy.MAX_REPLAY_BUFFER_BYTES, d.replayBufferBytes(), errors);
        return new RetryPolicy(numRetries, retryOn, perTry, base, max, percent, minPerSecond, replay);
    }

    private static Timeouts timeouts(TimeoutsSpec spec, List<SpecError> errors) {
        Timeouts d = Timeouts.DEFAULT;
        if (spec == null) {
            return d;
        }
        return new Timeouts(
                duration("spec.timeouts.connect", spec.getConnect(), d.connect(), errors),
                duration("spec.timeouts.request", spec.getRequest(), d.request(), errors),
                duration("spec.timeouts.streamIdle", spec.getStreamIdle(), d.streamIdle(), errors));
    }

    private static OutlierDetection outlierDetection(OutlierDetectionSpec spec, List<SpecError> errors) {
        OutlierDetection d = OutlierDetection.DISABLED;
        if (spec == null) {
            return d;
        }
        int consecutive = range("spec.outlierDetection.consecutiveFailures", spec.getConsecutiveFailures(), 1,
                1_000_000, d.consecutiveFailures(), errors);
        Set<GrpcCode> codes = d.errorCodes();
        if (spec.getConsecutiveErrorCodes() != null) {
            codes = EnumSet.noneOf(GrpcCode.class);
            List<String> names = spec.getConsecutiveErrorCodes();
            for (int i = 0; i < names.size(); i++) {
                Optional<GrpcCode> code = GrpcCode.parse(String.valueOf(names.get(i)));
                if (code.isPresent() && code.get() != GrpcCode.OK) {
                    codes.add(code.get());
                } else {
                    errors.add(new SpecError("spec.outlierDetection.consecutiveErrorCodes[" + i + "]",
                            "must be a gRPC code other than ok (" + String.join(", ",
                                    GrpcCode.configNames().subList(1, GrpcCode.values().length))
                            + "), got \"" + names.get(i) + "\""));
                }
            }
        }
        return new OutlierDetection(true, consecutive, codes,
                duration("spec.outlierDetection.interval", spec.getInterval(), d.interval(), errors),
                duration("spec.outlierDetection.baseEjectionTime", spec.getBaseEjectionTime(), d.baseEjectionTime(),
                        errors),
                range("spec.outlierDetection.maxEjectionPercent", spec.getMaxEjectionPercent(), 0, 100,
                        d.maxEjectionPercent(), errors));
    }

    private static HealthCheck healthCheck(HealthCheckSpec spec, List<SpecError> errors) {
        HealthCheck d = HealthCheck.DEFAULT;
        if (spec == null) {
            return d;
        }
        int panic = range("spec.healthCheck.panicThreshold", spec.getPanicThreshold(), 0, 100,
                d.panicThresholdPercent(), errors);
        ActiveHealthCheckSpec active = spec.getActive();
        if (active == null) {
            return new HealthCheck(false, d.service(), d.interval(), d.timeout(), d.healthyThreshold(),
                    d.unhealthyThreshold(), panic);
        }
        String service = active.getService() == null ? "" : active.getService();
        if (service.length() > 1024) {
            errors.add(new SpecError("spec.healthCheck.active.service", "must be at most 1024 characters"));
        }
        return new HealthCheck(true, service,
                duration("spec.healthCheck.active.interval", active.getInterval(), d.interval(), errors),
                duration("spec.healthCheck.active.timeout", active.getTimeout(), d.timeout(), errors),
                range("spec.healthCheck.active.healthyThreshold", active.getHealthyThreshold(), 1, 1000,
                        d.healthyThreshold(), errors),
                range("spec.healthCheck.active.unhealthyThreshold", active.getUnhealthyThreshold(), 1, 1000,
                        d.unhealthyThreshold(), errors),
                panic);
    }

    /** The duration at {@code field}: {@code fallback} when absent; must be more than 0 and at most a day. */
    static Duration duration(String field, String text, Duration fallback, List<SpecError> errors) {
        if (text == null) {
            return fallback;
        }
        Duration parsed = DurationSyntax.parse(text);
        if (parsed == null) {
            errors.add(new SpecError(field, "must be a duration such as 250ms, 5s, 1m or 1h30m, got \"" + text + "\""));
            return fallback;
        }
        if (parsed.isZero() || parsed.compareTo(MAX_TIMEOUT) > 0) {
            errors.add(new SpecError(field, "must be more than 0 and at most 24h, got " + text));
            return fallback;
        }
        return parsed;
    }

    static int range(String field, Integer value, int min, int max, int fallback, List<SpecError> errors) {
        if (value == null) {
            return fallback;
        }
        if (value < min || value > max) {
            errors.add(new SpecError(field, "must be " + min + ".." + max + ", got " + value));
            return fallback;
        }
        return value;
    }

    private static String retryOnNames() {
        StringBuilder names = new StringBuilder();
        for (GrpcCode code : GrpcCode.values()) {
            if (RetryPolicy.RETRYABLE_CODES.contains(code)) {
                names.append(code.configName()).append(", ");
            }
        }
        return names + String.join(", ", ALWAYS_RETRIED);
    }
}
