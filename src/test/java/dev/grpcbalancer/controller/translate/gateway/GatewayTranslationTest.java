package dev.grpcbalancer.controller.translate.gateway;

import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.backend;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.gateway;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.grant;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.listener;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.listenerFromAll;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.parent;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.route;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.rule;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.service;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.HeaderModifier;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeader;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One Gateway with its GRPCRoutes, ReferenceGrants and Services translated with plain objects:
 * the routes the data plane runs per port, and every reason its listeners and routes report.
 */
class GatewayTranslationTest {

    private final MapGatewayCluster cluster = new MapGatewayCluster().add(GatewayObjects.ourClass())
            .add(service("shop", "cart", 50051)).add(slice("shop", "cart", 9000, "10.0.0.1"))
            .add(service("shop", "checkout", 50051)).add(slice("shop", "checkout", 9000, "10.0.0.2"));

    @Test
    void aGatewayOfAnotherControllersClassIsLeftAlone() {
        cluster.add(GatewayObjects.gatewayClass("other", "example.com/other"));
        Gateway gateway = gateway("shop", "web", listener("http", 8080, null));
        gateway.getSpec().setGatewayClassName("other");

        assertThat(GatewayTranslator.candidate(gateway, cluster)).isEmpty();
        assertThat(GatewayTranslator.candidate(gateway("shop", "web", listener("http", 8080, null)),
                new MapGatewayCluster())).as("a class that does not exist").isEmpty();
    }

    @Test
    void eachPortOfTheListenersBecomesOneBalancerWithTheRulesOfItsRoutes() {
        cluster.add(route("shop", "cart", List.of(parent("web")), List.of(),
                rule("shop.Cart", null, backend("cart", 50051, 3)), rule("shop.Checkout", "Pay", backend("checkout", 50051, 1))));

        GatewayCandidate candidate = translate(gateway("shop", "web", listener("http", 8080, null),
                listener("admin", 9090, null)));

        assertThat(candidate.ports()).containsOnlyKeys(8080, 9090);
        BalancerConfig http = candidate.ports().get(8080);
        assertThat(http.id()).isEqualTo(GatewayTranslator.listenerId(new ObjectKey("shop", "web"), 8080));
        assertThat(http.id().toString()).isEqualTo("shop/gateway/web:8080");
        assertThat(http.routes()).extracting(Route::name).containsExactly("shop/cart/rule-0", "shop/cart/rule-1");
        assertThat(http.routes().get(0).backends()).containsExactly(new RouteBackend("cart:50051", 3,
                new dev.grpcbalancer.snapshot.BackendSet(List.of(Endpoint.ready("10.0.0.1", 9000)))));
        assertThat(http.routes().get(0).hostnames()).isEmpty();
        assertThat(candidate.attachedRoutes()).containsEntry("http", 1).containsEntry("admin", 1);
        assertThat(candidate.parents()).singleElement().satisfies(p -> assertThat(p.isAccepted()).isTrue());
    }

    @Test
    void aListenerWithoutRoutesStillRunsAndTakesNoCall() {
        GatewayCandidate candidate = translate(gateway("shop", "web", listener("http", 8080, null)));

        BalancerConfig config = candidate.ports().get(8080);
        assertThat(config.routed()).isTrue();
        assertThat(config.effectiveRoutes()).isEmpty();
    }

    @Test
    void routesAreOrderedOldestFirstThenByNamespaceAndName() {
        GRPCRoute young = route("shop", "a-young", List.of(parent("web")), List.of(), rule("shop.Cart", null,
                backend("cart", 50051, 1)));
        young.getMetadata().setCreationTimestamp("2026-06-01T00:00:00Z");
        cluster.add(young).add(route("shop", "z-old", List.of(parent("web")), List.of(), rule("shop.Cart", null,
                backend("checkout", 50051, 1)))).add(route("shop", "b-old", List.of(parent("web")), List.of(),
                        rule("shop.Cart", null, backend("checkout", 50051, 1))));

        GatewayCandidate candidate = translate(gateway("shop", "web", listener("http", 8080, null)));

        assertThat(candidate.ports().get(8080).routes()).extracting(Route::name)
                .containsExactly("shop/b-old/rule-0", "shop/z-old/rule-0", "shop/a-young/rule-0");
    }

