package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/**
 * {@code spec.listener}: the port the data plane listens on for one balancer, its TLS, and how long
 * client connections live.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"port", "tls", "maxConnectionAge", "maxConnectionAgeGrace", "idleTimeout"})
public class ListenerSpec {

    @JsonPropertyDescription("TCP port, 1..65535. Required.")
    @Required
    @Min(1)
    @Max(65535)
    private Integer port;

    @JsonPropertyDescription("TLS termination (h2 over TLS with ALPN); without it the listener speaks h2c.")
    private ListenerTlsSpec tls;

    @JsonPropertyDescription("GOAWAY a client connection after this long (+-10 % jitter), so clients reconnect and"
            + " spread over new replicas, e.g. 30m (default: the data plane's --max-connection-age, off).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String maxConnectionAge;

    @JsonPropertyDescription("After that GOAWAY, the connection's calls get this long to finish before it closes"
            + " (default: the data plane's --max-connection-age-grace, no limit).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String maxConnectionAgeGrace;

    @JsonPropertyDescription("Close a client connection that carried no call for this long (default: the data plane's"
            + " --idle-timeout, 1h).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String idleTimeout;

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

    public String getMaxConnectionAge() {
        return maxConnectionAge;
    }

    public void setMaxConnectionAge(String maxConnectionAge) {
        this.maxConnectionAge = maxConnectionAge;
    }

    public String getMaxConnectionAgeGrace() {
        return maxConnectionAgeGrace;
    }

    public void setMaxConnectionAgeGrace(String maxConnectionAgeGrace) {
        this.maxConnectionAgeGrace = maxConnectionAgeGrace;
    }

    public String getIdleTimeout() {
        return idleTimeout;
    }

    public void setIdleTimeout(String idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ListenerSpec other && Objects.equals(port, other.port) && Objects.equals(tls, other.tls)
                && Objects.equals(maxConnectionAge, other.maxConnectionAge)
                && Objects.equals(maxConnectionAgeGrace, other.maxConnectionAgeGrace)
                && Objects.equals(idleTimeout, other.idleTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(port, tls, maxConnectionAge, maxConnectionAgeGrace, idleTimeout);
    }

    @Override
    public String toString() {
        return "ListenerSpec{port=" + port + (tls != null ? ", tls=" + tls : "") + ", maxConnectionAge=" + maxConnectionAge
                + ", maxConnectionAgeGrace=" + maxConnectionAgeGrace + ", idleTimeout=" + idleTimeout + "}";
    }
}
