package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** {@code spec.listener}: the port the data plane listens on for one balancer, and its TLS. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"port", "tls"})
public class ListenerSpec {

    @JsonPropertyDescription("TCP port, 1..65535. Required.")
    @Required
    @Min(1)
    @Max(65535)
    private Integer port;

    @JsonPropertyDescription("TLS termination (h2 over TLS with ALPN); without it the listener speaks h2c.")
    private ListenerTlsSpec tls;

    // No one-argument constructor on purpose: Jackson would take it as a delegating creator and
    // accept a bare scalar in place of the mapping.
    public ListenerSpec() {
    }

    /** The port, or {@code null} when the document leaves it out. */
    public Integer getPort() {
        return port;
    }

    public void setPort(Integer port) {
        this.port = port;
    }

    public ListenerTlsSpec getTls() {
        return tls;
    }

    public void setTls(ListenerTlsSpec tls) {
        this.tls = tls;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ListenerSpec other && Objects.equals(port, other.port) && Objects.equals(tls, other.tls);
    }

    @Override
    public int hashCode() {
        return Objects.hash(port, tls);
    }

    @Override
    public String toString() {
        return "ListenerSpec{port=" + port + (tls != null ? ", tls=" + tls : "") + "}";
    }
}
