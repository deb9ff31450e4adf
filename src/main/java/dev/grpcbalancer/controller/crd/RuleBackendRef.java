package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/**
 * {@code spec.rules[].backendRefs[]}: a Service in the balancer's namespace ({@code name} and
 * {@code port}) or a fixed list of endpoints, and its share of the rule's calls.
 */
@ValidationRule(value = "has(self.name) != has(self.staticEndpoints)",
        message = "set exactly one of name (a Service, with port) and staticEndpoints")
@ValidationRule(value = "has(self.name) == has(self.port)", message = "name and port go together")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "port", "staticEndpoints", "weight"})
public class RuleBackendRef {

    @JsonPropertyDescription("Name of a Service in the balancer's namespace. Exclusive with staticEndpoints.")
    @Size(min = 1, max = 63)
    @Pattern("^[a-z]([-a-z0-9]*[a-z0-9])?$")
    private String name;

    @JsonPropertyDescription("The Service port (not the target port), 1..65535.")
    @Min(1)
    @Max(65535)
    private Integer port;

    @JsonPropertyDescription("Fixed backends, \"host:port\" with an optional \";weight=N\". Exclusive with name.")
    @Size(min = 1, max = 1000)
    private List<@Size(min = 1, max = 300) @Pattern(GrpcBalancerSpec.STATIC_ENDPOINT_PATTERN) String> staticEndpoints;

    @JsonPropertyDescription("Share of the rule's calls, 0..1000000 (default 1); 0 sends none.")
    @Min(0)
    @Max(1_000_000)
    private Integer weight;

    public RuleBackendRef() {
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public Integer getPort() {
        return port;
    }

    public void setPort(Integer port) {
        this.port = port;
    }

    public List<String> getStaticEndpoints() {
        return staticEndpoints;
    }

    public void setStaticEndpoints(List<String> staticEndpoints) {
        this.staticEndpoints = staticEndpoints;
    }

    /** The weight as written, or {@code null} for the default (1). */
    public Integer getWeight() {
        return weight;
    }

    public void setWeight(Integer weight) {
        this.weight = weight;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RuleBackendRef other && Objects.equals(name, other.name) && Objects.equals(port, other.port)
                && Objects.equals(staticEndpoints, other.staticEndpoints) && Objects.equals(weight, other.weight);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, port, staticEndpoints, weight);
    }

    @Override
    public String toString() {
        return "RuleBackendRef{name=" + name + ", port=" + port + ", staticEndpoints=" + staticEndpoints
                + ", weight=" + weight + "}";
    }
}
