package dev.grpcbalancer.controller.translate;

import static dev.grpcbalancer.controller.translate.SpecValidationTest.balancer;
import static dev.grpcbalancer.controller.translate.SpecValidationTest.policy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.ConsistentHashSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.KeepaliveSpec;
import dev.grpcbalancer.controller.crd.LoadBalancingSpec;
import dev.grpcbalancer.controller.crd.PeakEwmaSpec;
import dev.grpcbalancer.controller.crd.ZoneAwareSpec;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.Keepalive;
import dev.grpcbalancer.snapshot.ListenerLifecycle;
import dev.grpcbalancer.snapshot.LoadBalancingOptions;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.Locality;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The policies' tunables, zone-aware routing, the client connection lifecycle and keepalive: read, defaulted, checked. */
class TrafficSpecsTest {

    @Test
    void absentSectionsGiveTheDocumentedDefaults() {
        BalancerConfig config = BalancerTranslator.translateStatic(balancer("greeter", 8080, "10.0.0.1:1")).config();

        assertThat(config.loadBalancing()).isEqualTo(LoadBalancingOptions.DEFAULT);
        assertThat(config.loadBalancing().peakEwmaDecay()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.loadBalancing().minZoneSharePercent()).isEqualTo(50);
        assertThat(config.listener()).as("every value from the data plane").isEqualTo(ListenerLifecycle.DEFAULT);
        assertThat(config.keepalive()).isEqualTo(new Keepalive(Duration.ofSeconds(30), Duration.ofSeconds(10)));
    }

    @Test
    void everySectionIsTranslated() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1;zone=z1", "10.0.0.2:1;zone=z2");
        LoadBalancingSpec loadBalancing = policy("ConsistentHash");
        ConsistentHashSpec hash = new ConsistentHashSpec();
        hash.setHeader("x-user-id");
        hash.setTableSize(5_000_011);
        hash.setBoundedLoadFactor(1.5);
        loadBalancing.setConsistentHash(hash);
        ZoneAwareSpec zoneAware = new ZoneAwareSpec();
        zoneAware.setTrafficDistribution("PreferSameZone");
        zoneAware.setMinZoneSharePercent(30);
        loadBalancing.setZoneAware(zoneAware);
        balancer.getSpec().setLoadBalancing(loadBalancing);
        balancer.getSpec().getListener().setMaxConnectionAge("30m");
        balancer.getSpec().getListener().setMaxConnectionAgeGrace("5m");
        balancer.getSpec().getListener().setIdleTimeout("1h");
        KeepaliveSpec keepalive = new KeepaliveSpec();
        keepalive.setInterval("20s");
        keepalive.setTimeout("5s");
        balancer.getSpec().setKeepalive(keepalive);

        BalancerConfig config = BalancerTranslator.translateStatic(balancer).config();

