package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import java.util.Objects;

/** {@code spec.retry.backoff}: the wait before a retry, random in [0, min(maxInterval, baseInterval × 2^(n-1))). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"baseInterval", "maxInterval"})
public class RetryBackoffSpec {

    @JsonPropertyDescription("Bound of the first retry's wait, e.g. 25ms (default 25ms).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String baseInterval;

    @JsonPropertyDescription("The bound never grows past this (default 10 × baseInterval, 250ms with the default base).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String maxInterval;

    public RetryBackoffSpec() {
    }

    public String getBaseInterval() {
        return baseInterval;
    }

    public void setBaseInterval(String baseInterval) {
        this.baseInterval = baseInterval;
    }

    public String getMaxInterval() {
        return maxInterval;
    }

    public void setMaxInterval(String maxInterval) {
        this.maxInterval = maxInterval;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetryBackoffSpec other
                && Objects.equals(baseInterval, other.baseInterval)
                && Objects.equals(maxInterval, other.maxInterval);
    }

    @Override
    public int hashCode() {
        return Objects.hash(baseInterval, maxInterval);
    }

    @Override
    public String toString() {
        return "RetryBackoffSpec{baseInterval=" + baseInterval + ", maxInterval=" + maxInterval + "}";
    }
}
