package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/**
 * {@code spec} of a {@link GrpcBalancer}: where it listens, where its backends are (exactly one of
 * {@code rules}, {@code backendRef} and {@code staticEndpoints}: the last two are the shorthand for
 * one rule that takes every call), how it picks one for each call, and the Service
 * the controller keeps for it, and how it copes with failing backends (retries or hedging,
 * timeouts, outlier detection, health checks: see docs/resilience.md), and TLS to the backends
 * (docs/tls.md).
 */
@ValidationRule(value = "(has(self.backendRef) ? 1 : 0) + (has(self.staticEndpoints) ? 1 : 0)"
        + " + (has(self.rules) ? 1 : 0) == 1",
        message = "set exactly one of rules, backendRef (a Service) and staticEndpoints")
@ValidationRule(value = "!(has(self.retry) && has(self.hedging))",
        message = "set at most one of retry and hedging: a balancer either retries failed attempts or hedges")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"listener", "backendRef", "staticEndpoints", "rules", "loadBalancing", "service", "retry",
    "timeouts", "outlierDetection", "healthCheck", "hedging", "backendTLS"})
public class GrpcBalancerSpec {

    /** A loose shape check for {@code kubectl apply}; the controller's validation has the exact rules. */
    static final String STATIC_ENDPOINT_PATTERN = "^[^\\s;]+:[0-9]{1,5}(;weight=[0-9]{1,4})?$";

    @JsonPropertyDescription("The port the data plane listens on for this balancer. Required.")
    @Required
    private ListenerSpec listener;

    @JsonPropertyDescription("A Service in the same namespace and its Service port. Exclusive with staticEndpoints.")
    private BackendRef backendRef;

    @JsonPropertyDescription("Fixed backends, \"host:port\" with an optional \";weight=N\" (1..1000);"
            + " IPv6 hosts in brackets. Exclusive with backendRef.")
    @Size(min = 1, max = 1000)
    private List<@Size(min = 1, max = 300) @Pattern(STATIC_ENDPOINT_PATTERN) String> staticEndpoints;

    @JsonPropertyDescription("Routing rules with GRPCRoute semantics: calls matched by gRPC service, method and"
            + " headers, sent to weighted backendRefs. Exclusive with backendRef and staticEndpoints.")
    @Size(min = 1, max = 500)
    private List<RuleSpec> rules;

    @JsonPropertyDescription("How an endpoint is picked for each call.")
    @Default("{}") // so the API server fills in policy: RoundRobin (and kubectl shows it) when left out
    private LoadBalancingSpec loadBalancing;

    @JsonPropertyDescription("The Service the controller keeps for this balancer (type ClusterIP by default).")
    private ManagedServiceSpec service;

    @JsonPropertyDescription("When a call is tried again on another endpoint.")
    private RetrySpec retry;

    @JsonPropertyDescription("Time limits: connect, whole request, idle stream.")
    private TimeoutsSpec timeouts;

    @JsonPropertyDescription("Passive health checking: endpoints whose calls keep failing take no calls for a while.")
    private OutlierDetectionSpec outlierDetection;

    @JsonPropertyDescription("Active gRPC health checks and the panic threshold.")
    private HealthCheckSpec healthCheck;

    @JsonPropertyDescription("Hedged attempts for calls slow to answer (gRPC's hedging policy). Exclusive with retry.")
    private HedgingSpec hedging;

    @JsonPropertyDescription("TLS to the backends (all of them); without it the balancer speaks h2c to them.")
    private BackendTlsSpec backendTLS;

    public GrpcBalancerSpec() {
    }

    public ListenerSpec getListener() {
        return listener;
    }

    public void setListener(ListenerSpec listener) {
        this.listener = listener;
    }

    public BackendRef getBackendRef() {
        return backendRef;
    }

    public void setBackendRef(BackendRef backendRef) {
        this.backendRef = backendRef;
    }

    public List<String> getStaticEndpoints() {
        return staticEndpoints;
    }

    public void setStaticEndpoints(List<String> staticEndpoints) {
        this.staticEndpoints = staticEndpoints;
    }

    /** The rules, or {@code null} when the spec uses a shorthand (backendRef or staticEndpoints). */
    public List<RuleSpec> getRules() {
        return rules;
    }

    public void setRules(List<RuleSpec> rules) {
        this.rules = rules;
    }

    public LoadBalancingSpec getLoadBalancing() {
        return loadBalancing;
    }

    public void setLoadBalancing(LoadBalancingSpec loadBalancing) {
        this.loadBalancing = loadBalancing;
    }

    public ManagedServiceSpec getService() {
        return service;
    }

    public void setService(ManagedServiceSpec service) {
        this.service = service;
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

    @JsonProperty("backendTLS")
    public BackendTlsSpec getBackendTLS() {
        return backendTLS;
    }

    @JsonProperty("backendTLS")
    public void setBackendTLS(BackendTlsSpec backendTLS) {
        this.backendTLS = backendTLS;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GrpcBalancerSpec other
                && Objects.equals(listener, other.listener)
                && Objects.equals(backendRef, other.backendRef)
                && Objects.equals(staticEndpoints, other.staticEndpoints)
                && Objects.equals(rules, other.rules)
                && Objects.equals(loadBalancing, other.loadBalancing)
                && Objects.equals(service, other.service)
                && Objects.equals(retry, other.retry)
                && Objects.equals(timeouts, other.timeouts)
                && Objects.equals(outlierDetection, other.outlierDetection)
                && Objects.equals(healthCheck, other.healthCheck)
                && Objects.equals(hedging, other.hedging)
                && Objects.equals(backendTLS, other.backendTLS);
    }

    @Override
    public int hashCode() {
        return Objects.hash(listener, backendRef, staticEndpoints, rules, loadBalancing, service, retry, timeouts,
                outlierDetection, healthCheck, hedging, backendTLS);
    }

    @Override
    public String toString() {
        return "GrpcBalancerSpec{listener=" + listener + ", backendRef=" + backendRef
                + ", staticEndpoints=" + staticEndpoints + ", rules=" + rules + ", loadBalancing=" + loadBalancing + ", service=" + service
                + ", retry=" + retry + ", timeouts=" + timeouts + ", outlierDetection=" + outlierDetection
                + ", healthCheck=" + healthCheck + ", hedging=" + hedging
                + (backendTLS != null ? ", backendTLS=" + backendTLS : "") + "}";
    }
}
