package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Objects;

/** {@code spec.listener.tls}: TLS termination on the listener, optionally with mutual TLS. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"certificateRefs", "clientValidation"})
public class ListenerTlsSpec {

    @JsonPropertyDescription("1..4 certificates (Secrets of type kubernetes.io/tls: tls.crt, tls.key); with several,"
            + " each client gets the one whose names match its SNI, the first one when none does. Required.")
    @Required
    @Size(min = 1, max = 4)
    private List<CertificateRef> certificateRefs;

    @JsonPropertyDescription("Mutual TLS: clients present certificates signed by these CAs.")
    private ClientValidationSpec clientValidation;

    public ListenerTlsSpec() {
    }

    public List<CertificateRef> getCertificateRefs() {
        return certificateRefs;
    }

    public void setCertificateRefs(List<CertificateRef> certificateRefs) {
        this.certificateRefs = certificateRefs;
    }

    public ClientValidationSpec getClientValidation() {
        return clientValidation;
    }

    public void setClientValidation(ClientValidationSpec clientValidation) {
        this.clientValidation = clientValidation;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ListenerTlsSpec other && Objects.equals(certificateRefs, other.certificateRefs)
                && Objects.equals(clientValidation, other.clientValidation);
    }

    @Override
    public int hashCode() {
        return Objects.hash(certificateRefs, clientValidation);
    }

    @Override
    public String toString() {
        return "ListenerTlsSpec{certificateRefs=" + certificateRefs + ", clientValidation=" + clientValidation + "}";
    }
}
