package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** {@code status.endpoints}: how many endpoints a balancer has, and how many are ready or draining. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"total", "ready", "draining"})
public class EndpointsStatus {

    private int total;
    private int ready;
    private int draining;

    public EndpointsStatus() {
    }

    public EndpointsStatus(int total, int ready, int draining) {
        this.total = total;
        this.ready = ready;
        this.draining = draining;
    }

    public int getTotal() {
        return total;
    }

    public void setTotal(int total) {
        this.total = total;
    }

    public int getReady() {
        return ready;
    }

    public void setReady(int ready) {
        this.ready = ready;
    }

    public int getDraining() {
        return draining;
    }

    public void setDraining(int draining) {
        this.draining = draining;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EndpointsStatus other
                && total == other.total && ready == other.ready && draining == other.draining;
    }

    @Override
    public int hashCode() {
        return Objects.hash(total, ready, draining);
    }

    @Override
    public String toString() {
        return "EndpointsStatus{total=" + total + ", ready=" + ready + ", draining=" + draining + "}";
    }
}