    @Test
    void routeHostnamesAreNarrowedToEachListenersAndUnitedPerPort() {
        cluster.add(route("shop", "cart", List.of(parent("web")), List.of("*.example.com", "cart.example.net"),
                rule(null, null, backend("cart", 50051, 1))));

        GatewayCandidate candidate = translate(gateway("shop", "web", listener("foo", 8080, "foo.example.com"),
                listener("wild", 8080, "*.shop.example.com"), listener("net", 9090, "*.example.net"),
                listener("org", 7070, "*.example.org")));

        assertThat(candidate.ports().get(8080).routes().get(0).hostnames())
                .containsExactly("foo.example.com", "*.shop.example.com");
        assertThat(candidate.ports().get(9090).routes().get(0).hostnames()).containsExactly("cart.example.net");
        assertThat(candidate.ports().get(7070).routes()).isEmpty();
        assertThat(candidate.attachedRoutes()).containsEntry("foo", 1).containsEntry("wild", 1).containsEntry("net", 1)
                .containsEntry("org", 0);
    }

    @Test
    void aRouteWhoseHostnamesMatchNoListenerIsNotAccepted() {
        cluster.add(route("shop", "cart", List.of(parent("web")), List.of("cart.example.org"),
                rule(null, null, backend("cart", 50051, 1))));

        ParentResult result = onlyParent(gateway("shop", "web", listener("http", 8080, "*.example.com")));

        assertThat(result.notAccepted().reason()).isEqualTo("NoMatchingListenerHostname");
        assertThat(result.notAccepted().message()).contains("cart.example.org").contains("http");
    }