        assertThat(config.policy()).isEqualTo(LoadBalancingPolicy.ConsistentHash);
        assertThat(config.loadBalancing()).isEqualTo(new LoadBalancingOptions(Duration.ofSeconds(10),
                new LoadBalancingOptions.ConsistentHash("x-user-id", 5_000_011, 1.5), 30));
        assertThat(config.listener()).isEqualTo(new ListenerLifecycle(Duration.ofMinutes(30), Duration.ofMinutes(5),
                Duration.ofHours(1)));
        assertThat(config.keepalive()).isEqualTo(new Keepalive(Duration.ofSeconds(20), Duration.ofSeconds(5)));
        assertThat(config.backends().endpoints()).extracting(Endpoint::locality).containsExactly(
                new Locality("z1", "", Set.of("z1"), Set.of()), new Locality("z2", "", Set.of("z2"), Set.of()));
    }

    @Test
    void peakEwmaDecayIsRead() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        LoadBalancingSpec loadBalancing = policy("PeakEwma");
        PeakEwmaSpec peakEwma = new PeakEwmaSpec();
        peakEwma.setDecay("2s");
        loadBalancing.setPeakEwma(peakEwma);
        balancer.getSpec().setLoadBalancing(loadBalancing);

        assertThat(BalancerTranslator.translateStatic(balancer).config().loadBalancing().peakEwmaDecay())
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void staticEndpointsWithoutATrafficDistributionCarryTheirZoneButNoHints() {
        BalancerConfig config = BalancerTranslator.translateStatic(balancer("greeter", 8080, "10.0.0.1:1;zone=z1"))
                .config();

        assertThat(config.backends().endpoints().get(0).locality()).isEqualTo(Locality.inZone("z1"));
    }

    @Test
    void keepaliveIntervalOfZeroTurnsItOff() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        KeepaliveSpec keepalive = new KeepaliveSpec();
        keepalive.setInterval("0s");
        balancer.getSpec().setKeepalive(keepalive);

        Keepalive translated = BalancerTranslator.translateStatic(balancer).config().keepalive();

        assertThat(translated.enabled()).isFalse();
    }

    @Test
    void consistentHashWithoutAHeaderIsReported() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        balancer.getSpec().setLoadBalancing(policy("ConsistentHash"));

        assertThat(SpecValidation.validate(balancer)).containsExactly(new SpecError(
                "spec.loadBalancing.consistentHash.header",
                "required with policy ConsistentHash (the header whose value is a call's key)"));
    }

    @Test
    void problemsAreReportedWithTheirFields() {
        GrpcBalancer balancer = balancer("greeter", 8080, "10.0.0.1:1");
        LoadBalancingSpec loadBalancing = policy("RoundRobin");
        PeakEwmaSpec peakEwma = new PeakEwmaSpec();
        peakEwma.setDecay("0s");
        loadBalancing.setPeakEwma(peakEwma);
        ConsistentHashSpec hash = new ConsistentHashSpec();
        hash.setHeader("X-User-Id");
        hash.setTableSize(65_536);
        hash.setBoundedLoadFactor(1.0);
        loadBalancing.setConsistentHash(hash);
        ZoneAwareSpec zoneAware = new ZoneAwareSpec();
        zoneAware.setTrafficDistribution("PreferSameRegion");
        zoneAware.setMinZoneSharePercent(101);
        loadBalancing.setZoneAware(zoneAware);
        balancer.getSpec().setLoadBalancing(loadBalancing);
        balancer.getSpec().getListener().setMaxConnectionAge("500ms");
        balancer.getSpec().getListener().setMaxConnectionAgeGrace("later");
        balancer.getSpec().getListener().setIdleTimeout("25h");
        KeepaliveSpec keepalive = new KeepaliveSpec();
        keepalive.setInterval("100ms");
        keepalive.setTimeout("0s");
        balancer.getSpec().setKeepalive(keepalive);

        assertThat(SpecValidation.validate(balancer)).extracting(SpecError::toString).containsExactly(
                "spec.loadBalancing.peakEwma: is for policy PeakEwma only, the policy is RoundRobin",
                "spec.loadBalancing.peakEwma.decay: must be more than 0 and at most 24h, got 0s",
                "spec.loadBalancing.consistentHash: is for policy ConsistentHash only, the policy is RoundRobin",
                "spec.loadBalancing.consistentHash.header: must be a lowercase HTTP header name (letters, digits,"
                        + " '-' and the other token characters), got \"X-User-Id\"",
                "spec.loadBalancing.consistentHash.tableSize: must be a prime number 251..5000011 (65537 or 5000011,"
                        + " for example), got 65536",
                "spec.loadBalancing.consistentHash.boundedLoadFactor: must be more than 1 and at most 100, got 1.0",
                "spec.loadBalancing.zoneAware.minZoneSharePercent: must be 0..100, got 101",
                "spec.loadBalancing.zoneAware.trafficDistribution: must be one of PreferClose, PreferSameZone,"
                        + " PreferSameNode, got \"PreferSameRegion\"",
                "spec.listener.maxConnectionAge: must be at least 1s, got 500ms",
                "spec.listener.maxConnectionAgeGrace: must be a duration such as 250ms, 5s, 1m or 1h30m, got \"later\"",
                "spec.listener.idleTimeout: must be more than 0 and at most 24h, got 25h",
                "spec.keepalive.timeout: must be more than 0 and at most 24h, got 0s",
                "spec.keepalive.interval: must be at least 1s (or 0s: off), got 100ms");
    }
}
