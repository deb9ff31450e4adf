package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.List;
import java.util.Objects;

/**
 * {@code spec.hedging}: gRPC's hedging policy (gRFC A6): more attempts of a call that has no
 * response headers after {@code hedgingDelay}, on other endpoints; the first to answer wins.
 * Exclusive with {@code spec.retry} (see docs/resilience.md).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"maxAttempts", "hedgingDelay", "nonFatalStatusCodes"})
public class HedgingSpec {

    @JsonPropertyDescription("Attempts per call, the first included, 2..5 (default 2).")
    @Min(2)
    @Max(5)
    private Integer maxAttempts;

    @JsonPropertyDescription("Start the next attempt if no response headers came by then, e.g. 50ms. Required.")
    @Required
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String hedgingDelay;

    @JsonPropertyDescription("gRPC codes that end one attempt, not the call: the next attempt starts at once"
            + " (default: none), e.g. [unavailable, resource-exhausted].")
    private List<String> nonFatalStatusCodes;

    public HedgingSpec() {
    }

    public Integer getMaxAttempts() {
        return maxAttempts;
    }

    public void setMaxAttempts(Integer maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    public String getHedgingDelay() {
        return hedgingDelay;
    }

    public void setHedgingDelay(String hedgingDelay) {
        this.hedgingDelay = hedgingDelay;
    }

    public List<String> getNonFatalStatusCodes() {
        return nonFatalStatusCodes;
    }

    public void setNonFatalStatusCodes(List<String> nonFatalStatusCodes) {
        this.nonFatalStatusCodes = nonFatalStatusCodes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HedgingSpec other
                && Objects.equals(maxAttempts, other.maxAttempts)
                && Objects.equals(hedgingDelay, other.hedgingDelay)
                && Objects.equals(nonFatalStatusCodes, other.nonFatalStatusCodes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(maxAttempts, hedgingDelay, nonFatalStatusCodes);
    }

    @Override
    public String toString() {
        return "HedgingSpec{maxAttempts=" + maxAttempts + ", hedgingDelay=" + hedgingDelay
                + ", nonFatalStatusCodes=" + nonFatalStatusCodes + "}";
    }
}