    @Test
    void aSectionNameOrPortThatSelectsNoListenerIsNoMatchingParent() {
        cluster.add(route("shop", "by-name", List.of(parent("web", "grpc", null)), List.of(),
                rule(null, null, backend("cart", 50051, 1))));
        cluster.add(route("shop", "by-port", List.of(parent("web", "http", 9999)), List.of(),
                rule(null, null, backend("cart", 50051, 1))));

        GatewayCandidate candidate = translate(gateway("shop", "web", listener("http", 8080, null)));

        assertThat(candidate.parents()).extracting(p -> p.route().name(), p -> p.notAccepted().reason())
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("by-name", "NoMatchingParent"),
                        org.assertj.core.groups.Tuple.tuple("by-port", "NoMatchingParent"));
    }

    @Test
    void aSectionNameAttachesToThatListenerOnly() {
        cluster.add(route("shop", "cart", List.of(parent("web", "b", 9090)), List.of(),
                rule(null, null, backend("cart", 50051, 1))));

        GatewayCandidate candidate = translate(gateway("shop", "web", listener("a", 8080, null), listener("b", 9090, null)));

        assertThat(candidate.attachedRoutes()).containsEntry("a", 0).containsEntry("b", 1);
        assertThat(candidate.ports().get(8080).routes()).isEmpty();
        assertThat(candidate.ports().get(9090).routes()).hasSize(1);
    }

    @Test
    void routesFromAnotherNamespaceNeedTheListenerToAllowThem() {
        ParentReference toShop = parent("web");
        toShop.setNamespace("shop");
        cluster.add(route("team", "cart", List.of(toShop), List.of(), rule(null, null, backend("cart", 50051, 1))));

        ParentResult same = onlyParent(gateway("shop", "web", listener("http", 8080, null)));
        ParentResult all = onlyParent(gateway("shop", "web", listenerFromAll("http", 8080, null)));

        assertThat(same.notAccepted().reason()).isEqualTo("NotAllowedByListeners");
        assertThat(same.notAccepted().message()).contains("namespace team");
        assertThat(all.isAccepted()).isTrue();
    }

    @Test
    void aNamespaceSelectorAllowsTheNamespacesWhoseLabelsMatch() {
        ParentReference toShop = parent("web");
        toShop.setNamespace("shop");
        cluster.add(route("team", "cart", List.of(toShop), List.of(), rule(null, null, backend("cart", 50051, 1))));
        Listener selecting = new ListenerBuilder(listener("http", 8080, null)).withNewAllowedRoutes().withNewNamespaces()
                .withFrom("Selector").withSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("gateway", "web"))
                        .build()).endNamespaces().endAllowedRoutes().build();

        ParentResult unlabelled = onlyParent(gateway("shop", "web", selecting));
        cluster.namespace("team", Map.of("gateway", "web"));
        ParentResult labelled = onlyParent(gateway("shop", "web", selecting));

        assertThat(unlabelled.notAccepted().reason()).isEqualTo("NotAllowedByListeners");
        assertThat(labelled.isAccepted()).isTrue();
    }

    @Test
    void aListenerThatDoesNotTakeGrpcRoutesAllowsNone() {
        Listener httpRoutesOnly = new ListenerBuilder(listener("http", 8080, null)).withNewAllowedRoutes()
                .withKinds(new RouteGroupKind(GatewayApi.GROUP, "HTTPRoute")).endAllowedRoutes().build();
        cluster.add(route("shop", "cart", List.of(parent("web")), List.of(), rule(null, null, backend("cart", 50051, 1))));

        GatewayCandidate candidate = translate(gateway("shop", "web", httpRoutesOnly));

        ListenerCheck listener = candidate.listeners().get(0);
        assertThat(listener.supportedKinds()).isEmpty();
        assertThat(listener.unresolvedRefs().reason()).isEqualTo("InvalidRouteKinds");
        assertThat(candidate.parents().get(0).notAccepted().reason()).isEqualTo("NotAllowedByListeners");
    }

    @Test
    void listenersOfUnsupportedProtocolsAreNotAcceptedAndServeNothing() {
        Listener tls = new ListenerBuilder(listener("tls", 8443, null)).withProtocol("TLS").build();
        Listener tcp = new ListenerBuilder(listener("tcp", 9000, null)).withProtocol("TCP").build();

        GatewayCandidate candidate = translate(gateway("shop", "web", tls, tcp, listener("http", 8080, null)));

        assertThat(candidate.listeners()).extracting(l -> l.notAccepted() == null ? null : l.notAccepted().reason())
                .containsExactly("UnsupportedProtocol", "UnsupportedProtocol", null);
        assertThat(candidate.ports()).containsOnlyKeys(8080);
    }

    @Test
    void listenersOnOnePortConflictOnProtocolOrOnTheSameHostname() {
        Listener https = new ListenerBuilder(listener("https", 8443, null)).withProtocol("HTTPS").build();

        GatewayCandidate candidate = translate(gateway("shop", "web",
                listener("a", 8080, "a.example.com"), listener("b", 8080, "a.example.com"), listener("c", 8080, "c.example.com"),
                listener("d", 8443, null), https));

        assertThat(candidate.listeners()).extracting(ListenerCheck::name, ListenerCheck::conflict).containsExactly(
                org.assertj.core.groups.Tuple.tuple("a", "HostnameConflict"),
                org.assertj.core.groups.Tuple.tuple("b", "HostnameConflict"),
                org.assertj.core.groups.Tuple.tuple("c", null),
                org.assertj.core.groups.Tuple.tuple("d", "ProtocolConflict"),
                org.assertj.core.groups.Tuple.tuple("https", "ProtocolConflict"));
        assertThat(candidate.ports()).containsOnlyKeys(8080);
    }

    @Test
    void aBackendInAnotherNamespaceNeedsAReferenceGrantElseItsShareFails() {
        cluster.add(service("billing", "ledger", 50051)).add(slice("billing", "ledger", 9000, "10.0.1.1"));
        cluster.add(route("shop", "pay", List.of(parent("web")), List.of(), rule(null, null, backend("billing", "ledger", 50051))));

        GatewayCandidate denied = translate(gateway("shop", "web", listener("http", 8080, null)));
        cluster.add(grant("billing", "other", null)).add(grant("billing", "shop", "other-service"));
        GatewayCandidate stillDenied = translate(gateway("shop", "web", listener("http", 8080, null)));
        cluster.add(grant("billing", "shop", "ledger"));
        GatewayCandidate granted = translate(gateway("shop", "web", listener("http", 8080, null)));

        ParentResult refused = denied.parents().get(0);
        assertThat(refused.isAccepted()).as("the route is accepted; its backendRef is not").isTrue();
        assertThat(refused.unresolvedRefs()).singleElement().satisfies(p -> {
            assertThat(p.reason()).isEqualTo("RefNotPermitted");
            assertThat(p.message()).contains("billing/ledger");
        });
        RouteBackend backend = denied.ports().get(8080).routes().get(0).backends().get(0);
        assertThat(backend.isInvalid()).isTrue();
        assertThat(backend.name()).isEqualTo("billing/ledger:50051");
        assertThat(stillDenied.parents().get(0).unresolvedRefs()).extracting(Problem::reason).containsExactly("RefNotPermitted");
        assertThat(granted.parents().get(0).unresolvedRefs()).isEmpty();
        assertThat(granted.ports().get(8080).routes().get(0).backends().get(0).endpoints().endpoints())
                .containsExactly(Endpoint.ready("10.0.1.1", 9000));
        assertThat(granted.inputs()).contains(dev.grpcbalancer.controller.translate.InputRef.referenceGrants("billing"));
    }

    @Test
    void backendRefsToAnotherKindOrAMissingServiceOrPortAreInvalidWithTheirReasons() {
        GRPCRouteRule rule = rule(null, null, backend("missing", 50051, 1), backend("cart", 7777, 1), backend("cart", 50051, 2));
        rule.getBackendRefs().add(new io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCBackendRefBuilder()
                .withGroup("example.com").withKind("Bucket").withName("b").build());
        cluster.add(route("shop", "mixed", List.of(parent("web")), List.of(), rule));

        GatewayCandidate candidate = translate(gateway("shop", "web", listener("http", 8080, null)));

        assertThat(candidate.parents().get(0).unresolvedRefs()).extracting(Problem::reason)
                .containsExactly("BackendNotFound", "BackendNotFound", "InvalidKind");
        assertThat(candidate.parents().get(0).unresolvedRefs().get(1).message()).contains("has no port 7777");
        assertThat(candidate.ports().get(8080).routes().get(0).backends()).extracting(RouteBackend::isInvalid)
                .containsExactly(true, true, false, true);
    }

    @Test
    void aRuleAskingForWhatIsNotSupportedIsDroppedAndTheOthersServe() {
        GRPCRouteRule mirror = rule("shop.Cart", null, backend("cart", 50051, 1));
        GRPCRouteFilter filter = new GRPCRouteFilter();
        filter.setType("RequestMirror");
        mirror.setFilters(new ArrayList<>(List.of(filter)));
        GRPCRouteRule badRegex = rule(null, null, backend("cart", 50051, 1));
        badRegex.getMatches(); // no matches: give it one with a broken expression
        badRegex.setMatches(new ArrayList<>(List.of(new io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteMatch(
                List.of(), new io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCMethodMatch(null, "shop.(", "RegularExpression")))));
        cluster.add(route("shop", "cart", List.of(parent("web")), List.of(), mirror, badRegex,
                rule("shop.Checkout", null, backend("checkout", 50051, 1))));

        GatewayCandidate candidate = translate(gateway("shop", "web", listener("http", 8080, null)));

        ParentResult result = candidate.parents().get(0);
        assertThat(result.isAccepted()).isTrue();
        assertThat(result.droppedRules()).hasSize(2);
        assertThat(result.droppedRules().get(0)).startsWith("rules[0]: filter RequestMirror is not supported");
        assertThat(result.droppedRules().get(1)).startsWith("rules[1]: \"shop.(\" is not an RE2 regular expression");
        assertThat(candidate.ports().get(8080).routes()).extracting(Route::name).containsExactly("shop/cart/rule-2");
    }

    @Test
    void aRouteWithNoRuleLeftIsNotAcceptedWithUnsupportedValue() {
        GRPCRouteRule persistent = rule(null, null, backend("cart", 50051, 1));
        persistent.setSessionPersistence(new io.fabric8.kubernetes.api.model.gatewayapi.v1.SessionPersistence());
        cluster.add(route("shop", "sticky", List.of(parent("web")), List.of(), persistent));

        ParentResult result = onlyParent(gateway("shop", "web", listener("http", 8080, null)));

        assertThat(result.notAccepted().reason()).isEqualTo("UnsupportedValue");
        assertThat(result.notAccepted().message()).contains("sessionPersistence is not supported");
    }

    @Test
    void headerModifierFiltersBecomeTheRoutesFilters() {
        GRPCRouteRule rule = rule(null, null, backend("cart", 50051, 1));
        GRPCRouteFilter request = new GRPCRouteFilter();
        request.setType("RequestHeaderModifier");
        request.setRequestHeaderModifier(new HTTPHeaderFilter(List.of(new HTTPHeader("X-Added", "1")), List.of("x-drop"),
                List.of(new HTTPHeader("X-Tenant", "gold"))));
        GRPCRouteFilter response = new GRPCRouteFilter();
        response.setType("ResponseHeaderModifier");
        response.setResponseHeaderModifier(new HTTPHeaderFilter(List.of(), List.of("server"), List.of()));
        rule.setFilters(new ArrayList<>(List.of(request, response)));
        cluster.add(route("shop", "cart", List.of(parent("web")), List.of(), rule));

        Route route = translate(gateway("shop", "web", listener("http", 8080, null))).ports().get(8080).routes().get(0);

        assertThat(route.filters().request()).isEqualTo(new HeaderModifier(List.of(new HeaderModifier.Header("x-tenant", "gold")),
                List.of(new HeaderModifier.Header("x-added", "1")), List.of("x-drop")));
        assertThat(route.filters().response().remove()).containsExactly("server");
    }

    @Test
    void aHeaderModifierOnTheHeadersOfGrpcsFramingDropsTheRule() {
        GRPCRouteRule rule = rule(null, null, backend("cart", 50051, 1));
        GRPCRouteFilter request = new GRPCRouteFilter();
        request.setType("RequestHeaderModifier");
        request.setRequestHeaderModifier(new HTTPHeaderFilter(List.of(), List.of(),
                List.of(new HTTPHeader("content-type", "text/plain"))));
        rule.setFilters(new ArrayList<>(List.of(request)));
        cluster.add(route("shop", "cart", List.of(parent("web")), List.of(), rule));

        ParentResult result = onlyParent(gateway("shop", "web", listener("http", 8080, null)));

        assertThat(result.notAccepted().reason()).isEqualTo("UnsupportedValue");
        assertThat(result.notAccepted().message()).contains("\"content-type\" may not be modified");
    }

    @Test
    void aGatewayAskingForAddressesOrOfAClassWithParametersServesNothing() {
        Gateway addressed = gateway("shop", "web", listener("http", 8080, null));
        addressed.getSpec().setAddresses(List.of(new io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayAddress("IPAddress",
                "10.1.2.3")));
        GatewayCandidate withAddress = translate(addressed);
        cluster.add(new io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassBuilder(GatewayObjects.ourClass())
                .editSpec().withNewParametersRef().withGroup("example.com").withKind("Config").withName("c").endParametersRef()
                .endSpec().build());
        GatewayCandidate withParameters = translate(gateway("shop", "web", listener("http", 8080, null)));

        assertThat(withAddress.notAccepted().reason()).isEqualTo("UnsupportedAddress");
        assertThat(withAddress.ports()).isEmpty();
        assertThat(withParameters.notAccepted().reason()).isEqualTo("Invalid");
        assertThat(withParameters.notAccepted().message()).contains("parametersRef is not supported");
        assertThat(withParameters.ports()).isEmpty();
    }

    @Test
    void theCandidateRecordsEverythingItRead() {
        cluster.add(route("shop", "cart", List.of(parent("web")), List.of(), rule(null, null, backend("cart", 50051, 1))));

        GatewayCandidate candidate = translate(gateway("shop", "web", listener("http", 8080, null)));

        assertThat(candidate.inputs()).contains(
                dev.grpcbalancer.controller.translate.InputRef.gatewayClass(GatewayObjects.CLASS),
                dev.grpcbalancer.controller.translate.InputRef.grpcRoutesOf("shop", "web"),
                dev.grpcbalancer.controller.translate.InputRef.service("shop", "cart"),
                dev.grpcbalancer.controller.translate.InputRef.endpointSlicesOf("shop", "cart"));
    }

    private GatewayCandidate translate(Gateway gateway) {
        return GatewayTranslator.candidate(gateway, cluster).orElseThrow();
    }

    private ParentResult onlyParent(Gateway gateway) {
        List<ParentResult> parents = translate(gateway).parents();
        assertThat(parents).hasSize(1);
        return parents.get(0);
    }
}
