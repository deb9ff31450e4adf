package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/**
 * {@code status} of a {@link GrpcBalancer}, written by the controller: the generation it acted on,
 * conditions ({@code Accepted}, {@code ResolvedRefs}, {@code Programmed}, {@code BackendsAvailable}),
 * endpoint counts (also as {@code readyEndpoints}, "ready/total", for {@code kubectl get}) and the
 * addresses it listens on.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"observedGeneration", "conditions", "endpoints", "readyEndpoints", "ruleCount", "rules", "addresses",
    "zoneRouting"})
public class GrpcBalancerStatus {

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Accepted, ResolvedRefs, Programmed, BackendsAvailable (metav1.Condition).")
    private List<Condition> conditions;

    @JsonPropertyDescription("Endpoint counts of the current routing state.")
    private EndpointsStatus endpoints;

    @JsonPropertyDescription("Ready endpoints of all endpoints, \"ready/total\" (\"2/3\"): the READY column.")
    private String readyEndpoints;

    @JsonPropertyDescription("How many rules spec.rules has (the RULES column); absent for the shorthand.")
    private Integer ruleCount;

    @JsonPropertyDescription("Per rule of spec.rules, its backendRefs with their endpoint counts.")
    private List<RuleStatus> rules;

    @JsonPropertyDescription("Where clients reach the balancer.")
    private List<BalancerAddress> addresses;

    @JsonPropertyDescription("The zones of the endpoints and the preference calls are routed by; absent when no"
            + " endpoint has a zone and nothing asks for one.")
    private ZoneRoutingStatus zoneRouting;

    public GrpcBalancerStatus() {
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public EndpointsStatus getEndpoints() {
        return endpoints;
    }

    public void setEndpoints(EndpointsStatus endpoints) {
        this.endpoints = endpoints;
    }

    /** "ready/total", as {@code kubectl get} shows it (it cannot compute a ratio itself). */
    public String getReadyEndpoints() {
        return readyEndpoints;
    }

    public void setReadyEndpoints(String readyEndpoints) {
        this.readyEndpoints = readyEndpoints;
    }

    public Integer getRuleCount() {
        return ruleCount;
    }

    public void setRuleCount(Integer ruleCount) {
        this.ruleCount = ruleCount;
    }

    public List<RuleStatus> getRules() {
        return rules;
    }

    public void setRules(List<RuleStatus> rules) {
        this.rules = rules;
    }

    public List<BalancerAddress> getAddresses() {
        return addresses;
    }

    public void setAddresses(List<BalancerAddress> addresses) {
        this.addresses = addresses;
    }

    public ZoneRoutingStatus getZoneRouting() {
        return zoneRouting;
    }

    public void setZoneRouting(ZoneRoutingStatus zoneRouting) {
        this.zoneRouting = zoneRouting;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GrpcBalancerStatus other
                && Objects.equals(observedGeneration, other.observedGeneration)
                && Objects.equals(conditions, other.conditions)
                && Objects.equals(endpoints, other.endpoints)
                && Objects.equals(readyEndpoints, other.readyEndpoints)
                && Objects.equals(ruleCount, other.ruleCount)
                && Objects.equals(rules, other.rules)
                && Objects.equals(addresses, other.addresses)
                && Objects.equals(zoneRouting, other.zoneRouting);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, conditions, endpoints, readyEndpoints, ruleCount, rules, addresses,
                zoneRouting);
    }

    @Override
    public String toString() {
        return "GrpcBalancerStatus{observedGeneration=" + observedGeneration + ", conditions=" + conditions
                + ", endpoints=" + endpoints + ", readyEndpoints=" + readyEndpoints + ", ruleCount=" + ruleCount
                + ", rules=" + rules + ", addresses=" + addresses + ", zoneRouting=" + zoneRouting + "}";
    }
}
