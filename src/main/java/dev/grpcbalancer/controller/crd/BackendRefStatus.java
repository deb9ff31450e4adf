package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** {@code status.rules[].backendRefs[]}: one backendRef, its weight and its endpoint counts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "weight", "resolved", "endpoints"})
public class BackendRefStatus {

    @JsonPropertyDescription("service:port for a Service, static-N for the N-th backendRef given as staticEndpoints.")
    private String name;

    private int weight;

    @JsonPropertyDescription("Whether the reference resolved (a Service that exists with that port).")
    private boolean resolved;

    private EndpointsStatus endpoints;

    public BackendRefStatus() {
    }

    public BackendRefStatus(String name, int weight, boolean resolved, EndpointsStatus endpoints) {
        this.name = name;
        this.weight = weight;
        this.resolved = resolved;
        this.endpoints = endpoints;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public int getWeight() {
        return weight;
    }

    public void setWeight(int weight) {
        this.weight = weight;
    }

    public boolean isResolved() {
        return resolved;
    }

    public void setResolved(boolean resolved) {
        this.resolved = resolved;
    }

    public EndpointsStatus getEndpoints() {
        return endpoints;
    }

    public void setEndpoints(EndpointsStatus endpoints) {
        this.endpoints = endpoints;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BackendRefStatus other && Objects.equals(name, other.name) && weight == other.weight
                && resolved == other.resolved && Objects.equals(endpoints, other.endpoints);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, weight, resolved, endpoints);
    }

    @Override
    public String toString() {
        return "BackendRefStatus{name=" + name + ", weight=" + weight + ", resolved=" + resolved + ", endpoints="
                + endpoints + "}";
    }
}
