package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BalancerId;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ManagedServiceNamesTest {

    /** DNS-1035 label: what Kubernetes demands of a Service name. */
    private static final String DNS_1035 = "[a-z]([-a-z0-9]{0,61}[a-z0-9])?";

    @Test
    void shortUnambiguousNameIsThePrefixNamespaceAndName() {
        assertThat(ManagedServiceNames.serviceName(new BalancerId("shop", "greeter"))).isEqualTo("gbal-shop-greeter");
        assertThat(ManagedServiceNames.serviceName(new BalancerId("shop", "greeter-v2")))
                .isEqualTo("gbal-shop-greeter-v2");
    }

    @Test
    void nameOfExactly63CharactersIsKept() {
        String name = "a".repeat(63 - "gbal-shop-".length());

        assertThat(ManagedServiceNames.serviceName(new BalancerId("shop", name))).isEqualTo("gbal-shop-" + name);
    }

    @Test
    void tooLongNameIsTruncatedAndSuffixedWithAStableHash() {
        BalancerId id = new BalancerId("shop", "a".repeat(60));

        String serviceName = ManagedServiceNames.serviceName(id);

        // 63 = "gbal-shop-" + 44 characters of the name + "-" + 8 hex characters of sha256("shop/<name>").
        assertThat(serviceName).hasSize(63).matches(DNS_1035)
                .isEqualTo("gbal-shop-" + "a".repeat(44) + "-" + sha256Prefix("shop/" + "a".repeat(60)));
        assertThat(ManagedServiceNames.serviceName(new BalancerId("shop", "a".repeat(60)))).isEqualTo(serviceName);
    }

    @Test
    void namespaceWithADashKeepsThePlainName() {
        assertThat(ManagedServiceNames.serviceName(new BalancerId("grpc-balancer", "greeter")))
                .isEqualTo("gbal-grpc-balancer-greeter");
    }

    @Test
    void balancersThatConcatenateAlikeGetDistinctNamesTheFirstByIdKeepingThePlainOne() {
        BalancerId teamA = new BalancerId("team-a", "api");
        BalancerId team = new BalancerId("team", "a-api");

        Map<BalancerId, String> names = ManagedServiceNames.assign(List.of(teamA, team));

        assertThat(names.get(team)).isEqualTo("gbal-team-a-api");
        assertThat(names.get(teamA)).isEqualTo(ManagedServiceNames.hashedName(teamA))
                .startsWith("gbal-team-a-api-").matches(DNS_1035);
        assertThat(ManagedServiceNames.assign(List.of(teamA))).containsEntry(teamA, "gbal-team-a-api");
    }

    @Test
    void nameWithDotsIsMadeValidAndHashed() {
        String dotted = ManagedServiceNames.serviceName(new BalancerId("shop", "greeter.v1"));
        String dashed = ManagedServiceNames.serviceName(new BalancerId("shop", "greeter-v1"));

        assertThat(dotted).startsWith("gbal-shop-greeter-v1-").matches(DNS_1035).isNotEqualTo(dashed);
        assertThat(dashed).isEqualTo("gbal-shop-greeter-v1");
    }

    @Test
    void plainNameThatLooksHashedIsHashedItselfSoItCannotTakeAnotherBalancersName() {
        String hashed = ManagedServiceNames.hashedName(new BalancerId("team-a", "api"));
        String lookalike = hashed.substring("gbal-team-".length());

        assertThat(ManagedServiceNames.serviceName(new BalancerId("team", lookalike))).isNotEqualTo(hashed);
    }

    @ParameterizedTest
    @CsvSource({
        "shop, greeter",
        "kube-system, " + "x-------------------------------------------------------------------y",
        "a-very-long-namespace-name-that-is-at-the-limit-of-63-characters, svc",
        "ns, a.b.c.d.e.f",
        "default, 9lives",
        "ns, 0123abcd-0123abcd",
    })
    void everyNameIsAValidServiceName(String namespace, String name) {
        assertThat(ManagedServiceNames.serviceName(new BalancerId(namespace, name))).matches(DNS_1035);
    }

    @Test
    void distinctBalancersGetDistinctNames() {
        List<String> namespaces = List.of("a", "a-b", "b", "team-a", "team", "x".repeat(63));
        List<String> names = List.of("api", "a-api", "b-api", "b", "a.b", "a-b", "y".repeat(60), "y".repeat(61),
                "y".repeat(200) + "1", "y".repeat(200) + "2");
        List<BalancerId> ids = new java.util.ArrayList<>();
        for (String namespace : namespaces) {
            for (String name : names) {
                ids.add(new BalancerId(namespace, name));
            }
        }

        Map<BalancerId, String> assigned = ManagedServiceNames.assign(ids);

        assertThat(assigned).hasSize(ids.size());
        assertThat(new HashSet<>(assigned.values())).hasSize(ids.size());
        assertThat(assigned.values()).allSatisfy(n -> assertThat(n).matches(DNS_1035));
    }

    private static String sha256Prefix(String text) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest).substring(0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
