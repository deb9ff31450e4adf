package dev.grpcbalancer.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.LoadBalancingOptions;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.Locality;
import dev.grpcbalancer.snapshot.OutlierDetection;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The peak-EWMA estimate and the PeakEwma policy, on a fake clock. */
class PeakEwmaTest {

    private static final double DECAY = Duration.ofSeconds(10).toNanos();
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final EndpointAddress A = new EndpointAddress("10.0.0.1", 1);
    private static final EndpointAddress B = new EndpointAddress("10.0.0.2", 1);
    private static final EndpointAddress C = new EndpointAddress("10.0.0.3", 1);
    private static final EndpointAddress D = new EndpointAddress("10.0.0.4", 1);

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @Test
    void aSlowerSampleIsTakenAtOnceAndAFasterOneOnlyByTheWeightOfTheTimeSinceTheLast() {
        LatencyEstimate estimate = new LatencyEstimate();
        assertThat(estimate.nanos(0, DECAY)).isNaN();

        estimate.record(10 * MS, 0, DECAY);
        estimate.record(50 * MS, 1 * MS, DECAY);
        assertThat(estimate.unfadedNanos()).as("the peak").isEqualTo(50 * MS);

        // 1 s later a 10 ms sample: the estimate (50 ms faded by exp(-0.1)) moves by 1 - exp(-0.1) towards it
        long oneSecond = 1001 * MS;
        estimate.record(10 * MS, oneSecond, DECAY);
        double kept = Math.exp(-0.1);
        assertThat(estimate.unfadedNanos()).isCloseTo(50 * MS * kept + 10 * MS * (1 - kept), within(1.0));
    }

    @Test
    void theEstimateFadesTowardsZeroWithoutSamples() {
        LatencyEstimate estimate = new LatencyEstimate();
        estimate.record(100 * MS, 0, DECAY);

        assertThat(estimate.nanos(0, DECAY)).isEqualTo(100 * MS);
        assertThat(estimate.nanos(TimeUnit.SECONDS.toNanos(10), DECAY)).isCloseTo(100 * MS / Math.E, within(1.0));
        assertThat(estimate.unfadedNanos()).isEqualTo(100 * MS);
    }

    @Test
    void aBackendThatTurnsSlowGetsUnderTenPercentOfTheCallsWithinAFewSeconds() {
        LoadBalancer balancer = create(three());
        Map<EndpointAddress, Long> latency = new HashMap<>(Map.of(A, MS, B, MS, C, MS));
        run(balancer, latency, 5_000, 4); // 5 s of steady calls, 4 in flight
        latency.put(C, 101 * MS);

        run(balancer, latency, 2_000, 4); // it turns slow: 2 s to notice
        Map<EndpointAddress, Long> after = run(balancer, latency, 5_000, 4);

        long total = after.values().stream().mapToLong(Long::longValue).sum();
        assertThat(after.getOrDefault(C, 0L)).as(after.toString()).isLessThan(total / 10);
    }

    @Test
    void leastRequestGivesTheSameSlowBackendClearlyMore() {
        Map<EndpointAddress, Long> latency = Map.of(A, MS, B, MS, C, 101 * MS);
        Map<EndpointAddress, Long> ewma = run(create(three()), latency, 10_000, 4);
        Map<EndpointAddress, Long> leastRequest = run(LoadBalancers.create(LoadBalancingPolicy.LeastRequest, three(),
                null, settings()), latency, 10_000, 4);

        assertThat(leastRequest.getOrDefault(C, 0L)).as("least request " + leastRequest + ", peak EWMA " + ewma)
                .isGreaterThan(3 * ewma.getOrDefault(C, 0L));
    }

    @Test
    void anEndpointWithoutSamplesStartsAtTheMedianOfTheOthers() {
        LoadBalancer before = create(three());
        Map<EndpointAddress, Long> latency = Map.of(A, MS, B, 3 * MS, C, 10 * MS);
        for (EndpointAddress address : List.of(A, B, C)) {
            sample(before, address, latency.get(address));
        }
        LoadBalancer balancer = create(new BackendSet(List.of(ready(A), ready(B), ready(C), ready(D))), before);

        Map<EndpointAddress, Long> picks = Picks.counts(balancer, 1_200);

        // costed at 3 ms, D wins against C (10 ms), loses to A (1 ms) and ties with B
        assertThat(picks.getOrDefault(C, 0L)).as(picks.toString()).isZero();
        assertThat(picks.get(D)).isBetween(200L, 400L);
        assertThat(picks.get(A)).isGreaterThan(picks.get(D));
    }

