package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import java.util.Objects;

/** {@code spec.healthCheck.active}: grpc.health.v1.Health/Check against every endpoint. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"service", "interval", "timeout", "healthyThreshold", "unhealthyThreshold"})
public class ActiveHealthCheckSpec {

    @JsonPropertyDescription("The service name asked about (default empty: the whole server).")
    private String service;

    @JsonPropertyDescription("Time between two checks of an endpoint (default 10s).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String interval;

    @JsonPropertyDescription("A check without an answer within this long failed (default 1s).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String timeout;

    @JsonPropertyDescription("Passed checks in a row that make an unhealthy endpoint healthy (default 2).")
    @Min(1)
    private Integer healthyThreshold;

    @JsonPropertyDescription("Failed checks in a row that make an endpoint unhealthy (default 3).")
    @Min(1)
    private Integer unhealthyThreshold;

    public ActiveHealthCheckSpec() {
    }

    public String getService() {
        return service;
    }

    public void setService(String service) {
        this.service = service;
    }

    public String getInterval() {
        return interval;
    }

    public void setInterval(String interval) {
        this.interval = interval;
    }

    public String getTimeout() {
        return timeout;
    }

    public void setTimeout(String timeout) {
        this.timeout = timeout;
    }

    public Integer getHealthyThreshold() {
        return healthyThreshold;
    }

    public void setHealthyThreshold(Integer healthyThreshold) {
        this.healthyThreshold = healthyThreshold;
    }

    public Integer getUnhealthyThreshold() {
        return unhealthyThreshold;
    }

    public void setUnhealthyThreshold(Integer unhealthyThreshold) {
        this.unhealthyThreshold = unhealthyThreshold;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActiveHealthCheckSpec other
                && Objects.equals(service, other.service)
                && Objects.equals(interval, other.interval)
                && Objects.equals(timeout, other.timeout)
                && Objects.equals(healthyThreshold, other.healthyThreshold)
                && Objects.equals(unhealthyThreshold, other.unhealthyThreshold);
    }

    @Override
    public int hashCode() {
        return Objects.hash(service, interval, timeout, healthyThreshold, unhealthyThreshold);
    }

    @Override
    public String toString() {
        return "ActiveHealthCheckSpec{service=" + service + ", interval=" + interval + ", timeout=" + timeout + ", healthyThreshold=" + healthyThreshold + ", unhealthyThreshold=" + unhealthyThreshold + "}";
    }
}
