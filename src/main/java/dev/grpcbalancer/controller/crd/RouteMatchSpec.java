package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Objects;

/** {@code spec.rules[].matches[]}: GRPCRoute's {@code GRPCRouteMatch}: the method AND every header. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"method", "headers"})
public class RouteMatchSpec {

    @JsonPropertyDescription("The gRPC service and/or method; left out: any.")
    private MethodMatchSpec method;

    @JsonPropertyDescription("Request headers that must all match.")
    @Size(max = 16)
    private List<HeaderMatchSpec> headers;

    public RouteMatchSpec() {
    }

    public MethodMatchSpec getMethod() {
        return method;
    }

    public void setMethod(MethodMatchSpec method) {
        this.method = method;
    }

    public List<HeaderMatchSpec> getHeaders() {
        return headers;
    }

    public void setHeaders(List<HeaderMatchSpec> headers) {
        this.headers = headers;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RouteMatchSpec other && Objects.equals(method, other.method)
                && Objects.equals(headers, other.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, headers);
    }

    @Override
    public String toString() {
        return "RouteMatchSpec{method=" + method + ", headers=" + headers + "}";
    }
}
