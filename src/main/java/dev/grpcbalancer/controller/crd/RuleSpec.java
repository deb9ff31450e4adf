package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/**
 * {@code spec.rules[]}: a GRPCRoute rule (which calls, to which weighted backends) with optional
 * sections that replace the balancer's own for its calls. {@code retry} and {@code hedging} are
 * one choice: a rule that sets either replaces the balancer's.
 */
@ValidationRule(value = "!(has(self.retry) && has(self.hedging))",
        message = "set at most one of retry and hedging: a rule either retries failed attempts or hedges")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "matches", "backendRefs", "loadBalancing", "retry", "timeouts", "outlierDetection",
    "healthCheck", "hedging"})
public class RuleSpec {

    @JsonPropertyDescription("Optional, a DNS label unique in the balancer; names the rule in status, meters and logs"
            + " (unnamed rules are rule-N, N its index).")
    @Size(min = 1, max = 63)
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    private String name;

    @JsonPropertyDescription("The calls the rule takes: any one match is enough; none means every call.")
    @Size(max = 8)
    private List<RouteMatchSpec> matches;

    @JsonPropertyDescription("Where the rule's calls go, split by weight. Required.")
    @Required
    @Size(min = 1, max = 16)
    private List<RuleBackendRef> backendRefs;

    @JsonPropertyDescription("Replaces spec.loadBalancing for this rule's calls.")
    private LoadBalancingSpec loadBalancing;

    @JsonPropertyDescription("Replaces spec.retry for this rule's calls.")
    private RetrySpec retry;

    @JsonPropertyDescription("Replaces spec.timeouts for this rule's calls.")
    private TimeoutsSpec timeouts;

    @JsonPropertyDescription("Replaces spec.outlierDetection for this rule's backends.")
    private OutlierDetectionSpec outlierDetection;

    @JsonPropertyDescription("Replaces spec.healthCheck for this rule's backends.")
    private HealthCheckSpec healthCheck;

    @JsonPropertyDescription("Hedging for this rule's calls; replaces spec.retry or spec.hedging, whichever the"
            + " balancer sets. Exclusive with retry.")
    private HedgingSpec hedging;

    public RuleSpec() {
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public List<RouteMatchSpec> getMatches() {
        return matches;
    }

    public void setMatches(List<RouteMatchSpec> matches) {
        this.matches = matches;
    }

    public List<RuleBackendRef> getBackendRefs() {
        return backendRefs;
    }

    public void setBackendRefs(List<RuleBackendRef> backendRefs) {
        this.backendRefs = backendRefs;
    }

    public LoadBalancingSpec getLoadBalancing() {
        return loadBalancing;
    }

    public void setLoadBalancing(LoadBalancingSpec loadBalancing) {
        this.loadBalancing = loadBalancing;
    }

    public RetrySpec getRetry() {
        return retry;
    }

    public void setRetry(RetrySpec retry) {
        this.retry = retry;
    }

    public TimeoutsSpec getTimeouts() {
        return timeouts;
    }

    public void setTimeouts(TimeoutsSpec timeouts) {
        this.timeouts = timeouts;
    }

    public OutlierDetectionSpec getOutlierDetection() {
        return outlierDetection;
    }

    public void setOutlierDetection(OutlierDetectionSpec outlierDetection) {
        this.outlierDetection = outlierDetection;
    }

    public HealthCheckSpec getHealthCheck() {
        return healthCheck;
    }

    public void setHealthCheck(HealthCheckSpec healthCheck) {
        this.healthCheck = healthCheck;
    }

    public HedgingSpec getHedging() {
        return hedging;
    }

    public void setHedging(HedgingSpec hedging) {
        this.hedging = hedging;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RuleSpec other && Objects.equals(name, other.name) && Objects.equals(matches, other.matches)
                && Objects.equals(backendRefs, other.backendRefs) && Objects.equals(loadBalancing, other.loadBalancing)
                && Objects.equals(retry, other.retry) && Objects.equals(timeouts, other.timeouts)
                && Objects.equals(outlierDetection, other.outlierDetection) && Objects.equals(healthCheck, other.healthCheck)
                && Objects.equals(hedging, other.hedging);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, matches, backendRefs, loadBalancing, retry, timeouts, outlierDetection, healthCheck,
                hedging);
    }

    @Override
    public String toString() {
        return "RuleSpec{name=" + name + ", matches=" + matches + ", backendRefs=" + backendRefs + ", loadBalancing="
                + loadBalancing + ", retry=" + retry + ", timeouts=" + timeouts + ", outlierDetection=" + outlierDetection
                + ", healthCheck=" + healthCheck + ", hedging=" + hedging + "}";
    }
}
