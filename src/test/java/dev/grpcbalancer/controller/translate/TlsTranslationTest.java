package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.CertificateRef;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.controller.crd.ListenerTlsSpec;
import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.testing.tls.TestPki;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Certificate references in the cluster's incremental translation: Secrets are inputs, and so is time. */
class TlsTranslationTest {

    private static final BalancerId GREETER = new BalancerId("shop", "greeter");
    private static final TestPki.Ca CA = TestPki.ca("tls-translation-test-ca");
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    private final KeyMaterialCache keys = new KeyMaterialCache();
    private final MapCluster cluster = new MapCluster();

    @Test
    void changedSecretIsTranslatedAgainAndAnUnrelatedOneIsNot() {
        TestPki.Issued first = issued(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(90)));
        putSecret("greeter-tls", first);
        List<GrpcBalancer> balancers = List.of(balancer());
        ClusterTranslator.Result before = translate(balancers, RoutingSnapshot.EMPTY, ClusterTranslator.Memo.EMPTY,
                Set.of(), NOW);
        assertThat(before.memo().inputs(GREETER)).contains(InputRef.secret("shop", "greeter-tls"));

        ClusterTranslator.Result unrelated = translate(balancers, before.snapshot(), before.memo(),
                Set.of(InputRef.secret("shop", "other-tls"), InputRef.configMap("shop", "greeter-tls")), NOW);
        TestPki.Issued second = issued(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(90)));
        putSecret("greeter-tls", second);
        ClusterTranslator.Result rotated = translate(balancers, unrelated.snapshot(), unrelated.memo(),
                Set.of(InputRef.secret("shop", "greeter-tls")), NOW);

        assertThat(unrelated.outcomes().get(GREETER)).isSameAs(before.outcomes().get(GREETER));
        assertThat(rotated.snapshot().balancer(GREETER).orElseThrow().listenerTls().certificates().get(0).notAfter())
                .isEqualTo(second.certificate().getNotAfter().toInstant());
        assertThat(rotated.snapshot()).isNotEqualTo(before.snapshot());
    }

    @Test
    void certificateThatExpiresIsReportedAtItsExpiryWithoutAnyChangeAndKeepsServing() {
        Instant expiry = NOW.plus(Duration.ofHours(1));
        putSecret("greeter-tls", issued(NOW.minus(Duration.ofDays(1)), expiry));
        List<GrpcBalancer> balancers = List.of(balancer());
        ClusterTranslator.Result valid = translate(balancers, RoutingSnapshot.EMPTY, ClusterTranslator.Memo.EMPTY,
                Set.of(), NOW);

        ClusterTranslator.Result stillValid = translate(balancers, valid.snapshot(), valid.memo(), Set.of(),
                expiry.minusSeconds(1));
        ClusterTranslator.Result expired = translate(balancers, stillValid.snapshot(), stillValid.memo(), Set.of(),
                expiry.plusSeconds(2));

        assertThat(stillValid.outcomes().get(GREETER)).isSameAs(valid.outcomes().get(GREETER));
        assertThat(expired.outcomes().get(GREETER).certificateProblems()).singleElement()
                .satisfies(p -> assertThat(p.message()).startsWith("Secret shop/greeter-tls: the certificate in tls.crt"
                        + " expired at"));
        assertThat(expired.snapshot()).as("the last valid certificate keeps serving").isEqualTo(valid.snapshot());
    }

    private ClusterTranslator.Result translate(List<GrpcBalancer> balancers, RoutingSnapshot running,
            ClusterTranslator.Memo memo, Set<InputRef> changed, Instant now) {
        ClusterTranslator.Result result = ClusterTranslator.translate(balancers, cluster, Map.of(), running, memo,
                changed, keys, now);
        keys.retainUsed();
        return result;
    }

    private static TestPki.Issued issued(Instant from, Instant until) {
        return CA.server("greeter.shop.svc").validity(from, until).issue();
    }

    private void putSecret(String name, TestPki.Issued issued) {
        Base64.Encoder base64 = Base64.getEncoder();
        cluster.secrets.put("shop/" + name, new SecretBuilder().withNewMetadata().withNamespace("shop").withName(name)
                .endMetadata().withType("kubernetes.io/tls")
                .withData(Map.of("tls.crt", base64.encodeToString(issued.chainPem().getBytes(StandardCharsets.US_ASCII)),
                        "tls.key", base64.encodeToString(issued.keyPem().getBytes(StandardCharsets.US_ASCII))))
                .build());
    }

    private static GrpcBalancer balancer() {
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setNamespace("shop");
        balancer.getMetadata().setName("greeter");
        balancer.getMetadata().setUid("uid-1");
        balancer.getMetadata().setResourceVersion("1");
        ListenerTlsSpec tls = new ListenerTlsSpec();
        tls.setCertificateRefs(List.of(new CertificateRef(null, "greeter-tls")));
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(8443);
        listener.setTls(tls);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setStaticEndpoints(List.of("10.0.0.1:50051"));
        balancer.setSpec(spec);
        return balancer;
    }
}
