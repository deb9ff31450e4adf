package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** {@code spec.healthCheck}: active gRPC health checks and the panic threshold. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"active", "panicThreshold"})
public class HealthCheckSpec {

    @JsonPropertyDescription("Ask every endpoint grpc.health.v1.Health/Check periodically (default: no active checks).")
    private ActiveHealthCheckSpec active;

    @JsonPropertyDescription("When fewer than this percent of the endpoints are healthy, calls go to all of them (default 50; 0 turns it off).")
    @Min(0)
    @Max(100)
    private Integer panicThreshold;

    public HealthCheckSpec() {
    }

    public ActiveHealthCheckSpec getActive() {
        return active;
    }

    public void setActive(ActiveHealthCheckSpec active) {
        this.active = active;
    }

    public Integer getPanicThreshold() {
        return panicThreshold;
    }

    public void setPanicThreshold(Integer panicThreshold) {
        this.panicThreshold = panicThreshold;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HealthCheckSpec other
                && Objects.equals(active, other.active)
                && Objects.equals(panicThreshold, other.panicThreshold);
    }

    @Override
    public int hashCode() {
        return Objects.hash(active, panicThreshold);
    }

    @Override
    public String toString() {
        return "HealthCheckSpec{active=" + active + ", panicThreshold=" + panicThreshold + "}";
    }
}
