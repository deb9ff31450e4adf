package dev.grpcbalancer.dataplane.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcbalancer.snapshot.HeaderMatch;
import dev.grpcbalancer.snapshot.MethodMatch;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteMatch;
import dev.grpcbalancer.snapshot.RoutePolicy;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The match compiler and GRPCRoute's precedence, on plain objects: rules in, request headers in,
 * the name of the rule that takes the call out.
 */
class RouteTableTest {

    @Test
    void exactServiceAndMethodBeatsExactServiceBeatsExactMethodBeatsRegexBeatsAnyMethod() {
        RouteTable<String> table = table(
                rule("any", new RouteMatch(MethodMatch.ANY)),
                rule("regex", new RouteMatch(MethodMatch.regex("shop\\..*", ""))),
                rule("method", new RouteMatch(MethodMatch.exact("", "Pay"))),
                rule("service", new RouteMatch(MethodMatch.exact("shop.Checkout", ""))),
                rule("both", new RouteMatch(MethodMatch.exact("shop.Checkout", "Pay"))));

        assertThat(table.lookup(call("/shop.Checkout/Pay"))).isEqualTo("both");
        assertThat(table.lookup(call("/shop.Checkout/Refund"))).isEqualTo("service");
        assertThat(table.lookup(call("/shop.Cart/Pay"))).isEqualTo("method");
        assertThat(table.lookup(call("/shop.Cart/Get"))).isEqualTo("regex");
        assertThat(table.lookup(call("/other.Service/Get"))).isEqualTo("any");
    }

    @Test
    void gatewayApiHeaderMatchingConformanceCases() {
        // GRPCRoute conformance "GRPCRouteHeaderMatching": more header matches win, then rule order.
        RouteTable<String> table = table(
                rule("v1-one", new RouteMatch(MethodMatch.ANY, HeaderMatch.exact("version", "one"))),
                rule("v2-two", new RouteMatch(MethodMatch.ANY, HeaderMatch.exact("version", "two"))),
                rule("v1-two-orange", new RouteMatch(MethodMatch.ANY, HeaderMatch.exact("version", "two"),
                        HeaderMatch.exact("color", "orange"))),
                rule("v1-blue-green", new RouteMatch(MethodMatch.ANY, HeaderMatch.exact("color", "blue")),
                        new RouteMatch(MethodMatch.ANY, HeaderMatch.exact("color", "green"))),
                rule("v2-red-yellow", new RouteMatch(MethodMatch.ANY, HeaderMatch.exact("color", "red")),
                        new RouteMatch(MethodMatch.ANY, HeaderMatch.exact("color", "yellow"))));

        assertThat(table.lookup(call("/a.B/C", "version", "one"))).isEqualTo("v1-one");
        assertThat(table.lookup(call("/a.B/C", "version", "two"))).isEqualTo("v2-two");
        assertThat(table.lookup(call("/a.B/C", "version", "two", "color", "orange"))).isEqualTo("v1-two-orange");
        assertThat(table.lookup(call("/a.B/C", "version", "two", "color", "blue"))).as("a tie goes to the earlier rule")
                .isEqualTo("v2-two");
        assertThat(table.lookup(call("/a.B/C", "color", "orange"))).isNull();
        assertThat(table.lookup(call("/a.B/C", "some-other-header", "one"))).isNull();
        assertThat(table.lookup(call("/a.B/C", "color", "blue"))).isEqualTo("v1-blue-green");
        assertThat(table.lookup(call("/a.B/C", "color", "green"))).isEqualTo("v1-blue-green");
        assertThat(table.lookup(call("/a.B/C", "color", "red"))).isEqualTo("v2-red-yellow");
        assertThat(table.lookup(call("/a.B/C", "color", "yellow"))).isEqualTo("v2-red-yellow");
        assertThat(table.lookup(call("/a.B/C", "color", "purple"))).isNull();
    }

    @Test
    void gatewayApiExactMethodMatchingConformanceCases() {
        String service = "gateway_api_conformance.grpc_echo.grpcecho.GrpcEcho";
        RouteTable<String> table = table(
                rule("v1", new RouteMatch(MethodMatch.exact(service, "Echo"))),
                rule("v2", new RouteMatch(MethodMatch.exact(service, "EchoTwo"))));

        assertThat(table.lookup(call("/" + service + "/Echo"))).isEqualTo("v1");
        assertThat(table.lookup(call("/" + service + "/EchoTwo"))).isEqualTo("v2");
        assertThat(table.lookup(call("/" + service + "/EchoThree"))).isNull();
    }

    @Test
    void moreHeaderMatchesWinOnlyAmongMatchesOfTheSameMethodRank() {
        RouteTable<String> table = table(
                rule("any-with-headers", new RouteMatch(MethodMatch.ANY, HeaderMatch.exact("x-tenant", "gold"),
                        HeaderMatch.exact("x-zone", "a"))),
                rule("exact", new RouteMatch(MethodMatch.exact("shop.Checkout", "Pay"))),
                rule("exact-gold", new RouteMatch(MethodMatch.exact("shop.Checkout", "Pay"),
                        HeaderMatch.exact("x-tenant", "gold"))));

        assertThat(table.lookup(call("/shop.Checkout/Pay", "x-tenant", "gold", "x-zone", "a"))).isEqualTo("exact-gold");
        assertThat(table.lookup(call("/shop.Checkout/Pay", "x-tenant", "silver"))).isEqualTo("exact");
        assertThat(table.lookup(call("/shop.Cart/Get", "x-tenant", "gold", "x-zone", "a"))).isEqualTo("any-with-headers");
    }

