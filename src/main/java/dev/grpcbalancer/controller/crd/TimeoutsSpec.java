package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import java.util.Objects;

/** {@code spec.timeouts}: time limits of the balancer's calls and connections. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"connect", "request", "streamIdle"})
public class TimeoutsSpec {

    @JsonPropertyDescription("Connecting to a backend, including its first HTTP/2 SETTINGS, e.g. 2s (default: the data plane's, 5s).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String connect;

    @JsonPropertyDescription("A whole call; the client's grpc-timeout wins when shorter (default: none).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String request;

    @JsonPropertyDescription("A call with no frame in either direction for this long is ended with UNAVAILABLE (default 1h).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String streamIdle;

    public TimeoutsSpec() {
    }

    public String getConnect() {
        return connect;
    }

    public void setConnect(String connect) {
        this.connect = connect;
    }

    public String getRequest() {
        return request;
    }

    public void setRequest(String request) {
        this.request = request;
    }

    public String getStreamIdle() {
        return streamIdle;
    }

    public void setStreamIdle(String streamIdle) {
        this.streamIdle = streamIdle;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TimeoutsSpec other
                && Objects.equals(connect, other.connect)
                && Objects.equals(request, other.request)
                && Objects.equals(streamIdle, other.streamIdle);
    }

    @Override
    public int hashCode() {
        return Objects.hash(connect, request, streamIdle);
    }

    @Override
    public String toString() {
        return "TimeoutsSpec{connect=" + connect + ", request=" + request + ", streamIdle=" + streamIdle + "}";
    }
}
