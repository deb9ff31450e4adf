package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import java.util.Objects;

/** {@code spec.loadBalancing}: how the balancer picks the endpoint of each call. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"policy", "slowStart"})
public class LoadBalancingSpec {

    /**
     * A String, not the enum, so that standalone mode can name a bad value in its own words; the
     * schema still lists the names of {@link LoadBalancingPolicy}.
     */
    @JsonPropertyDescription("RoundRobin (default), LeastRequest or Random.")
    @SchemaFrom(type = LoadBalancingPolicy.class)
    @Default("RoundRobin")
    private String policy;

    @JsonPropertyDescription("A new or newly healthy endpoint gets a share of calls ramping up over a window.")
    private SlowStartSpec slowStart;

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

    @Override
    public boolean equals(Object o) {
        return o instanceof LoadBalancingSpec other && Objects.equals(policy, other.policy)
                && Objects.equals(slowStart, other.slowStart);
    }

    @Override
    public int hashCode() {
        return Objects.hash(policy, slowStart);
    }

    @Override
    public String toString() {
        return "LoadBalancingSpec{policy=" + policy + ", slowStart=" + slowStart + "}";
    }
}
