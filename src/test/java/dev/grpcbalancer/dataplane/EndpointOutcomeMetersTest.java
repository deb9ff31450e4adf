package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.testing.MemoryBackend;
import dev.grpcbalancer.testing.MemoryClient;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * With per-endpoint meters ({@code --endpoint-metrics}) each endpoint's attempts are counted by the
 * gRPC code they ended with and timed, so a bad pod stands out next to its healthy peers.
 */
class EndpointOutcomeMetersTest {

    private static final String GOOD = "10.0.0.1:50051";
    private static final String BAD = "10.0.0.2:50051";

    @Test
    void slowFailingEndpointStandsOutInItsAttemptOutcomesAndDurations() {
        try (InMemoryProxy proxy = InMemoryProxy.start(c -> c, GOOD, BAD)) {
            proxy.backend(GOOD);
            MemoryBackend bad = proxy.backend(BAD).answer(s -> { });
            MemoryClient client = proxy.connect();
            for (int i = 0; i < 10; i++) {
                client.unary("/test.Echo/Unary", "call " + i);
            }
            proxy.advance(Duration.ofMillis(30));
            bad.openStreams().forEach(s -> s.trailersOnly(GrpcCode.UNAVAILABLE, "overloaded"));
            proxy.run();

            assertThat(ended(proxy, GOOD, "OK")).isEqualTo(5);
            assertThat(ended(proxy, BAD, "UNAVAILABLE")).isEqualTo(5);
            assertThat(Search.in(proxy.registry()).name("grpcbalancer.endpoint.attempts.ended").tag("endpoint", BAD)
                    .counters()).as("only the codes that occurred have series").hasSize(1);
            Timer badDurations = proxy.registry().get("grpcbalancer.endpoint.attempt.duration").tag("endpoint", BAD).timer();
            Timer goodDurations = proxy.registry().get("grpcbalancer.endpoint.attempt.duration").tag("endpoint", GOOD).timer();
            assertThat(badDurations.count()).isEqualTo(5);
            assertThat(badDurations.mean(TimeUnit.MILLISECONDS)).isEqualTo(30);
            assertThat(goodDurations.max(TimeUnit.MILLISECONDS)).isZero();
        }
    }

    private static double ended(InMemoryProxy proxy, String endpoint, String code) {
        return proxy.registry().get("grpcbalancer.endpoint.attempts.ended").tag("endpoint", endpoint)
                .tag("grpc_code", code).counter().count();
    }
}
