package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.grpcbalancer.snapshot.MatchType;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** {@code spec.rules[].matches[].method}: GRPCRoute's {@code GRPCMethodMatch}. */
@ValidationRule(value = "has(self.service) || has(self.method)", message = "set service, method or both")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "service", "method"})
public class MethodMatchSpec {

    @JsonPropertyDescription("Exact (default; case-sensitive) or RegularExpression (RE2, the whole name).")
    @SchemaFrom(type = MatchType.class)
    @Default("Exact")
    private String type;

    @JsonPropertyDescription("The gRPC service, with its package (shop.Cart); left out: any service.")
    @Size(min = 1, max = 1024)
    private String service;

    @JsonPropertyDescription("The method (Pay); left out: any method.")
    @Size(min = 1, max = 1024)
    private String method;

    public MethodMatchSpec() {
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public String getService() {
        return service;
    }

    public void setService(String service) {
        this.service = service;
    }

    public String getMethod() {
        return method;
    }

    public void setMethod(String method) {
        this.method = method;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MethodMatchSpec other && Objects.equals(type, other.type)
                && Objects.equals(service, other.service) && Objects.equals(method, other.method);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, service, method);
    }

    @Override
    public String toString() {
        return "MethodMatchSpec{type=" + type + ", service=" + service + ", method=" + method + "}";
    }
}
