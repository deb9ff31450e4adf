package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** {@code spec.backendRef}: a Service in the balancer's namespace and one of its Service ports. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "port"})
public class BackendRef {

    @JsonPropertyDescription("Name of the Service. Required.")
    private String name;

    @JsonPropertyDescription("The Service port (not the target port), 1..65535. Required.")
    private Integer port;

    public BackendRef() {
    }

    public BackendRef(String name, Integer port) {
        this.name = name;
        this.port = port;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    /** The Service port, or {@code null} when the document leaves it out. */
    public Integer getPort() {
        return port;
    }

    public void setPort(Integer port) {
        this.port = port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BackendRef other && Objects.equals(name, other.name) && Objects.equals(port, other.port);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, port);
    }

    @Override
    public String toString() {
        return "BackendRef{name=" + name + ", port=" + port + "}";
    }
}
