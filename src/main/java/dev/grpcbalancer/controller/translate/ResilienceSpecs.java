package dev.grpcbalancer.controller.translate;

import dev.grpcbalancer.controller.crd.ActiveHealthCheckSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.HealthCheckSpec;
import dev.grpcbalancer.controller.crd.HedgingSpec;
import dev.grpcbalancer.controller.crd.LoadBalancingSpec;
import dev.grpcbalancer.controller.crd.OutlierDetectionSpec;
import dev.grpcbalancer.controller.crd.RetryBackoffSpec;
import dev.grpcbalancer.controller.crd.RetryBudgetSpec;
import dev.grpcbalancer.controller.crd.RetrySpec;
import dev.grpcbalancer.controller.crd.RuleSpec;
import dev.grpcbalancer.controller.crd.SlowStartSpec;
import dev.grpcbalancer.controller.crd.TimeoutsSpec;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.HedgingPolicy;
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
 * {@code spec.healthCheck}, {@code spec.loadBalancing.slowStart} and {@code spec.hedging}: every
 * field checked (problems go to the error list, in field order) and defaulted. Pure. The result is
 * meaningful only when no error was added.
 */
final class ResilienceSpecs {

    /** What {@code retryOn} accepts besides gRPC codes: always retried, listing them changes nothing. */
    static final List<String> ALWAYS_RETRIED = List.of("connect-failure", "refused-stream");
    private static final Duration MAX_TIMEOUT = Duration.ofDays(1);
    /** {@code spec.hedging.maxAttempts} when left out: one hedge. */
    static final int DEFAULT_HEDGED_ATTEMPTS = 2;

    private ResilienceSpecs() {
    }

    /** The resilience settings of a balancer, defaulted. */
    record Resilience(RetryPolicy retry, Timeouts timeouts, OutlierDetection outlierDetection,
            HealthCheck healthCheck, Duration slowStartWindow, HedgingPolicy hedging) {
    }

    /** The sections a balancer or a rule may set (each null when left out). */
    record Sections(LoadBalancingSpec loadBalancing, RetrySpec retry, TimeoutsSpec timeouts,
            OutlierDetectionSpec outlierDetection, HealthCheckSpec healthCheck, HedgingSpec hedging) {

        static Sections of(GrpcBalancerSpec spec) {
            return new Sections(spec.getLoadBalancing(), spec.getRetry(), spec.getTimeouts(), spec.getOutlierDetection(),
                    spec.getHealthCheck(), spec.getHedging());
        }

        static Sections of(RuleSpec rule) {
            return new Sections(rule.getLoadBalancing(), rule.getRetry(), rule.getTimeouts(), rule.getOutlierDetection(),
                    rule.getHealthCheck(), rule.getHedging());
        }

        /**
         * These sections where set, {@code fallback}'s where not: a rule's over its balancer's.
         * {@code retry} and {@code hedging} are one choice: a rule that sets either replaces both.
         */
        Sections orElse(Sections fallback) {
            boolean ownAttempts = retry != null || hedging != null;
            return new Sections(loadBalancing != null ? loadBalancing : fallback.loadBalancing,
                    ownAttempts ? retry : fallback.retry, timeouts != null ? timeouts : fallback.timeouts,
                    outlierDetection != null ? outlierDetection : fallback.outlierDetection,
                    healthCheck != null ? healthCheck : fallback.healthCheck, ownAttempts ? hedging : fallback.hedging);
        }
    }

    static Resilience read(GrpcBalancerSpec spec, List<SpecError> errors) {
        return read("spec", Sections.of(spec), errors);
    }

