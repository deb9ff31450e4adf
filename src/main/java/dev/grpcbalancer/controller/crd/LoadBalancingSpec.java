package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** {@code spec.loadBalancing}: how the balancer picks the endpoint of each call. */
@ValidationRule(value = "!has(self.policy) || self.policy != 'ConsistentHash' || has(self.consistentHash)",
        message = "policy ConsistentHash needs consistentHash.header")
@ValidationRule(value = "!has(self.consistentHash) || (has(self.policy) && self.policy == 'ConsistentHash')",
        message = "consistentHash is for policy ConsistentHash only")
@ValidationRule(value = "!has(self.peakEwma) || (has(self.policy) && self.policy == 'PeakEwma')",
        message = "peakEwma is for policy PeakEwma only")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"policy", "slowStart", "peakEwma", "consistentHash", "zoneAware"})
public class LoadBalancingSpec {

    /**
     * A String, not the enum, so that standalone mode can name a bad value in its own words; the
     * schema still lists the names of {@link LoadBalancingPolicy}.
     */
    @JsonPropertyDescription("RoundRobin (default), LeastRequest, Random, PeakEwma or ConsistentHash.")
    @SchemaFrom(type = LoadBalancingPolicy.class)
    @Default("RoundRobin")
    private String policy;

    @JsonPropertyDescription("A new or newly healthy endpoint gets a share of calls ramping up over a window.")
    private SlowStartSpec slowStart;

    @JsonPropertyDescription("PeakEwma: how fast old latency samples fade.")
    private PeakEwmaSpec peakEwma;

    @JsonPropertyDescription("ConsistentHash: the header hashed, the table size and the load bound.")
    private ConsistentHashSpec consistentHash;

    @JsonPropertyDescription("Keeping calls in the balancer replica's zone or node (from the Service's"
            + " trafficDistribution and EndpointSlice hints by default).")
    private ZoneAwareSpec zoneAware;

    // No one-argument constructor on purpose: Jackson would take it as a delegating creator and
    // accept a bare scalar in place of the mapping.
    public LoadBalancingSpec() {
    }

    /** The policy name as written, or {@code null} for the default (RoundRobin). */
    public String getPolicy() {
        return policy;
    }

    public void setPolicy(String policy) {
        this.policy = policy;
    }

    public SlowStartSpec getSlowStart() {
        return slowStart;
    }

    public void setSlowStart(SlowStartSpec slowStart) {
        this.slowStart = slowStart;
    }

    public PeakEwmaSpec getPeakEwma() {
        return peakEwma;
    }

    public void setPeakEwma(PeakEwmaSpec peakEwma) {
        this.peakEwma = peakEwma;
    }

    public ConsistentHashSpec getConsistentHash() {
        return consistentHash;
    }

    public void setConsistentHash(ConsistentHashSpec consistentHash) {
        this.consistentHash = consistentHash;
    }

    public ZoneAwareSpec getZoneAware() {
        return zoneAware;
    }

    public void setZoneAware(ZoneAwareSpec zoneAware) {
        this.zoneAware = zoneAware;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LoadBalancingSpec other && Objects.equals(policy, other.policy)
                && Objects.equals(slowStart, other.slowStart)
                && Objects.equals(peakEwma, other.peakEwma)
                && Objects.equals(consistentHash, other.consistentHash)
                && Objects.equals(zoneAware, other.zoneAware);
    }

    @Override
    public int hashCode() {
        return Objects.hash(policy, slowStart, peakEwma, consistentHash, zoneAware);
    }

    @Override
    public String toString() {
        return "LoadBalancingSpec{policy=" + policy + ", slowStart=" + slowStart + ", peakEwma=" + peakEwma
                + ", consistentHash=" + consistentHash + ", zoneAware=" + zoneAware + "}";
    }
}
