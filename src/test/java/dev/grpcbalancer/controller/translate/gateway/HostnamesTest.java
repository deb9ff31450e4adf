package dev.grpcbalancer.controller.translate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Gateway API's hostname intersection rules, as GRPCRoute's documentation gives them. */
class HostnamesTest {

    @Test
    void aPreciseListenerTakesRoutesWithoutHostnamesOrWithItOrAWildcardCoveringIt() {
        assertThat(Hostnames.intersect("test.example.com", List.of())).contains(List.of("test.example.com"));
        assertThat(Hostnames.intersect("test.example.com", List.of("test.example.com"))).contains(List.of("test.example.com"));
        assertThat(Hostnames.intersect("test.example.com", List.of("*.example.com"))).contains(List.of("test.example.com"));
        assertThat(Hostnames.intersect("test.example.com", List.of("other.example.com"))).isEmpty();
    }

    @Test
    void aWildcardListenerKeepsOnlyTheRouteHostnamesItCovers() {
        assertThat(Hostnames.intersect("*.example.com", List.of("test.example.com", "test.example.net")))
                .contains(List.of("test.example.com"));
        assertThat(Hostnames.intersect("*.example.com", List.of("*.example.com"))).contains(List.of("*.example.com"));
        assertThat(Hostnames.intersect("*.example.com", List.of("*.com"))).as("the narrower of two wildcards")
                .contains(List.of("*.example.com"));
        assertThat(Hostnames.intersect("*.example.com", List.of("example.com", "test.example.net"))).isEmpty();
        assertThat(Hostnames.intersect("*.example.com", List.of("foo.test.example.com")))
                .contains(List.of("foo.test.example.com"));
    }

    @Test
    void aListenerWithoutHostnameTakesTheRoutesHostnamesOrAnyHost() {
        assertThat(Hostnames.intersect(null, List.of())).contains(List.of());
        assertThat(Hostnames.intersect(null, List.of("a.example.com", "*.b.com"))).contains(List.of("a.example.com", "*.b.com"));
    }

    @Test
    void theUnionOfListenersIsAnyHostWhenOneOfThemIs() {
        assertThat(Hostnames.union(List.of(List.of("a.com"), List.of("*.b.com", "a.com")))).containsExactly("a.com", "*.b.com");
        assertThat(Hostnames.union(List.of(List.of("a.com"), List.of()))).isEmpty();
        assertThat(Optional.of(Hostnames.covers("*.example.com", "example.com"))).contains(false);
    }
}