    /** Reads {@code sections}, naming fields under {@code prefix} ({@code spec} or {@code spec.rules[2]}). */
    static Resilience read(String prefix, Sections sections, List<SpecError> errors) {
        RetryPolicy retry = retry(prefix, sections.retry(), errors);
        Timeouts timeouts = timeouts(prefix, sections.timeouts(), errors);
        OutlierDetection outlier = outlierDetection(prefix, sections.outlierDetection(), errors);
        HealthCheck health = healthCheck(prefix, sections.healthCheck(), errors);
        SlowStartSpec slowStart = sections.loadBalancing() == null ? null : sections.loadBalancing().getSlowStart();
        Duration window = Duration.ZERO;
        if (slowStart != null) {
            if (slowStart.getWindow() == null) {
                errors.add(new SpecError(prefix + ".loadBalancing.slowStart.window", "required"));
            } else {
                window = duration(prefix + ".loadBalancing.slowStart.window", slowStart.getWindow(), Duration.ZERO, errors);
            }
        }
        HedgingPolicy hedging = hedging(prefix, sections.hedging(), errors);
        if (sections.retry() != null && sections.hedging() != null) {
            errors.add(new SpecError(prefix + ".hedging", "set at most one of retry and hedging: "
                    + ("spec".equals(prefix) ? "a balancer" : "a rule") + " either retries failed attempts or hedges"
                    + " (remove " + prefix + ".retry or " + prefix + ".hedging)"));
        }
        return new Resilience(retry, timeouts, outlier, health, window, hedging);
    }

    private static HedgingPolicy hedging(String prefix, HedgingSpec spec, List<SpecError> errors) {
        if (spec == null) {
            return HedgingPolicy.DISABLED;
        }
        int maxAttempts = range(prefix + ".hedging.maxAttempts", spec.getMaxAttempts(), 2, HedgingPolicy.MAX_ATTEMPTS,
                DEFAULT_HEDGED_ATTEMPTS, errors);
        Duration delay = Duration.ofMillis(50);
        if (spec.getHedgingDelay() == null) {
            errors.add(new SpecError(prefix + ".hedging.hedgingDelay", "required, e.g. 50ms: how long an attempt may go"
                    + " without response headers before the next one starts"));
        } else {
            delay = duration(prefix + ".hedging.hedgingDelay", spec.getHedgingDelay(), delay, errors);
        }
        Set<GrpcCode> nonFatal = EnumSet.noneOf(GrpcCode.class);
        List<String> names = spec.getNonFatalStatusCodes() == null ? List.of() : spec.getNonFatalStatusCodes();
        for (int i = 0; i < names.size(); i++) {
            Optional<GrpcCode> code = GrpcCode.parse(String.valueOf(names.get(i)));
            if (code.isPresent() && code.get() != GrpcCode.OK) {
                nonFatal.add(code.get());
            } else {
                errors.add(new SpecError(prefix + ".hedging.nonFatalStatusCodes[" + i + "]", "must be a gRPC code other"
                        + " than ok (" + codesButOk() + "), got \"" + names.get(i) + "\""));
            }
        }
        return new HedgingPolicy(maxAttempts, delay, nonFatal);
    }

    private static String codesButOk() {
        return String.join(", ", GrpcCode.configNames().subList(1, GrpcCode.values().length));
    }