    @Test
    void aRuleWithoutMatchesTakesEveryCallAndEarlierRulesWinTies() {
        RouteTable<String> table = table(rule("first"), rule("second"));

        assertThat(table.lookup(call("/a.B/C"))).isEqualTo("first");
        assertThat(table.lookup(new DefaultHttp2Headers())).as("no path at all").isEqualTo("first");
    }

    @Test
    void noRulesTakeNoCall() {
        assertThat(table().lookup(call("/a.B/C"))).isNull();
    }

    @Test
    void exactNamesAreCaseSensitiveAndWhole() {
        RouteTable<String> table = table(rule("cart", new RouteMatch(MethodMatch.exact("shop.Cart", "Get"))));

        assertThat(table.lookup(call("/shop.Cart/Get"))).isEqualTo("cart");
        assertThat(table.lookup(call("/shop.cart/Get"))).isNull();
        assertThat(table.lookup(call("/shop.Cart/GetAll"))).isNull();
        assertThat(table.lookup(call("/shop.Cart/Get/extra"))).isNull();
        assertThat(table.lookup(call("/xshop.Cart/Get"))).isNull();
    }

    @Test
    void aRegularExpressionMustMatchTheWholeServiceAndMethod() {
        RouteTable<String> table = table(rule("v2", new RouteMatch(MethodMatch.regex("shop\\.v2\\..+", "(Get|List).*"))));

        assertThat(table.lookup(call("/shop.v2.Cart/GetItems"))).isEqualTo("v2");
        assertThat(table.lookup(call("/shop.v2.Cart/ListItems"))).isEqualTo("v2");
        assertThat(table.lookup(call("/shop.v2.Cart/DeleteItems"))).isNull();
        assertThat(table.lookup(call("/xshop.v2.Cart/GetItems"))).as("no implicit prefix match").isNull();
    }

    @Test
    void headerValuesMatchExactlyOrByRegularExpressionAndAnyRepeatedValueCounts() {
        RouteTable<String> table = table(
                rule("exact", new RouteMatch(MethodMatch.ANY, HeaderMatch.exact("X-Tenant", "gold"))),
                rule("regex", new RouteMatch(MethodMatch.ANY, HeaderMatch.regex("x-user", "[0-9]+"))));

        assertThat(table.lookup(call("/a.B/C", "x-tenant", "gold"))).as("names compare case-insensitively")
                .isEqualTo("exact");
        assertThat(table.lookup(call("/a.B/C", "x-tenant", "Gold"))).as("values do not").isNull();
        assertThat(table.lookup(call("/a.B/C", "x-tenant", "silver", "x-tenant", "gold"))).isEqualTo("exact");
        assertThat(table.lookup(call("/a.B/C", "x-user", "1234"))).isEqualTo("regex");
        assertThat(table.lookup(call("/a.B/C", "x-user", "12a34"))).isNull();
    }

    @Test
    void onlyTheFirstHeaderMatchOfANameCounts() {
        RouteMatch match = new RouteMatch(MethodMatch.ANY, HeaderMatch.exact("version", "one"),
                HeaderMatch.exact("Version", "two"));
        RouteTable<String> table = table(rule("one", match));

        assertThat(match.headers()).hasSize(1);
        assertThat(table.lookup(call("/a.B/C", "version", "one"))).isEqualTo("one");
        assertThat(table.lookup(call("/a.B/C", "version", "two"))).isNull();
    }

    @Test
    void anInvalidRegularExpressionIsRefusedAtCompileTime() {
        assertThatThrownBy(() -> table(rule("bad", new RouteMatch(MethodMatch.regex("(unclosed", "")))))
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void theLastOf200ExactRulesIsFoundWithoutAllocating() {
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            routes.add(rule("svc-" + i, new RouteMatch(MethodMatch.exact("bench.Service" + i, "Unary"))));
        }
        routes.add(rule("fallback", new RouteMatch(MethodMatch.regex("bench\\..*", ""))));
        RouteTable<String> table = RouteTable.compile(routes, (route, match) -> route.name());
        Http2Headers last = call("/bench.Service199/Unary");
        Http2Headers header = call("/x.Y/Z", "x-tenant", "gold");
        RouteTable<String> headerTable = table(rule("gold",
                new RouteMatch(MethodMatch.exact("x.Y", "Z"), HeaderMatch.exact("x-tenant", "gold"))));

        assertThat(table.lookup(last)).isEqualTo("svc-199");
        assertThat(table.lookup(call("/bench.Service200/Unary"))).isEqualTo("fallback");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) { // warm up: the JIT's own work must not count
            table.lookup(last);
            headerTable.lookup(header);
        }
        long before = threads.getThreadAllocatedBytes(thread);
        String found = null;
        for (int i = 0; i < 100_000; i++) {
            found = table.lookup(last);
            headerTable.lookup(header);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;

        assertThat(found).isEqualTo("svc-199");
        assertThat(allocated).as("bytes allocated by 200,000 lookups").isLessThan(10_000);
    }

    private static RouteTable<String> table(Route... routes) {
        return RouteTable.compile(List.of(routes), (route, match) -> route.name());
    }

    private static Route rule(String name, RouteMatch... matches) {
        return new Route(name, List.of(matches), List.of(), RoutePolicy.DEFAULT);
    }

    private static Http2Headers call(String path, String... headers) {
        Http2Headers request = new DefaultHttp2Headers().method("POST").path(path).add("content-type", "application/grpc");
        for (int i = 0; i < headers.length; i += 2) {
            request.add(headers[i].toLowerCase(java.util.Locale.ROOT), headers[i + 1]);
        }
        return request;
    }
}
