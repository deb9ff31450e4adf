package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.Locality;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StaticEndpointsTest {

    @Test
    void ipv4HostAndPortParseToAReadyEndpointOfWeightOne() {
        assertThat(StaticEndpoints.parse("10.0.0.1:50051"))
                .isEqualTo(new Endpoint("10.0.0.1", 50051, 1, EndpointState.READY));
    }

    @Test
    void bracketedIpv6IsParsedWithoutTheBrackets() {
        Endpoint endpoint = StaticEndpoints.parse("[::1]:50052");

        assertThat(endpoint.host()).isEqualTo("::1");
        assertThat(endpoint.port()).isEqualTo(50052);
        assertThat(endpoint.address()).hasToString("[::1]:50052");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "[2001:DB8:0:0:0:0:0:1]:1 | 2001:db8::1",
        "[2001:db8:0:0:1:0:0:1]:1 | 2001:db8::1:0:0:1",
        "[0:0:0:0:0:0:0:0]:1      | ::",
        "[fe80::0001]:1           | fe80::1",
        "[1:0:0:2:0:0:0:3]:1      | 1:0:0:2::3",
        "[1:2:3:4:5:6:7:0]:1      | 1:2:3:4:5:6:7:0",
        "[::ffff:10.0.0.1]:1      | ::ffff:10.0.0.1",
        "[64:ff9b::192.0.2.33]:1  | 64:ff9b::c000:221",
    })
    void ipv6HostsAreCanonicalSoThatSpellingsOfOneAddressAreEqual(String entry, String host) {
        assertThat(StaticEndpoints.parse(entry).host()).isEqualTo(host);
    }

    @Test
    void dnsNamesAreLowercasedAndKeepATrailingDot() {
        assertThat(StaticEndpoints.parse("Backend.Example.com:50051").host()).isEqualTo("backend.example.com");
        assertThat(StaticEndpoints.parse("greeter.shop.svc.cluster.local.:50051").host())
                .isEqualTo("greeter.shop.svc.cluster.local.");
        assertThat(StaticEndpoints.parse("localhost:1").host()).isEqualTo("localhost");
    }

    @ParameterizedTest
    @CsvSource({"10.0.0.1:50051;weight=3, 3", "10.0.0.1:50051;weight=1, 1", "[::1]:1;weight=1000, 1000"})
    void weightSuffixSetsTheWeight(String entry, int weight) {
        assertThat(StaticEndpoints.parse(entry).weight()).isEqualTo(weight);
    }

    @Test
    void zoneSuffixSetsTheEndpointsZoneInEitherOrderWithTheWeight() {
        assertThat(StaticEndpoints.parse("10.0.0.1:50051;zone=eu-west-1a").locality())
                .isEqualTo(Locality.inZone("eu-west-1a"));
        Endpoint both = StaticEndpoints.parse("10.0.0.1:50051;zone=z1;weight=3");
        assertThat(both.weight()).isEqualTo(3);
        assertThat(both.zone()).isEqualTo("z1");
        assertThat(StaticEndpoints.parse("10.0.0.1:50051;weight=3;zone=z1")).isEqualTo(both);
        assertThat(both).hasToString("10.0.0.1:50051;weight=3;zone=z1");
        assertThat(StaticEndpoints.parse("10.0.0.1:50051").zone()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "10.0.0.1                 | expected host:port, got \"10.0.0.1\"",
        "10.0.0.1:                | port must be a number 1..65535, got \"\" in \"10.0.0.1:\"",
        ":50051                   | expected host:port, got \":50051\"",
        "[::1]                    | expected host:port, got \"[::1]\"",
        "[::1]50051               | expected host:port, got \"[::1]50051\"",
        "[::1:50051               | expected host:port, got \"[::1:50051\"",
        "::1:50051                | an IPv6 address must be in brackets, as in [::1]:50051, got \"::1:50051\"",
        "10.0.0.1:0               | port must be 1..65535, got 0 in \"10.0.0.1:0\"",
        "10.0.0.1:65536           | port must be 1..65535, got 65536 in \"10.0.0.1:65536\"",
        "10.0.0.1:http            | port must be a number 1..65535, got \"http\" in \"10.0.0.1:http\"",
        "10.0.0.1:+80             | port must be a number 1..65535, got \"+80\" in \"10.0.0.1:+80\"",
        "10.0.0.1:1;weight=0      | weight must be 1..1000, got 0 in \"10.0.0.1:1;weight=0\"",
        "10.0.0.1:1;weight=1001   | weight must be 1..1000, got 1001 in \"10.0.0.1:1;weight=1001\"",
        "10.0.0.1:1;weight=heavy  | weight must be a number 1..1000, got \"heavy\" in \"10.0.0.1:1;weight=heavy\"",
        "10.0.0.1:1;weight=       | weight must be a number 1..1000, got \"\" in \"10.0.0.1:1;weight=\"",
        "10.0.0.1:1;wieght=2      | unknown option \"wieght=2\" in \"10.0.0.1:1;wieght=2\" (the options are weight=N and zone=Z)",
        "10.0.0.1:1;weight=2;x=1  | unknown option \"x=1\" in \"10.0.0.1:1;weight=2;x=1\" (the options are weight=N and zone=Z)",
        "10.0.0.1:1;weight=2;weight=3 | weight= is given twice in \"10.0.0.1:1;weight=2;weight=3\"",
        "10.0.0.1:1;zone=a;zone=b | zone= is given twice in \"10.0.0.1:1;zone=a;zone=b\"",
        "10.0.0.1:1;zone=         | zone must be a label value (letters, digits, '-', '_' and '.', at most 63, starting and ending with a letter or digit), got \"\" in \"10.0.0.1:1;zone=\"",
        "10.0.0.1:1;zone=-east    | zone must be a label value (letters, digits, '-', '_' and '.', at most 63, starting and ending with a letter or digit), got \"-east\" in \"10.0.0.1:1;zone=-east\"",
        "10.0.0.256:1             | invalid IPv4 address \"10.0.0.256\"",
        "010.0.0.1:1              | invalid IPv4 address \"010.0.0.1\"",
        "10.0.1:1                 | invalid IPv4 address \"10.0.1\"",
        "[::g]:1                  | invalid IPv6 address \"::g\"",
        "[1::2::3]:1              | invalid IPv6 address \"1::2::3\"",
        "[1:2:3:4:5:6:7:8:9]:1    | invalid IPv6 address \"1:2:3:4:5:6:7:8:9\"",
        "[1:2:3:4:5:6:7]:1        | invalid IPv6 address \"1:2:3:4:5:6:7\"",
        "[10.0.0.1]:1             | invalid IPv6 address \"10.0.0.1\"",
        "[fe80::1%eth0]:1         | IPv6 zone ids are not supported: \"fe80::1%eth0\"",
        "backend_1:1              | invalid host name \"backend_1\" (letters, digits, '-' and '.', labels of at most 63 characters)",
        "-backend:1               | invalid host name \"-backend\" (letters, digits, '-' and '.', labels of at most 63 characters)",
        "a..b:1                   | invalid host name \"a..b\" (letters, digits, '-' and '.', labels of at most 63 characters)",
    })
    void invalidEntriesAreRejectedWithAClearMessage(String entry, String message) {
        assertThatThrownBy(() -> StaticEndpoints.parse(entry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "10.0.0.1: 50051", "10.0.0.1:50051; weight=2"})
    void emptyEntriesAndSpacesAreRejected(String entry) {
        assertThatThrownBy(() -> StaticEndpoints.parse(entry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + entry + "\"");
    }

    @Test
    void labelsLongerThan63CharactersAreRejected() {
        String label = "a".repeat(64);

        assertThatThrownBy(() -> StaticEndpoints.parse(label + ".example.com:1"))
                .hasMessageStartingWith("invalid host name");
        assertThat(StaticEndpoints.parse("a".repeat(63) + ".example.com:1").host()).startsWith("aaa");
    }

    @Test
    void listFormSortsEndpointsByHostThenPort() {
        BackendSet backends = StaticEndpoints.parseAll(List.of("b.example.com:2", "[::1]:9", "a.example.com:2",
                "a.example.com:1;weight=5"));

        assertThat(backends.endpoints()).extracting(Endpoint::toString)
                .containsExactly("[::1]:9", "a.example.com:1;weight=5", "a.example.com:2", "b.example.com:2");
    }

    @Test
    void listFormGivesAnEqualBackendSetForTheSameEntriesInAnotherOrder() {
        List<String> entries = List.of("10.0.0.3:1", "10.0.0.1:1;weight=2", "[::1]:1", "backend:1");
        List<String> reversed = new ArrayList<>(entries);
        Collections.reverse(reversed);

        assertThat(StaticEndpoints.parseAll(reversed)).isEqualTo(StaticEndpoints.parseAll(entries));
    }

    @Test
    void listFormRejectsTheSameAddressTwiceEvenWithAnotherWeightOrSpelling() {
        assertThatThrownBy(() -> StaticEndpoints.parseAll(List.of("10.0.0.1:1", "10.0.0.1:1;weight=2")))
                .hasMessage("staticEndpoints[1]: duplicate of staticEndpoints[0] (both are 10.0.0.1:1)");
        assertThatThrownBy(() -> StaticEndpoints.parseAll(List.of("[::1]:1", "[0:0::1]:1")))
                .hasMessage("staticEndpoints[1]: duplicate of staticEndpoints[0] (both are [::1]:1)");
        assertThatThrownBy(() -> StaticEndpoints.parseAll(List.of("Backend:1", "backend:1")))
                .hasMessage("staticEndpoints[1]: duplicate of staticEndpoints[0] (both are backend:1)");
    }

    @Test
    void sameHostOnAnotherPortIsAnotherEndpoint() {
        assertThat(StaticEndpoints.parseAll(List.of("10.0.0.1:1", "10.0.0.1:2")).endpoints()).hasSize(2);
    }

    @Test
    void listFormNamesTheFirstBadEntry() {
        assertThatThrownBy(() -> StaticEndpoints.parseAll(List.of("10.0.0.1:1", "nope")))
                .hasMessage("staticEndpoints[1]: expected host:port, got \"nope\"");
    }

    @Test
    void listFormRejectsAnEmptyListAndMoreThanAThousandEntries() {
        List<String> tooMany = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            tooMany.add("10.0." + (i / 250) + "." + (i % 250) + ":1");
        }

        assertThatThrownBy(() -> StaticEndpoints.parseAll(List.of()))
                .hasMessage("staticEndpoints: must list at least one endpoint");
        assertThatThrownBy(() -> StaticEndpoints.parseAll(tooMany))
                .hasMessage("staticEndpoints: must list at most 1000 endpoints, got 1001");
        assertThat(StaticEndpoints.parseAll(tooMany.subList(0, 1000)).endpoints()).hasSize(1000);
    }
}