    private static RetryPolicy retry(String prefix, RetrySpec spec, List<SpecError> errors) {
        RetryPolicy d = RetryPolicy.DEFAULT;
        if (spec == null) {
            return d;
        }
        int numRetries = range(prefix + ".retry.numRetries", spec.getNumRetries(), 0, RetryPolicy.MAX_RETRIES,
                d.numRetries(), errors);
        Set<GrpcCode> retryOn = EnumSet.noneOf(GrpcCode.class);
        List<String> names = spec.getRetryOn() == null ? List.of() : spec.getRetryOn();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Optional<GrpcCode> code = GrpcCode.parse(String.valueOf(name));
            if (code.isPresent() && RetryPolicy.RETRYABLE_CODES.contains(code.get())) {
                retryOn.add(code.get());
            } else if (!ALWAYS_RETRIED.contains(name)) {
                errors.add(new SpecError(prefix + ".retry.retryOn[" + i + "]", "must be one of " + retryOnNames()
                        + ", got \"" + name + "\""));
            }
        }
        Duration perTry = duration(prefix + ".retry.perTryTimeout", spec.getPerTryTimeout(), d.perTryTimeout(), errors);
        RetryBackoffSpec backoff = spec.getBackoff();
        Duration base = d.backoffBase();
        Duration max = d.backoffMax();
        if (backoff != null) {
            base = duration(prefix + ".retry.backoff.baseInterval", backoff.getBaseInterval(), base, errors);
            max = duration(prefix + ".retry.backoff.maxInterval", backoff.getMaxInterval(),
                    backoff.getBaseInterval() == null ? max : base.multipliedBy(10), errors);
            if (max.compareTo(base) < 0) {
                errors.add(new SpecError(prefix + ".retry.backoff.maxInterval", "must not be less than baseInterval ("
                        + backoff.getBaseInterval() + "), got " + backoff.getMaxInterval()));
                max = base;
            }
        }
        RetryBudgetSpec budget = spec.getBudget();
        int percent = d.budgetPercent();
        int minPerSecond = d.minRetriesPerSecond();
        if (budget != null) {
            percent = range(prefix + ".retry.budget.percent", budget.getPercent(), 0, 100, percent, errors);
            minPerSecond = range(prefix + ".retry.budget.minRetriesPerSecond", budget.getMinRetriesPerSecond(), 0,
                    1_000_000, minPerSecond, errors);
        }
        int replay = range(prefix + ".retry.replayBufferBytes", spec.getReplayBufferBytes(), 0,
                RetryPolicy.MAX_REPLAY_BUFFER_BYTES, d.replayBufferBytes(), errors);
        return new RetryPolicy(numRetries, retryOn, perTry, base, max, percent, minPerSecond, replay);
    }

    private static Timeouts timeouts(String prefix, TimeoutsSpec spec, List<SpecError> errors) {
        Timeouts d = Timeouts.DEFAULT;
        if (spec == null) {
            return d;
        }
        return new Timeouts(
                duration(prefix + ".timeouts.connect", spec.getConnect(), d.connect(), errors),
                duration(prefix + ".timeouts.request", spec.getRequest(), d.request(), errors),
                duration(prefix + ".timeouts.streamIdle", spec.getStreamIdle(), d.streamIdle(), errors));
    }

    private static OutlierDetection outlierDetection(String prefix, OutlierDetectionSpec spec, List<SpecError> errors) {
        OutlierDetection d = OutlierDetection.DISABLED;
        if (spec == null) {
            return d;
        }
        int consecutive = range(prefix + ".outlierDetection.consecutiveFailures", spec.getConsecutiveFailures(), 1,
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
                    errors.add(new SpecError(prefix + ".outlierDetection.consecutiveErrorCodes[" + i + "]",
                            "must be a gRPC code other than ok (" + codesButOk() + "), got \"" + names.get(i) + "\""));
                }
            }
        }
        return new OutlierDetection(true, consecutive, codes,
                duration(prefix + ".outlierDetection.interval", spec.getInterval(), d.interval(), errors),
                duration(prefix + ".outlierDetection.baseEjectionTime", spec.getBaseEjectionTime(), d.baseEjectionTime(),
                        errors),
                range(prefix + ".outlierDetection.maxEjectionPercent", spec.getMaxEjectionPercent(), 0, 100,
                        d.maxEjectionPercent(), errors));
    }

    private static HealthCheck healthCheck(String prefix, HealthCheckSpec spec, List<SpecError> errors) {
        HealthCheck d = HealthCheck.DEFAULT;
        if (spec == null) {
            return d;
        }
        int panic = range(prefix + ".healthCheck.panicThreshold", spec.getPanicThreshold(), 0, 100,
                d.panicThresholdPercent(), errors);
        ActiveHealthCheckSpec active = spec.getActive();
        if (active == null) {
            return new HealthCheck(false, d.service(), d.interval(), d.timeout(), d.healthyThreshold(),
                    d.unhealthyThreshold(), panic);
        }
        String service = active.getService() == null ? "" : active.getService();
        if (service.length() > 1024) {
            errors.add(new SpecError(prefix + ".healthCheck.active.service", "must be at most 1024 characters"));
        }
        return new HealthCheck(true, service,
                duration(prefix + ".healthCheck.active.interval", active.getInterval(), d.interval(), errors),
                duration(prefix + ".healthCheck.active.timeout", active.getTimeout(), d.timeout(), errors),
                range(prefix + ".healthCheck.active.healthyThreshold", active.getHealthyThreshold(), 1, 1000,
                        d.healthyThreshold(), errors),
                range(prefix + ".healthCheck.active.unhealthyThreshold", active.getUnhealthyThreshold(), 1, 1000,
                        d.unhealthyThreshold(), errors),
                panic);
    }

    /** The duration at {@code field}: {@code fallback} when absent; must be more than 0 and at most a day. */
    private static Duration duration(String field, String text, Duration fallback, List<SpecError> errors) {
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

    private static int range(String field, Integer value, int min, int max, int fallback, List<SpecError> errors) {
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
