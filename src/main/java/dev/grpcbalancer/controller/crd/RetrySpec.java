package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import java.util.List;
import java.util.Objects;

/** {@code spec.retry}: when a call is tried again on another endpoint (see docs/resilience.md). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"numRetries", "retryOn", "perTryTimeout", "backoff", "budget", "replayBufferBytes"})
public class RetrySpec {

    @JsonPropertyDescription("Attempts after the first, 0..10 (default 1); 0 turns retries off.")
    @Min(0)
    @Max(10)
    private Integer numRetries;

    @JsonPropertyDescription("gRPC codes that make an attempt retryable: unavailable, cancelled, deadline-exceeded, internal, resource-exhausted. connect-failure and refused-stream (the request never reached a backend) are always retried and may be listed.")
    private List<String> retryOn;

    @JsonPropertyDescription("How long one attempt may wait for response headers before it is retried, e.g. 500ms (default: no limit).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String perTryTimeout;

    @JsonPropertyDescription("Jittered exponential backoff between attempts.")
    private RetryBackoffSpec backoff;

    @JsonPropertyDescription("Caps retries after a backend answered, so retries cannot multiply an outage.")
    private RetryBudgetSpec budget;

    @JsonPropertyDescription("Request bytes kept per call for a retry (default 65536, at most 16777216); a larger request is not retried.")
    @Min(0)
    @Max(16777216)
    private Integer replayBufferBytes;

    public RetrySpec() {
    }

    public Integer getNumRetries() {
        return numRetries;
    }

    public void setNumRetries(Integer numRetries) {
        this.numRetries = numRetries;
    }

    public List<String> getRetryOn() {
        return retryOn;
    }

    public void setRetryOn(List<String> retryOn) {
        this.retryOn = retryOn;
    }

    public String getPerTryTimeout() {
        return perTryTimeout;
    }

    public void setPerTryTimeout(String perTryTimeout) {
        this.perTryTimeout = perTryTimeout;
    }

    public RetryBackoffSpec getBackoff() {
        return backoff;
    }

    public void setBackoff(RetryBackoffSpec backoff) {
        this.backoff = backoff;
    }

    public RetryBudgetSpec getBudget() {
        return budget;
    }

    public void setBudget(RetryBudgetSpec budget) {
        this.budget = budget;
    }

    public Integer getReplayBufferBytes() {
        return replayBufferBytes;
    }

    public void setReplayBufferBytes(Integer replayBufferBytes) {
        this.replayBufferBytes = replayBufferBytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetrySpec other
                && Objects.equals(numRetries, other.numRetries)
                && Objects.equals(retryOn, other.retryOn)
                && Objects.equals(perTryTimeout, other.perTryTimeout)
                && Objects.equals(backoff, other.backoff)
                && Objects.equals(budget, other.budget)
                && Objects.equals(replayBufferBytes, other.replayBufferBytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(numRetries, retryOn, perTryTimeout, backoff, budget, replayBufferBytes);
    }

    @Override
    public String toString() {
        return "RetrySpec{numRetries=" + numRetries + ", retryOn=" + retryOn + ", perTryTimeout=" + perTryTimeout + ", backoff=" + backoff + ", budget=" + budget + ", replayBufferBytes=" + replayBufferBytes + "}";
    }
}
