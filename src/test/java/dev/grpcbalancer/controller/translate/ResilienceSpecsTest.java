package dev.grpcbalancer.controller.translate;

import static dev.grpcbalancer.controller.translate.SpecValidationTest.balancer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.ActiveHealthCheckSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.HealthCheckSpec;
import dev.grpcbalancer.controller.crd.HedgingSpec;
import dev.grpcbalancer.controller.crd.LoadBalancingSpec;
import dev.grpcbalancer.controller.crd.OutlierDetectionSpec;
import dev.grpcbalancer.controller.crd.RetryBackoffSpec;
import dev.grpcbalancer.controller.crd.RetryBudgetSpec;
import dev.grpcbalancer.controller.crd.RetrySpec;
import dev.grpcbalancer.controller.crd.SlowStartSpec;
import dev.grpcbalancer.controller.crd.TimeoutsSpec;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.HedgingPolicy;
import dev.grpcbalancer.snapshot.OutlierDetection;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.snapshot.Timeouts;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResilienceSpecsTest {

    @Test
    void absentSectionsGiveTheDocumentedDefaults() {
        BalancerConfig config = BalancerTranslator.translateStatic(balancer("greeter", 8080, "10.0.0.1:1")).config();

        assertThat(config.retry()).isEqualTo(RetryPolicy.DEFAULT);
        assertThat(config.retry().numRetries()).isEqualTo(1);
        assertThat(config.retry().retryOn()).isEmpty();
        assertThat(config.retry().replayBufferBytes()).isEqualTo(64 * 1024);
        assertThat(config.timeouts()).isEqualTo(Timeouts.DEFAULT);
        assertThat(config.timeouts().streamIdle()).isEqualTo(Duration.ofHours(1));
        assertThat(config.outlierDetection().enabled()).isFalse();
        assertThat(config.healthCheck().active()).isFalse();
        assertThat(config.healthCheck().panicThresholdPercent()).isEqualTo(50);
        assertThat(config.slowStartWindow()).isZero();
    }

    @Test
    void everySectionIsTranslated() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        RetrySpec retry = new RetrySpec();
        retry.setNumRetries(3);
        retry.setRetryOn(List.of("unavailable", "connect-failure", "deadline-exceeded"));
        retry.setPerTryTimeout("500ms");
        RetryBackoffSpec backoff = new RetryBackoffSpec();
        backoff.setBaseInterval("10ms");
        retry.setBackoff(backoff);
        RetryBudgetSpec budget = new RetryBudgetSpec();
        budget.setPercent(50);
        budget.setMinRetriesPerSecond(0);
        retry.setBudget(budget);
        retry.setReplayBufferBytes(1024);
        balancer.getSpec().setRetry(retry);
        TimeoutsSpec timeouts = new TimeoutsSpec();
        timeouts.setConnect("2s");
        timeouts.setRequest("1m30s");
        balancer.getSpec().setTimeouts(timeouts);
        OutlierDetectionSpec outlier = new OutlierDetectionSpec();
        outlier.setConsecutiveFailures(3);
        outlier.setConsecutiveErrorCodes(List.of("unavailable"));
        outlier.setBaseEjectionTime("1s");
        balancer.getSpec().setOutlierDetection(outlier);
        HealthCheckSpec health = new HealthCheckSpec();
        ActiveHealthCheckSpec active = new ActiveHealthCheckSpec();
        active.setService("shop.Greeter");
        active.setInterval("250ms");
        active.setUnhealthyThreshold(2);
        health.setActive(active);
        health.setPanicThreshold(0);
        balancer.getSpec().setHealthCheck(health);
        LoadBalancingSpec loadBalancing = new LoadBalancingSpec();
        SlowStartSpec slowStart = new SlowStartSpec();
        slowStart.setWindow("30s");
        loadBalancing.setSlowStart(slowStart);
        balancer.getSpec().setLoadBalancing(loadBalancing);

        BalancerConfig config = BalancerTranslator.translateStatic(balancer).config();

        assertThat(config.retry()).isEqualTo(new RetryPolicy(3, Set.of(GrpcCode.UNAVAILABLE,
                GrpcCode.DEADLINE_EXCEEDED), Duration.ofMillis(500), Duration.ofMillis(10), Duration.ofMillis(100),
                50, 0, 1024));
        assertThat(config.timeouts()).isEqualTo(new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(90),
                Duration.ofHours(1)));
        assertThat(config.outlierDetection()).isEqualTo(new OutlierDetection(true, 3, Set.of(GrpcCode.UNAVAILABLE),
                Duration.ofSeconds(10), Duration.ofSeconds(1), 10));
        assertThat(config.healthCheck()).isEqualTo(new HealthCheck(true, "shop.Greeter", Duration.ofMillis(250),
                Duration.ofSeconds(1), 2, 2, 0));
        assertThat(config.slowStartWindow()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void emptyOutlierDetectionSectionTurnsItOnWithDefaults() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        balancer.getSpec().setOutlierDetection(new OutlierDetectionSpec());

        OutlierDetection outlier = BalancerTranslator.translateStatic(balancer).config().outlierDetection();

        assertThat(outlier.enabled()).isTrue();
        assertThat(outlier.consecutiveFailures()).isEqualTo(5);
        assertThat(outlier.errorCodes()).containsExactlyInAnyOrder(GrpcCode.UNAVAILABLE, GrpcCode.INTERNAL,
                GrpcCode.UNKNOWN);
    }

    @ParameterizedTest
    @CsvSource({"250ms, 250", "5s, 5000", "1m, 60000", "1h30m, 5400000", "1m500ms, 60500"})
    void durationsAreReadAsTheGatewayApiWritesThem(String text, long millis) {
        assertThat(DurationSyntax.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "5 s", "1.5s", "-1s", "5S", "1d", "123456s", "1h1h1h1h1h", ""})
    void malformedDurationsAreReportedWithTheirField(String text) {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        TimeoutsSpec timeouts = new TimeoutsSpec();
        timeouts.setStreamIdle(text);
        balancer.getSpec().setTimeouts(timeouts);

        assertThat(SpecValidation.validate(balancer)).containsExactly(new SpecError("spec.timeouts.streamIdle",
                "must be a duration such as 250ms, 5s, 1m or 1h30m, got \"" + text + "\""));
    }

    @Test
    void zeroAndOverlongDurationsAreReported() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        TimeoutsSpec timeouts = new TimeoutsSpec();
        timeouts.setConnect("0s");
        timeouts.setRequest("25h");
        balancer.getSpec().setTimeouts(timeouts);

        assertThat(SpecValidation.validate(balancer)).containsExactly(
                new SpecError("spec.timeouts.connect", "must be more than 0 and at most 24h, got 0s"),
                new SpecError("spec.timeouts.request", "must be more than 0 and at most 24h, got 25h"));
    }

    @Test
    void retryProblemsAreReportedInFieldOrder() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        RetrySpec retry = new RetrySpec();
        retry.setNumRetries(11);
        retry.setRetryOn(List.of("unavailable", "5xx", "not-found"));
        RetryBackoffSpec backoff = new RetryBackoffSpec();
        backoff.setBaseInterval("1s");
        backoff.setMaxInterval("100ms");
        retry.setBackoff(backoff);
        RetryBudgetSpec budget = new RetryBudgetSpec();
        budget.setPercent(101);
        retry.setBudget(budget);
        retry.setReplayBufferBytes(-1);
        balancer.getSpec().setRetry(retry);

        String codes = "must be one of cancelled, deadline-exceeded, resource-exhausted, internal, unavailable,"
                + " connect-failure, refused-stream, got ";
        assertThat(SpecValidation.validate(balancer)).containsExactly(
                new SpecError("spec.retry.numRetries", "must be 0..10, got 11"),
                new SpecError("spec.retry.retryOn[1]", codes + "\"5xx\""),
                new SpecError("spec.retry.retryOn[2]", codes + "\"not-found\""),
                new SpecError("spec.retry.backoff.maxInterval", "must not be less than baseInterval (1s), got 100ms"),
                new SpecError("spec.retry.budget.percent", "must be 0..100, got 101"),
                new SpecError("spec.retry.replayBufferBytes", "must be 0..16777216, got -1"));
    }

    @Test
    void outlierHealthAndSlowStartProblemsAreReported() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        OutlierDetectionSpec outlier = new OutlierDetectionSpec();
        outlier.setConsecutiveFailures(0);
        outlier.setConsecutiveErrorCodes(List.of("ok"));
        outlier.setMaxEjectionPercent(200);
        balancer.getSpec().setOutlierDetection(outlier);
        HealthCheckSpec health = new HealthCheckSpec();
        health.setPanicThreshold(-5);
        ActiveHealthCheckSpec active = new ActiveHealthCheckSpec();
        active.setHealthyThreshold(0);
        active.setTimeout("soon");
        health.setActive(active);
        balancer.getSpec().setHealthCheck(health);
        LoadBalancingSpec loadBalancing = new LoadBalancingSpec();
        loadBalancing.setSlowStart(new SlowStartSpec());
        balancer.getSpec().setLoadBalancing(loadBalancing);

        assertThat(SpecValidation.validate(balancer)).extracting(SpecError::toString).containsExactly(
                "spec.outlierDetection.consecutiveFailures: must be 1..1000000, got 0",
                "spec.outlierDetection.consecutiveErrorCodes[0]: must be a gRPC code other than ok (cancelled, unknown,"
                        + " invalid-argument, deadline-exceeded, not-found, already-exists, permission-denied,"
                        + " resource-exhausted, failed-precondition, aborted, out-of-range, unimplemented, internal,"
                        + " unavailable, data-loss, unauthenticated), got \"ok\"",
                "spec.outlierDetection.maxEjectionPercent: must be 0..100, got 200",
                "spec.healthCheck.panicThreshold: must be 0..100, got -5",
                "spec.healthCheck.active.timeout: must be a duration such as 250ms, 5s, 1m or 1h30m, got \"soon\"",
                "spec.healthCheck.active.healthyThreshold: must be 1..1000, got 0",
                "spec.loadBalancing.slowStart.window: required");
    }

    @Test
    void hedgingIsTranslatedAndMaxAttemptsDefaultsToOneHedge() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        HedgingSpec hedging = new HedgingSpec();
        hedging.setMaxAttempts(3);
        hedging.setHedgingDelay("50ms");
        hedging.setNonFatalStatusCodes(List.of("unavailable", "resource-exhausted"));
        balancer.getSpec().setHedging(hedging);

        BalancerConfig config = BalancerTranslator.translateStatic(balancer).config();

        assertThat(config.hedging()).isEqualTo(new HedgingPolicy(3, Duration.ofMillis(50),
                Set.of(GrpcCode.UNAVAILABLE, GrpcCode.RESOURCE_EXHAUSTED)));
        assertThat(config.retry()).as("hedging takes the default budget and replay buffer").isEqualTo(RetryPolicy.DEFAULT);

        hedging.setMaxAttempts(null);
        hedging.setNonFatalStatusCodes(null);
        assertThat(BalancerTranslator.translateStatic(balancer).config().hedging())
                .isEqualTo(new HedgingPolicy(2, Duration.ofMillis(50), Set.of()));
        assertThat(BalancerTranslator.translateStatic(balancer("plain", 8081, "10.0.0.1:1")).config().hedging())
                .isEqualTo(HedgingPolicy.DISABLED);
    }

    @Test
    void hedgingAndRetryInOneBalancerIsAnError() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        HedgingSpec hedging = new HedgingSpec();
        hedging.setHedgingDelay("20ms");
        balancer.getSpec().setHedging(hedging);
        balancer.getSpec().setRetry(new RetrySpec());

        assertThat(SpecValidation.validate(balancer)).containsExactly(new SpecError("spec.hedging",
                "set at most one of retry and hedging: a balancer either retries failed attempts or hedges"
                        + " (remove spec.retry or spec.hedging)"));
    }

    @Test
    void hedgingProblemsAreReportedInFieldOrder() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        HedgingSpec hedging = new HedgingSpec();
        hedging.setMaxAttempts(6);
        hedging.setNonFatalStatusCodes(List.of("unavailable", "ok", "teapot"));
        balancer.getSpec().setHedging(hedging);

        assertThat(SpecValidation.validate(balancer)).extracting(SpecError::toString).containsExactly(
                "spec.hedging.maxAttempts: must be 2..5, got 6",
                "spec.hedging.hedgingDelay: required, e.g. 50ms: how long an attempt may go without response headers"
                        + " before the next one starts",
                "spec.hedging.nonFatalStatusCodes[1]: must be a gRPC code other than ok (cancelled, unknown,"
                        + " invalid-argument, deadline-exceeded, not-found, already-exists, permission-denied,"
                        + " resource-exhausted, failed-precondition, aborted, out-of-range, unimplemented, internal,"
                        + " unavailable, data-loss, unauthenticated), got \"ok\"",
                "spec.hedging.nonFatalStatusCodes[2]: must be a gRPC code other than ok (cancelled, unknown,"
                        + " invalid-argument, deadline-exceeded, not-found, already-exists, permission-denied,"
                        + " resource-exhausted, failed-precondition, aborted, out-of-range, unimplemented, internal,"
                        + " unavailable, data-loss, unauthenticated), got \"teapot\"");

        hedging.setMaxAttempts(2);
        hedging.setNonFatalStatusCodes(null);
        hedging.setHedgingDelay("0ms");
        assertThat(SpecValidation.validate(balancer)).extracting(SpecError::toString)
                .containsExactly("spec.hedging.hedgingDelay: must be more than 0 and at most 24h, got 0ms");
    }
}
