package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Pattern;
import java.util.Objects;

/** {@code spec.loadBalancing.slowStart}: new endpoints get a ramping share of calls. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"window"})
public class SlowStartSpec {

    @JsonPropertyDescription("How long a new or newly healthy endpoint's share ramps up, e.g. 30s.")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String window;

    public SlowStartSpec() {
    }

    public String getWindow() {
        return window;
    }

    public void setWindow(String window) {
        this.window = window;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SlowStartSpec other
                && Objects.equals(window, other.window);
    }

    @Override
    public int hashCode() {
        return Objects.hash(window);
    }

    @Override
    public String toString() {
        return "SlowStartSpec{window=" + window + "}";
    }
}
