package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** {@code spec.retry.budget}: how many retries after a backend's answer may be in progress. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"percent", "minRetriesPerSecond"})
public class RetryBudgetSpec {

    @JsonPropertyDescription("Retrying calls as a percent of the balancer's calls in flight, 0..100 (default 20).")
    @Min(0)
    @Max(100)
    private Integer percent;

    @JsonPropertyDescription("Retries allowed per second whatever the percentage (default 10).")
    @Min(0)
    private Integer minRetriesPerSecond;

    public RetryBudgetSpec() {
    }

    public Integer getPercent() {
        return percent;
    }

    public void setPercent(Integer percent) {
        this.percent = percent;
    }

    public Integer getMinRetriesPerSecond() {
        return minRetriesPerSecond;
    }

    public void setMinRetriesPerSecond(Integer minRetriesPerSecond) {
        this.minRetriesPerSecond = minRetriesPerSecond;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetryBudgetSpec other
                && Objects.equals(percent, other.percent)
                && Objects.equals(minRetriesPerSecond, other.minRetriesPerSecond);
    }

    @Override
    public int hashCode() {
        return Objects.hash(percent, minRetriesPerSecond);
    }

    @Override
    public String toString() {
        return "RetryBudgetSpec{percent=" + percent + ", minRetriesPerSecond=" + minRetriesPerSecond + "}";
    }
}
