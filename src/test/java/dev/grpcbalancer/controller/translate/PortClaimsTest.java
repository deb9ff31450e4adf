package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcbalancer.controller.translate.PortClaims.Claim;
import dev.grpcbalancer.snapshot.BalancerId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PortClaimsTest {

    private static final BalancerId GREETER = new BalancerId("shop", "greeter");
    private static final BalancerId REFUNDS = new BalancerId("shop", "refunds");
    private static final BalancerId ECHO = new BalancerId("demo", "echo");

    @Test
    void balancersOnDistinctPortsAllKeepTheirPorts() {
        assertThat(PortClaims.arbitrate(List.of(
                new Claim(GREETER, 8080, "2026-11-30T10:00:00Z"),
                new Claim(REFUNDS, 8081, "2026-11-30T09:00:00Z")))).isEmpty();
    }

    @Test
    void oldestBalancerKeepsAClashedPort() {
        assertThat(PortClaims.arbitrate(List.of(
                new Claim(GREETER, 8080, "2026-11-30T10:00:00Z"),
                new Claim(REFUNDS, 8080, "2026-11-30T09:59:59Z"))))
                .isEqualTo(Map.of(GREETER, REFUNDS));
    }

    @Test
    void timestampsAreComparedAsInstantsNotAsText() {
        // 10:30+01:00 is 09:30Z, older than 10:00Z although it sorts after it as text.
        assertThat(PortClaims.arbitrate(List.of(
                new Claim(GREETER, 8080, "2026-11-30T10:00:00Z"),
                new Claim(REFUNDS, 8080, "2026-11-30T10:30:00+01:00"))))
                .isEqualTo(Map.of(GREETER, REFUNDS));
    }

    @Test
    void equalTimestampsAreDecidedByNamespaceThenName() {
        String sameSecond = "2026-11-30T10:00:00Z";

        assertThat(PortClaims.arbitrate(List.of(
                new Claim(REFUNDS, 8080, sameSecond),
                new Claim(GREETER, 8080, sameSecond),
                new Claim(ECHO, 8080, sameSecond))))
                .isEqualTo(Map.of(GREETER, ECHO, REFUNDS, ECHO));
    }

    @Test
    void ofBalancersCreatedInTheSameSecondTheOneListeningKeepsThePort() {
        String sameSecond = "2026-11-30T10:00:00Z";

        assertThat(PortClaims.arbitrate(List.of(
                new Claim(ECHO, 8080, sameSecond),
                new Claim(REFUNDS, 8080, sameSecond, true))))
                .isEqualTo(Map.of(ECHO, REFUNDS));
    }

    @Test
    void anOlderBalancerTakesThePortFromTheOneListening() {
        assertThat(PortClaims.arbitrate(List.of(
                new Claim(GREETER, 8080, "2026-11-30T10:00:01Z", true),
                new Claim(REFUNDS, 8080, "2026-11-30T10:00:00Z"))))
                .isEqualTo(Map.of(GREETER, REFUNDS));
    }

    @Test
    void nullTimestampCountsAsNewest() {
        assertThat(PortClaims.arbitrate(List.of(
                new Claim(ECHO, 8080, null),
                new Claim(REFUNDS, 8080, "2026-11-30T23:59:59Z"))))
                .isEqualTo(Map.of(ECHO, REFUNDS));
    }

    @Test
    void unreadableTimestampCountsAsNewest() {
        assertThat(PortClaims.arbitrate(List.of(
                new Claim(ECHO, 8080, "yesterday"),
                new Claim(REFUNDS, 8080, "2026-11-30T23:59:59Z"))))
                .isEqualTo(Map.of(ECHO, REFUNDS));
    }

    @Test
    void everyLoserOfAPortMapsToItsWinnerAndOtherPortsAreIndependent() {
        BalancerId other = new BalancerId("shop", "other");

        assertThat(PortClaims.arbitrate(List.of(
                new Claim(GREETER, 8080, "2026-11-30T10:00:00Z"),
                new Claim(REFUNDS, 8080, "2026-11-30T11:00:00Z"),
                new Claim(ECHO, 8080, "2026-11-30T12:00:00Z"),
                new Claim(other, 9090, "2026-11-30T13:00:00Z"))))
                .isEqualTo(Map.of(REFUNDS, GREETER, ECHO, GREETER));
    }

    @Test
    void outcomeDoesNotDependOnTheOrderOfClaims() {
        List<Claim> claims = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            claims.add(new Claim(new BalancerId("ns" + (i % 3), "b" + i), 8080 + i % 4,
                    i % 5 == 0 ? null : "2026-11-30T10:00:0" + (i % 2) + "Z"));
        }
        Map<BalancerId, BalancerId> first = PortClaims.arbitrate(claims);
        Random random = new Random(7);

        for (int i = 0; i < 20; i++) {
            Collections.shuffle(claims, random);
            assertThat(PortClaims.arbitrate(claims)).isEqualTo(first);
        }
        assertThat(first).hasSize(12 - 4);
    }

    @Test
    void balancerClaimingTwiceIsRejected() {
        List<Claim> claims = List.of(new Claim(GREETER, 8080, null), new Claim(GREETER, 8081, null));

        assertThatThrownBy(() -> PortClaims.arbitrate(claims))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("balancer shop/greeter claims more than once");
    }

    @Test
    void claimOfAPortOutsideTheRangeIsRejected() {
        assertThatThrownBy(() -> new Claim(GREETER, 0, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Claim(GREETER, 65536, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
