package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** {@code spec.backendRef}: a Service in the balancer's namespace and one of its Service ports. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "port"})
public class BackendRef {

    /** A DNS-1035 label, as Service names are. */
    @JsonPropertyDescription("Name of the Service: lowercase letters, digits and '-', starting with a letter"
            + " (at most 63 characters). Required.")
    @Required
    @Size(min = 1, max = 63)
    @Pattern("^[a-z]([-a-z0-9]*[a-z0-9])?$")
    private String name;

    @JsonPropertyDescription("The Service port (not the target port), 1..65535. Required.")
    @Required
    @Min(1)
    @Max(65535)
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
