package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import java.util.Objects;

/** {@code spec.keepalive}: HTTP/2 PINGs on the connections to the backends. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"interval", "timeout"})
public class KeepaliveSpec {

    @JsonPropertyDescription("PING a connection that carries calls when nothing came from the backend for this long"
            + " (default 30s; 0s turns keepalive off).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String interval;

    @JsonPropertyDescription("No answer by then: the connection is dead, its calls end with UNAVAILABLE (default 10s).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String timeout;

    public KeepaliveSpec() {
    }

    public String getInterval() {
        return interval;
    }

    public void setInterval(String interval) {
        this.interval = interval;
    }

    public String getTimeout() {
        return timeout;
    }

    public void setTimeout(String timeout) {
        this.timeout = timeout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeepaliveSpec other && Objects.equals(interval, other.interval)
                && Objects.equals(timeout, other.timeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(interval, timeout);
    }

    @Override
    public String toString() {
        return "KeepaliveSpec{interval=" + interval + ", timeout=" + timeout + "}";
    }
}
