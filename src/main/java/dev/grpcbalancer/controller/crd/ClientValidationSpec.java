package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Objects;

/** {@code spec.listener.tls.clientValidation}: mutual TLS with the balancer's clients. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"caCertificateRefs", "mode"})
public class ClientValidationSpec {

    public static final String REQUIRE = "Require";
    public static final String ALLOW_MISSING = "AllowMissing";

    @JsonPropertyDescription("CA certificates (key ca.crt of a ConfigMap or Secret) that client certificates must"
            + " chain to. Required.")
    @Required
    @Size(min = 1, max = 8)
    private List<CertificateRef> caCertificateRefs;

    @JsonPropertyDescription("Require (default): clients without a certificate are refused; AllowMissing: a"
            + " certificate is verified when one is presented.")
    @SchemaFrom(type = ClientValidationModeSchema.class)
    @Default(REQUIRE)
    private String mode;

    public ClientValidationSpec() {
    }

    public List<CertificateRef> getCaCertificateRefs() {
        return caCertificateRefs;
    }

    public void setCaCertificateRefs(List<CertificateRef> caCertificateRefs) {
        this.caCertificateRefs = caCertificateRefs;
    }

    /** The mode as written, or {@code null} for the default (Require). */
    public String getMode() {
        return mode;
    }

    public void setMode(String mode) {
        this.mode = mode;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientValidationSpec other && Objects.equals(caCertificateRefs, other.caCertificateRefs)
                && Objects.equals(mode, other.mode);
    }

    @Override
    public int hashCode() {
        return Objects.hash(caCertificateRefs, mode);
    }

    @Override
    public String toString() {
        return "ClientValidationSpec{caCertificateRefs=" + caCertificateRefs + ", mode=" + mode + "}";
    }
}