    @Test
    void aBackendHoldingCallsThatNeverAnswerGrowsMoreExpensiveWithEachOne() {
        LoadBalancer balancer = create(three());
        for (EndpointAddress address : List.of(A, B, C)) {
            sample(balancer, address, MS);
        }
        clock.addAndGet(TimeUnit.MINUTES.toNanos(5)); // every estimate has faded
        ArrayDeque<Selection> hanging = new ArrayDeque<>();
        Map<EndpointAddress, Long> picks = new HashMap<>();
        for (int i = 0; i < 3_000; i++) {
            Selection selection = balancer.pick(null);
            picks.merge(selection.endpoint().address(), 1L, Long::sum);
            if (selection.endpoint().address().equals(C)) {
                hanging.add(selection); // C accepts calls and never answers
            } else {
                selection.requestSent(clock::get);
                clock.addAndGet(MS);
                selection.responseStarted(clock::get);
                selection.finish();
            }
        }

        assertThat(picks.getOrDefault(C, 0L)).as(picks.toString()).isLessThan(100);
        hanging.forEach(Selection::finish);
    }

    @Test
    void aHeavierEndpointOfTheSameLatencyTakesMoreCalls() {
        BackendSet weighted = new BackendSet(List.of(new Endpoint("10.0.0.1", 1, 3, EndpointState.READY),
                ready(B), ready(C)));
        LoadBalancer balancer = create(weighted);
        Map<EndpointAddress, Long> picks = run(balancer, Map.of(A, MS, B, MS, C, MS), 5_000, 10);

        assertThat(picks.get(A)).as(picks.toString()).isGreaterThan(picks.get(B) * 3 / 2)
                .isGreaterThan(picks.get(C) * 3 / 2);
    }

    @Test
    void latencyEstimatesCarryOverARebuild() {
        LoadBalancer balancer = create(three());
        sample(balancer, A, MS);
        sample(balancer, B, MS);
        sample(balancer, C, 200 * MS);

        LoadBalancer rebuilt = create(three(), balancer);

        assertThat(Picks.counts(rebuilt, 300)).doesNotContainKey(C);
    }

    /**
     * Simulates {@code millis} of closed-loop calls with {@code concurrency} in flight, each taking
     * the latency of its endpoint, on the fake clock; returns the calls each endpoint got.
     */
    private Map<EndpointAddress, Long> run(LoadBalancer balancer, Map<EndpointAddress, Long> latency, long millis,
            int concurrency) {
        Map<EndpointAddress, Long> picks = new HashMap<>();
        record InFlight(Selection selection, long endsAt) {}
        java.util.PriorityQueue<InFlight> inFlight = new java.util.PriorityQueue<>(
                java.util.Comparator.comparingLong(InFlight::endsAt));
        long end = clock.get() + millis * MS;
        while (clock.get() < end) {
            while (inFlight.size() < concurrency) {
                Selection selection = balancer.pick(null);
                selection.requestSent(clock::get);
                picks.merge(selection.endpoint().address(), 1L, Long::sum);
                inFlight.add(new InFlight(selection, clock.get() + latency.get(selection.endpoint().address())));
            }
            InFlight next = inFlight.poll();
            clock.set(Math.max(clock.get(), next.endsAt()));
            next.selection().responseStarted(clock::get);
            next.selection().finish();
        }
        inFlight.forEach(f -> f.selection().finish());
        return picks;
    }

    private void sample(LoadBalancer balancer, EndpointAddress address, long nanos) {
        for (int i = 0; i < 100; i++) {
            Selection selection = balancer.pick(null);
            if (selection.endpoint().address().equals(address)) {
                selection.requestSent(clock::get);
                clock.addAndGet(nanos);
                selection.responseStarted(clock::get);
                selection.finish();
                return;
            }
            selection.finish();
        }
        throw new AssertionError(address + " never picked");
    }

    private LoadBalancer create(BackendSet backends) {
        return create(backends, null);
    }

    private LoadBalancer create(BackendSet backends, LoadBalancer previous) {
        return LoadBalancers.create(LoadBalancingPolicy.PeakEwma, backends, previous, settings());
    }

    private LoadBalancers.Settings settings() {
        return new LoadBalancers.Settings(OutlierDetection.DISABLED, 50, 0, LoadBalancingOptions.DEFAULT,
                Locality.NONE, clock::get);
    }

    private static BackendSet three() {
        return new BackendSet(List.of(ready(A), ready(B), ready(C)));
    }

    private static Endpoint ready(EndpointAddress address) {
        return Endpoint.ready(address.host(), address.port());
    }
}
