package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import java.util.Objects;

/** {@code spec.loadBalancing.peakEwma}: the tunable of the PeakEwma policy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PeakEwmaSpec {

    @JsonPropertyDescription("How fast old latency samples fade: the EWMA's time constant, e.g. 10s (default).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String decay;

    public PeakEwmaSpec() {
    }

    public String getDecay() {
        return decay;
    }

    public void setDecay(String decay) {
        this.decay = decay;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeakEwmaSpec other && Objects.equals(decay, other.decay);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(decay);
    }

    @Override
    public String toString() {
        return "PeakEwmaSpec{decay=" + decay + "}";
    }
}
