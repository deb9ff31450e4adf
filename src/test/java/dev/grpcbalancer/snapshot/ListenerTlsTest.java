package dev.grpcbalancer.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcbalancer.snapshot.ListenerTls.ClientValidation;
import dev.grpcbalancer.snapshot.ListenerTls.HostCertificates;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The listener TLS model's rules: groups by distinct host name, at most four distinct certificates. */
class ListenerTlsTest {

    private static final TlsCertificate A = certificate("a");
    private static final TlsCertificate B = certificate("b");

    @Test
    void aListenerForAnyHostIsOneGroupWithoutHostnameAndNoCertificatesIsPlaintext() {
        assertThat(ListenerTls.of(List.of(A, B), ClientValidation.NONE).hosts())
                .containsExactly(new HostCertificates(null, List.of(A, B)));
        assertThat(ListenerTls.of(List.of(), ClientValidation.NONE)).isEqualTo(ListenerTls.PLAINTEXT);
        assertThat(ListenerTls.PLAINTEXT.enabled()).isFalse();
    }

    @Test
    void aCertificateSeveralGroupsServeIsListedAndCountedOnce() {
        List<HostCertificates> hosts = List.of(new HostCertificates("a.example.com", List.of(A)),
                new HostCertificates("b.example.com", List.of(B, A)), new HostCertificates("c.example.com", List.of(A)),
                new HostCertificates("d.example.com", List.of(certificate("c"))),
                new HostCertificates("*.example.com", List.of(certificate("d"))));

        ListenerTls tls = new ListenerTls(hosts, ClientValidation.NONE);

        assertThat(tls.certificates()).extracting(TlsCertificate::source).containsExactly("a", "b", "c", "d");
        assertThatThrownBy(() -> new ListenerTls(List.of(new HostCertificates(null, List.of(A, B, certificate("c"),
                certificate("d"), certificate("e")))), ClientValidation.NONE))
                .hasMessage("at most 4 certificates: 5");
    }

    @Test
    void hostnamesAreLowercaseDistinctAndExactOrWildcard() {
        assertThat(new HostCertificates("Cart.Shop.Example", List.of(A)).hostname()).isEqualTo("cart.shop.example");
        assertThatThrownBy(() -> new ListenerTls(List.of(new HostCertificates("a.example.com", List.of(A)),
                new HostCertificates("A.example.com", List.of(B))), ClientValidation.NONE))
                .hasMessage("two certificate groups for a.example.com");
        assertThatThrownBy(() -> new ListenerTls(List.of(new HostCertificates(null, List.of(A)),
                new HostCertificates(null, List.of(B))), ClientValidation.NONE))
                .hasMessage("two certificate groups for any host");
        for (String bad : List.of("", "*", "a*.example.com", "*.*.example.com")) {
            assertThatThrownBy(() -> new HostCertificates(bad, List.of(A))).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new HostCertificates("a.example.com", List.of()))
                .hasMessage("no certificate for a.example.com");
    }

    private static TlsCertificate certificate(String source) {
        return new TlsCertificate(source, "chain of " + source, "key of " + source, List.of(source + ".example.com"),
                Instant.EPOCH);
    }
}
