package dev.grpcbalancer.dataplane.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.MethodMatch;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteFilters;
import dev.grpcbalancer.snapshot.RouteMatch;
import dev.grpcbalancer.snapshot.RoutePolicy;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hostnames in the route table: GRPCRoute's host precedence (exact, then the longest wildcard,
 * then any host) before its method and header precedence, on plain objects.
 */
class RouteTableHostsTest {

    @Test
    void exactHostBeatsTheLongerWildcardBeatsTheShorterBeatsAnyHost() {
        RouteTable<String> table = table(
                route("any", List.of()),
                route("wild-example", List.of("*.example.com")),
                route("wild-bar", List.of("*.bar.example.com")),
                route("exact", List.of("foo.bar.example.com")));

        assertThat(table.lookup(call("foo.bar.example.com", "/a.B/C"))).isEqualTo("exact");
        assertThat(table.lookup(call("baz.bar.example.com", "/a.B/C"))).isEqualTo("wild-bar");
        assertThat(table.lookup(call("a.b.c.bar.example.com", "/a.B/C"))).isEqualTo("wild-bar");
        assertThat(table.lookup(call("baz.example.com", "/a.B/C"))).isEqualTo("wild-example");
        assertThat(table.lookup(call("example.com", "/a.B/C"))).as("a wildcard needs a label before it").isEqualTo("any");
        assertThat(table.lookup(call("other.net", "/a.B/C"))).isEqualTo("any");
    }

    @Test
    void theHostIsComparedWithoutPortTrailingDotOrCase() {
        RouteTable<String> table = table(route("exact", List.of("grpc.example.com")), route("wild", List.of("*.example.net")));

        assertThat(table.lookup(call("grpc.example.com:8080", "/a.B/C"))).isEqualTo("exact");
        assertThat(table.lookup(call("GRPC.Example.COM", "/a.B/C"))).isEqualTo("exact");
        assertThat(table.lookup(call("grpc.example.com.:443", "/a.B/C"))).isEqualTo("exact");
        assertThat(table.lookup(call("A.Example.Net:50051", "/a.B/C"))).isEqualTo("wild");
        assertThat(table.lookup(call("grpc.example.org", "/a.B/C"))).as("no route for this host").isNull();
        assertThat(table.lookup(call("[::1]:8080", "/a.B/C"))).isNull();
        assertThat(table.lookup(call(null, "/a.B/C"))).isNull();
    }

    @Test
    void hostsRankBeforeMethodsAndACallNoRuleOfItsHostTakesFallsToLessSpecificHosts() {
        RouteTable<String> table = table(
                route("any-exact-method", List.of(), new RouteMatch(MethodMatch.exact("shop.Cart", "Get"))),
                route("host-any-method", List.of("shop.example.com"), new RouteMatch(MethodMatch.exact("shop.Cart", ""))),
                route("wild-checkout", List.of("*.example.com"), new RouteMatch(MethodMatch.exact("shop.Checkout", ""))));

        assertThat(table.lookup(call("shop.example.com", "/shop.Cart/Get"))).as("host first, though the method is less precise")
                .isEqualTo("host-any-method");
        assertThat(table.lookup(call("shop.example.com", "/shop.Checkout/Pay"))).isEqualTo("wild-checkout");
        assertThat(table.lookup(call("other.example.com", "/shop.Cart/Get"))).isEqualTo("any-exact-method");
        assertThat(table.lookup(call("other.example.com", "/shop.Orders/List"))).isNull();
    }

    @Test
    void aRouteWithSeveralHostnamesTakesCallsForEachOfThem() {
        RouteTable<String> table = table(route("both", List.of("a.example.com", "*.b.example.com")),
                route("later", List.of("a.example.com")));

        assertThat(table.lookup(call("a.example.com", "/x.Y/Z"))).as("the earlier route wins a tie").isEqualTo("both");
        assertThat(table.lookup(call("c.b.example.com", "/x.Y/Z"))).isEqualTo("both");
        assertThat(table.lookup(call("b.example.com", "/x.Y/Z"))).isNull();
    }

    @Test
    void gatewayApiListenerHostnameMatchingConformanceCases() {
        // GRPCRoute conformance "GRPCRouteListenerHostnameMatching": listeners with hostnames bar.com,
        // foo.bar.com, *.bar.com and *.foo.com, one route attached to each (hostnames intersected with
        // the listener's).
        RouteTable<String> table = table(
                route("backend-v1", List.of("bar.com")),
                route("backend-v2", List.of("foo.bar.com")),
                route("backend-v3", List.of("*.bar.com", "*.foo.com")));

        assertThat(table.lookup(call("bar.com", "/a.B/C"))).isEqualTo("backend-v1");
        assertThat(table.lookup(call("foo.bar.com", "/a.B/C"))).isEqualTo("backend-v2");
        assertThat(table.lookup(call("baz.bar.com", "/a.B/C"))).isEqualTo("backend-v3");
        assertThat(table.lookup(call("boo.bar.com", "/a.B/C"))).isEqualTo("backend-v3");
        assertThat(table.lookup(call("multiple.prefixes.bar.com", "/a.B/C"))).isEqualTo("backend-v3");
        assertThat(table.lookup(call("multiple.prefixes.foo.com", "/a.B/C"))).isEqualTo("backend-v3");
        assertThat(table.lookup(call("foo.com", "/a.B/C"))).isNull();
        assertThat(table.lookup(call("no.matching.host", "/a.B/C"))).isNull();
    }

    @Test
    void eachRouteAndMatchGetsOneTargetWhateverTheNumberOfItsHosts() {
        List<Route> routes = List.of(route("r", List.of("a.example.com", "b.example.com", "*.example.net")));
        int[] asked = new int[1];

        RouteTable<Object> table = RouteTable.compile(routes, (route, match) -> {
            asked[0]++;
            return new Object();
        });

        assertThat(asked[0]).isEqualTo(1);
        assertThat(table.lookup(call("a.example.com", "/x.Y/Z"))).isSameAs(table.lookup(call("q.example.net", "/x.Y/Z")));
    }

    @Test
    void lookingUpExactAndWildcardHostsAllocatesNothing() {
        RouteTable<String> table = table(route("exact", List.of("grpc.example.com"), new RouteMatch(MethodMatch.exact("x.Y", "Z"))),
                route("wild", List.of("*.example.com"), new RouteMatch(MethodMatch.exact("x.Y", ""))));
        Http2Headers exact = call("grpc.example.com:443", "/x.Y/Z");
        Http2Headers wild = call("Deep.Sub.Example.com", "/x.Y/Q");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) { // warm up: the JIT's own work must not count
            table.lookup(exact);
            table.lookup(wild);
        }
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 100_000; i++) {
            table.lookup(exact);
            table.lookup(wild);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;

        assertThat(table.lookup(exact)).isEqualTo("exact");
        assertThat(table.lookup(wild)).isEqualTo("wild");
        assertThat(allocated).as("bytes allocated by 200,000 lookups").isLessThan(10_000);
    }

    private static RouteTable<String> table(Route... routes) {
        return RouteTable.compile(List.of(routes), (route, match) -> route.name());
    }

    private static Route route(String name, List<String> hostnames, RouteMatch... matches) {
        return new Route(name, hostnames, List.of(matches), List.of(), RoutePolicy.DEFAULT, RouteFilters.NONE);
    }

    private static Http2Headers call(String authority, String path) {
        Http2Headers request = new DefaultHttp2Headers().method("POST").path(path).add("content-type", "application/grpc");
        if (authority != null) {
            request.authority(authority);
        }
        return request;
    }
}
