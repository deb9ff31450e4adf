package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Objects;

/**
 * {@code spec.backendTLS}: TLS from the balancer to all of its backends (Gateway API's
 * BackendTLSPolicy vocabulary), optionally with a client certificate (mutual TLS).
 */
@ValidationRule(value = "has(self.caCertificateRefs) != has(self.wellKnownCACertificates)",
        message = "set exactly one of caCertificateRefs and wellKnownCACertificates")
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"caCertificateRefs", "wellKnownCACertificates", "hostname", "clientCertificateRef"})
public class BackendTlsSpec {

    public static final String SYSTEM = "System";

    @JsonPropertyDescription("CA certificates (key ca.crt of a ConfigMap or Secret) that backend certificates must"
            + " chain to. Exclusive with wellKnownCACertificates.")
    @Size(min = 1, max = 8)
    private List<CertificateRef> caCertificateRefs;

    @JsonPropertyDescription("System: trust the well-known CAs of the balancer's Java runtime. Exclusive with"
            + " caCertificateRefs.")
    @SchemaFrom(type = WellKnownCaSchema.class)
    private String wellKnownCACertificates;

    @JsonPropertyDescription("Sent as SNI, and the name each backend's certificate must be for. Required.")
    @Required
    @Size(min = 1, max = 253)
    private String hostname;

    @JsonPropertyDescription("A certificate (Secret with tls.crt, tls.key) presented to backends that ask for one.")
    private CertificateRef clientCertificateRef;

    public BackendTlsSpec() {
    }

    public List<CertificateRef> getCaCertificateRefs() {
        return caCertificateRefs;
    }

    public void setCaCertificateRefs(List<CertificateRef> caCertificateRefs) {
        this.caCertificateRefs = caCertificateRefs;
    }

    @JsonProperty("wellKnownCACertificates")
    public String getWellKnownCACertificates() {
        return wellKnownCACertificates;
    }

    @JsonProperty("wellKnownCACertificates")
    public void setWellKnownCACertificates(String wellKnownCACertificates) {
        this.wellKnownCACertificates = wellKnownCACertificates;
    }

    public String getHostname() {
        return hostname;
    }

    public void setHostname(String hostname) {
        this.hostname = hostname;
    }

    public CertificateRef getClientCertificateRef() {
        return clientCertificateRef;
    }

    public void setClientCertificateRef(CertificateRef clientCertificateRef) {
        this.clientCertificateRef = clientCertificateRef;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BackendTlsSpec other && Objects.equals(caCertificateRefs, other.caCertificateRefs)
                && Objects.equals(wellKnownCACertificates, other.wellKnownCACertificates)
                && Objects.equals(hostname, other.hostname)
                && Objects.equals(clientCertificateRef, other.clientCertificateRef);
    }

    @Override
    public int hashCode() {
        return Objects.hash(caCertificateRefs, wellKnownCACertificates, hostname, clientCertificateRef);
    }

    @Override
    public String toString() {
        return "BackendTlsSpec{caCertificateRefs=" + caCertificateRefs + ", wellKnownCACertificates="
                + wellKnownCACertificates + ", hostname=" + hostname + ", clientCertificateRef=" + clientCertificateRef + "}";
    }
}
