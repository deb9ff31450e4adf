package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import java.util.List;
import java.util.Objects;

/** {@code spec.outlierDetection}: endpoints that keep failing take no calls for a while. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"consecutiveFailures", "consecutiveErrorCodes", "interval", "baseEjectionTime", "maxEjectionPercent"})
public class OutlierDetectionSpec {

    @JsonPropertyDescription("Failures in a row that eject an endpoint (default 5).")
    @Min(1)
    private Integer consecutiveFailures;

    @JsonPropertyDescription("gRPC codes of backend responses that count as failures (default unavailable, internal, unknown); connect failures, resets and per-try timeouts always count.")
    private List<String> consecutiveErrorCodes;

    @JsonPropertyDescription("Each interval an endpoint spends without ejection shortens its next ejection by one step (default 10s).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String interval;

    @JsonPropertyDescription("The n-th ejection lasts n × this, at most 5m or this (default 30s).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String baseEjectionTime;

    @JsonPropertyDescription("At most this percent of the endpoints are ejected at once, but always one (default 10).")
    @Min(0)
    @Max(100)
    private Integer maxEjectionPercent;

    public OutlierDetectionSpec() {
    }

    public Integer getConsecutiveFailures() {
        return consecutiveFailures;
    }

    public void setConsecutiveFailures(Integer consecutiveFailures) {
        this.consecutiveFailures = consecutiveFailures;
    }

    public List<String> getConsecutiveErrorCodes() {
        return consecutiveErrorCodes;
    }

    public void setConsecutiveErrorCodes(List<String> consecutiveErrorCodes) {
        this.consecutiveErrorCodes = consecutiveErrorCodes;
    }

    public String getInterval() {
        return interval;
    }

    public void setInterval(String interval) {
        this.interval = interval;
    }

    public String getBaseEjectionTime() {
        return baseEjectionTime;
    }

    public void setBaseEjectionTime(String baseEjectionTime) {
        this.baseEjectionTime = baseEjectionTime;
    }

    public Integer getMaxEjectionPercent() {
        return maxEjectionPercent;
    }

    public void setMaxEjectionPercent(Integer maxEjectionPercent) {
        this.maxEjectionPercent = maxEjectionPercent;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutlierDetectionSpec other
                && Objects.equals(consecutiveFailures, other.consecutiveFailures)
                && Objects.equals(consecutiveErrorCodes, other.consecutiveErrorCodes)
                && Objects.equals(interval, other.interval)
                && Objects.equals(baseEjectionTime, other.baseEjectionTime)
                && Objects.equals(maxEjectionPercent, other.maxEjectionPercent);
    }

    @Override
    public int hashCode() {
        return Objects.hash(consecutiveFailures, consecutiveErrorCodes, interval, baseEjectionTime, maxEjectionPercent);
    }

    @Override
    public String toString() {
        return "OutlierDetectionSpec{consecutiveFailures=" + consecutiveFailures + ", consecutiveErrorCodes=" + consecutiveErrorCodes + ", interval=" + interval + ", baseEjectionTime=" + baseEjectionTime + ", maxEjectionPercent=" + maxEjectionPercent + "}";
    }
}
