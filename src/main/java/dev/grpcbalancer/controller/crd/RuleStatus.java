package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/** {@code status.rules[]}: one rule and the endpoints of each of its backendRefs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "backendRefs"})
public class RuleStatus {

    @JsonPropertyDescription("The rule's name, or rule-N for the unnamed rule at index N.")
    private String name;

    @JsonPropertyDescription("Each backendRef, in the order of the spec.")
    private List<BackendRefStatus> backendRefs;

    public RuleStatus() {
    }

    public RuleStatus(String name, List<BackendRefStatus> backendRefs) {
        this.name = name;
        this.backendRefs = backendRefs;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public List<BackendRefStatus> getBackendRefs() {
        return backendRefs;
    }

    public void setBackendRefs(List<BackendRefStatus> backendRefs) {
        this.backendRefs = backendRefs;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RuleStatus other && Objects.equals(name, other.name)
                && Objects.equals(backendRefs, other.backendRefs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, backendRefs);
    }

    @Override
    public String toString() {
        return "RuleStatus{name=" + name + ", backendRefs=" + backendRefs + "}";
    }
}
