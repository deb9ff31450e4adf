package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.ConsistentHashSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.HeaderMatchSpec;
import dev.grpcbalancer.controller.crd.HedgingSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.controller.crd.LoadBalancingSpec;
import dev.grpcbalancer.controller.crd.MethodMatchSpec;
import dev.grpcbalancer.controller.crd.RetrySpec;
import dev.grpcbalancer.controller.crd.RouteMatchSpec;
import dev.grpcbalancer.controller.crd.RuleBackendRef;
import dev.grpcbalancer.controller.crd.RuleSpec;
import dev.grpcbalancer.controller.crd.ZoneAwareSpec;
import dev.grpcbalancer.controller.status.DesiredStatus;
import dev.grpcbalancer.controller.status.StatusBuilder;
import dev.grpcbalancer.controller.crd.BackendRefStatus;
import dev.grpcbalancer.controller.status.Conditions;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.HeaderMatch;
import dev.grpcbalancer.snapshot.HedgingPolicy;
import dev.grpcbalancer.snapshot.ListenerState;
import dev.grpcbalancer.snapshot.LoadBalancingOptions;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.MatchType;
import dev.grpcbalancer.snapshot.MethodMatch;
import dev.grpcbalancer.snapshot.RetryPolicy;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteMatch;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.rules} translated with plain objects: the routes the data plane gets, the status of
 * every kind of bad reference, field-by-field validation, and the Services each balancer read.
 */
class RuleTranslationTest {

    private static final BalancerId SHOP = new BalancerId("shop", "front");

    private final MapCluster cluster = new MapCluster();

    @Test
    void rulesBecomeRoutesWithWeightedBackendsPerServiceAndTheServicesReadAreListed() {
        cluster.addService("shop", "cart-v1", "10.0.0.1", "10.0.0.2");
        cluster.addService("shop", "cart-v2", "10.0.1.1");
        RuleSpec cart = rule("cart", match("shop.Cart", null), service("cart-v1", 95), service("cart-v2", 5));
        RuleSpec gold = rule(null, match("shop.Checkout", "Pay", new HeaderMatchSpec("X-Tenant", "gold")),
                statics(1, "10.0.0.9:50051"));

        ClusterTranslator.Result result = ClusterTranslator.translate(List.of(balancer(cart, gold)), cluster, Map.of(),
                RoutingSnapshot.EMPTY);
        BalancerOutcome outcome = result.outcomes().get(SHOP);

        assertThat(outcome.isAccepted()).isTrue();
        List<Route> routes = outcome.config().routes();
        assertThat(routes).extracting(Route::name).containsExactly("cart", "rule-1");
        assertThat(routes.get(0).matches()).containsExactly(new RouteMatch(MethodMatch.exact("shop.Cart", "")));
        assertThat(routes.get(0).backends()).extracting(b -> b.name() + "/" + b.weight() + "/" + b.endpoints().endpoints().size())
                .containsExactly("cart-v1:50051/95/2", "cart-v2:50051/5/1");
        assertThat(routes.get(1).matches().get(0).headers()).containsExactly(HeaderMatch.exact("x-tenant", "gold"));
        assertThat(routes.get(1).backends().get(0).endpoints().endpoints()).containsExactly(Endpoint.ready("10.0.0.9", 50051));
        assertThat(result.memo().inputs(SHOP)).containsExactlyInAnyOrder(
                InputRef.service("shop", "cart-v1"), InputRef.endpointSlicesOf("shop", "cart-v1"),
                InputRef.service("shop", "cart-v2"), InputRef.endpointSlicesOf("shop", "cart-v2"));

        DesiredStatus status = StatusBuilder.build(outcome, new ListenerState(8080, true, null), null);
        assertThat(condition(status, StatusBuilder.RESOLVED_REFS).status()).isEqualTo("True");
        assertThat(condition(status, StatusBuilder.RESOLVED_REFS).message()).isEqualTo("3 backendRefs of 2 rules resolved");
        assertThat(status.ruleCount()).isEqualTo(2);
        assertThat(status.rules().get(0).getBackendRefs()).extracting(BackendRefStatus::getName, BackendRefStatus::getWeight,
                r -> r.getEndpoints().getReady()).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("cart-v1:50051", 95, 2),
                        org.assertj.core.groups.Tuple.tuple("cart-v2:50051", 5, 1));
        assertThat(status.endpoints().getTotal()).isEqualTo(4);
        assertThat(condition(status, StatusBuilder.BACKENDS_AVAILABLE).status()).isEqualTo("True");
    }

    @Test
    void everyBadReferenceIsNamedWithItsRuleInResolvedRefsAndTheRestStillRuns() {
        cluster.addService("shop", "cart-v1", "10.0.0.1");
        cluster.services.put("shop/external", new ServiceBuilder().withNewMetadata().withNamespace("shop").withName("external")
                .endMetadata().withNewSpec().withType("ExternalName").withExternalName("example.com").endSpec().build());
        RuleSpec cart = rule("cart", match("shop.Cart", null), service("cart-v1", 95), service("cart-v2", 5));
        RuleSpec wrongPort = rule(null, match("shop.Orders", null), serviceRef("cart-v1", 9999, 1));
        RuleSpec external = rule("ext", match("shop.Ext", null), service("external", 1));

        BalancerOutcome outcome = outcome(balancer(cart, wrongPort, external));
        DesiredStatus status = StatusBuilder.build(outcome, new ListenerState(8080, true, null), null);

        Conditions.Desired resolved = condition(status, StatusBuilder.RESOLVED_REFS);
        assertThat(resolved.status()).isEqualTo("False");
        assertThat(resolved.reason()).isEqualTo(ServiceBackends.BACKEND_NOT_FOUND);
        assertThat(resolved.message()).contains(
                "rule cart: Service shop/cart-v2 not found",
                "rules[1]: Service shop/cart-v1 has no port 9999 (ports: 50051/grpc)",
                "rule ext: Service shop/external is of type ExternalName");
        assertThat(status.rules().get(0).getBackendRefs()).extracting(BackendRefStatus::isResolved).containsExactly(true, false);
        assertThat(outcome.config().routes().get(0).backends().get(0).endpoints().endpoints()).hasSize(1);
        Conditions.Desired available = condition(status, StatusBuilder.BACKENDS_AVAILABLE);
        assertThat(available.status()).isEqualTo("False");
        assertThat(available.message()).contains("rules[1]: 0 of 0 endpoints ready", "rule ext: 0 of 0 endpoints ready")
                .doesNotContain("rule cart");
    }

    @Test
    void weightZeroIsResolvedAndReported() {
        cluster.addService("shop", "cart-v1", "10.0.0.1");
        cluster.addService("shop", "cart-v2");

        BalancerOutcome outcome = outcome(balancer(rule("cart", match("shop.Cart", null), service("cart-v1", 1),
                service("cart-v2", 0))));
        DesiredStatus status = StatusBuilder.build(outcome, new ListenerState(8080, true, null), null);

        assertThat(outcome.config().routes().get(0).backends()).extracting(b -> b.weight()).containsExactly(1, 0);
        assertThat(condition(status, StatusBuilder.RESOLVED_REFS).status()).isEqualTo("True");
        assertThat(status.rules().get(0).getBackendRefs().get(1).getWeight()).isZero();
    }

    @Test
    void everyFieldOfARuleIsCheckedAndNamed() {
        RuleSpec bad = rule("none", match("shop/Cart", "Get-It", new HeaderMatchSpec("x tenant", "")),
                serviceRef("Cart", 0, 2_000_000));
        RouteMatchSpec regex = new RouteMatchSpec();
        MethodMatchSpec method = new MethodMatchSpec();
        method.setType("RegularExpression");
        method.setService("(shop");
        regex.setMethod(method);
        RouteMatchSpec empty = new RouteMatchSpec();
        empty.setMethod(new MethodMatchSpec());
        bad.setMatches(List.of(bad.getMatches().get(0), regex, empty));
        RuleSpec duplicate = rule("cart", null, service("cart", 1), service("cart", 2));
        RuleSpec sameName = rule("cart", null, statics(1, "10.0.0.1:1"));
        RetrySpec retry = new RetrySpec();
        retry.setNumRetries(99);
        sameName.setRetry(retry);

        List<String> errors = SpecValidation.validate(balancer(bad, duplicate, sameName)).stream()
                .map(SpecError::toString).toList();

        assertThat(errors).containsExactly(
                "spec.rules[0].name: \"none\" is reserved (\"none\" counts calls no rule takes, rule-N names unnamed rules)",
                "spec.rules[0].matches[0].method.service: must be a gRPC service name such as shop.v1.Cart"
                        + " (letters, digits, '_' and '.'), got \"shop/Cart\"",
                "spec.rules[0].matches[0].method.method: must be a gRPC method name such as GetItem"
                        + " (letters, digits and '_'), got \"Get-It\"",
                "spec.rules[0].matches[0].headers[0].name: must be an HTTP header name (letters, digits and"
                        + " !#$%&'*+-.^_`|~), got \"x tenant\"",
                "spec.rules[0].matches[0].headers[0].value: required",
                "spec.rules[0].matches[1].method.service: must be an RE2 regular expression: missing closing )"
                        + " in \"(shop\"",
                "spec.rules[0].matches[2].method: set service, method or both",
                "spec.rules[0].backendRefs[0].name: must be a Service name: lowercase letters, digits and '-'"
                        + " (at most 63 characters), got \"Cart\"",
                "spec.rules[0].backendRefs[0].port: must be 1..65535, got 0",
                "spec.rules[0].backendRefs[0].weight: must be 0..1000000, got 2000000",
                "spec.rules[1].backendRefs[1]: duplicate of spec.rules[1].backendRefs[0] (Service cart port 50051)",
                "spec.rules[2].name: duplicate of spec.rules[1].name (\"cart\")",
                "spec.rules[2].retry.numRetries: must be 0..10, got 99");
    }

    @Test
    void aRulesOwnSectionReplacesTheBalancersAndOthersInheritIt() {
        RetrySpec balancerRetry = new RetrySpec();
        balancerRetry.setNumRetries(3);
        RetrySpec ruleRetry = new RetrySpec();
        ruleRetry.setRetryOn(List.of("unavailable"));
        RuleSpec own = rule("own", match("shop.A", null), statics(1, "10.0.0.1:1"));
        own.setRetry(ruleRetry);
        RuleSpec inherits = rule("inherits", null, statics(1, "10.0.0.1:1"));
        GrpcBalancer balancer = balancer(own, inherits);
        balancer.getSpec().setRetry(balancerRetry);

        BalancerConfig config = BalancerTranslator.translateStatic(balancer).config();

        assertThat(config.routes().get(0).policy().retry().numRetries()).as("the whole section is replaced").isEqualTo(1);
        assertThat(config.routes().get(0).policy().retry().retryOn()).hasSize(1);
        assertThat(config.routes().get(1).policy().retry().numRetries()).isEqualTo(3);
    }

    @Test
    void aRulesOwnLoadBalancingBringsItsTunablesAndZoneHintsToItsBackendsOnly() {
        LoadBalancingSpec hashed = new LoadBalancingSpec();
        hashed.setPolicy("ConsistentHash");
        ConsistentHashSpec hash = new ConsistentHashSpec();
        hash.setHeader("x-user-id");
        hashed.setConsistentHash(hash);
        ZoneAwareSpec zoneAware = new ZoneAwareSpec();
        zoneAware.setTrafficDistribution("PreferSameZone");
        hashed.setZoneAware(zoneAware);
        RuleSpec own = rule("carts", match("shop.Cart", null), statics(1, "10.0.0.1:1;zone=z1", "10.0.0.2:1;zone=z2"));
        own.setLoadBalancing(hashed);
        RuleSpec inherits = rule("rest", null, statics(1, "10.0.0.3:1;zone=z1"));

        BalancerConfig config = BalancerTranslator.translateStatic(balancer(own, inherits)).config();

        Route carts = config.routes().get(0);
        assertThat(carts.policy().loadBalancing()).isEqualTo(LoadBalancingPolicy.ConsistentHash);
        assertThat(carts.policy().loadBalancingOptions().consistentHash().header()).isEqualTo("x-user-id");
        assertThat(carts.backends().get(0).endpoints().endpoints()).extracting(e -> e.locality().forZones())
                .containsExactly(Set.of("z1"), Set.of("z2"));
        Route rest = config.routes().get(1);
        assertThat(rest.policy().loadBalancing()).isEqualTo(LoadBalancingPolicy.RoundRobin);
        assertThat(rest.policy().loadBalancingOptions()).isEqualTo(LoadBalancingOptions.DEFAULT);
        assertThat(rest.backends().get(0).endpoints().endpoints().get(0).locality().hasZoneHints()).isFalse();
    }

    @Test
    void aRulesLoadBalancingTunablesAreCheckedUnderItsOwnField() {
        LoadBalancingSpec hashed = new LoadBalancingSpec();
        hashed.setPolicy("ConsistentHash");
        ConsistentHashSpec hash = new ConsistentHashSpec();
        hash.setTableSize(1000);
        hashed.setConsistentHash(hash);
        RuleSpec rule = rule("carts", null, statics(1, "10.0.0.1:1"));
        rule.setLoadBalancing(hashed);

        assertThat(BalancerTranslator.translateStatic(balancer(rule)).errors()).extracting(SpecError::field)
                .containsExactly("spec.rules[0].loadBalancing.consistentHash.header",
                        "spec.rules[0].loadBalancing.consistentHash.tableSize");
    }

    @Test
    void retryAndHedgingAreOneChoiceThatARuleMakesForItself() {
        RetrySpec balancerRetry = new RetrySpec();
        balancerRetry.setNumRetries(3);
        HedgingSpec ruleHedging = new HedgingSpec();
        ruleHedging.setHedgingDelay("20ms");
        RuleSpec hedged = rule("reads", match("shop.A", "Get"), statics(1, "10.0.0.1:1"));
        hedged.setHedging(ruleHedging);
        RuleSpec inherits = rule("writes", null, statics(1, "10.0.0.1:1"));
        GrpcBalancer balancer = balancer(hedged, inherits);
        balancer.getSpec().setRetry(balancerRetry);

        BalancerConfig config = BalancerTranslator.translateStatic(balancer).config();

        assertThat(config.routes().get(0).policy().hedging())
                .isEqualTo(new HedgingPolicy(2, Duration.ofMillis(20), Set.of()));
        assertThat(config.routes().get(0).policy().retry()).as("the rule's hedging replaces the balancer's retry")
                .isEqualTo(RetryPolicy.DEFAULT);
        assertThat(config.routes().get(1).policy().hedging()).isEqualTo(HedgingPolicy.DISABLED);
        assertThat(config.routes().get(1).policy().retry().numRetries()).isEqualTo(3);

        balancer.getSpec().setRetry(null);
        balancer.getSpec().setHedging(ruleHedging);
        hedged.setHedging(null);
        hedged.setRetry(balancerRetry);
        config = BalancerTranslator.translateStatic(balancer).config();
        assertThat(config.routes().get(0).policy().hedging()).as("the rule's retry replaces the balancer's hedging")
                .isEqualTo(HedgingPolicy.DISABLED);
        assertThat(config.routes().get(1).policy().hedging().enabled()).isTrue();
    }

    @Test
    void aRuleWithRetryAndHedgingIsAnError() {
        RuleSpec both = rule("both", null, statics(1, "10.0.0.1:1"));
        both.setRetry(new RetrySpec());
        HedgingSpec hedging = new HedgingSpec();
        hedging.setHedgingDelay("20ms");
        both.setHedging(hedging);

        assertThat(BalancerTranslator.translateStatic(balancer(both)).errors()).extracting(SpecError::toString)
                .containsExactly("spec.rules[0].hedging: set at most one of retry and hedging: a rule either retries"
                        + " failed attempts or hedges (remove spec.rules[0].retry or spec.rules[0].hedging)");
    }

    @Test
    void standaloneTakesRulesWithStaticEndpointsAndRefusesServices() {
        GrpcBalancer statics = balancer(rule("a", match("shop.A", null), statics(1, "10.0.0.1:1")));
        GrpcBalancer withService = balancer(rule("a", match("shop.A", null), service("cart", 1)));

        assertThat(BalancerTranslator.translateStatic(statics).isValid()).isTrue();
        assertThat(BalancerTranslator.translateStatic(withService).errors()).extracting(SpecError::field)
                .containsExactly("spec.rules[0].backendRefs[0].name");
    }

    @Test
    void regularExpressionMatchesKeepTheirType() {
        RouteMatchSpec regex = new RouteMatchSpec();
        MethodMatchSpec method = new MethodMatchSpec();
        method.setType("RegularExpression");
        method.setService("shop\\.v2\\..*");
        regex.setMethod(method);
        RuleSpec rule = rule("v2", null, statics(1, "10.0.0.1:1"));
        rule.setMatches(List.of(regex));

        Route route = BalancerTranslator.translateStatic(balancer(rule)).config().routes().get(0);

        assertThat(route.matches().get(0).method()).isEqualTo(new MethodMatch(MatchType.RegularExpression, "shop\\.v2\\..*", ""));
    }

    private BalancerOutcome outcome(GrpcBalancer balancer) {
        return ClusterTranslator.translate(List.of(balancer), cluster, Map.of(), RoutingSnapshot.EMPTY).outcomes().get(SHOP);
    }

    private static Conditions.Desired condition(DesiredStatus status, String type) {
        return status.conditions().stream().filter(c -> c.type().equals(type)).findFirst().orElseThrow();
    }

    private static GrpcBalancer balancer(RuleSpec... rules) {
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setNamespace("shop");
        balancer.getMetadata().setName("front");
        balancer.getMetadata().setUid("uid-1");
        balancer.getMetadata().setGeneration(1L);
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(8080);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setRules(new ArrayList<>(Arrays.asList(rules)));
        balancer.setSpec(spec);
        return balancer;
    }

    private static RuleSpec rule(String name, RouteMatchSpec match, RuleBackendRef... refs) {
        RuleSpec rule = new RuleSpec();
        rule.setName(name);
        rule.setMatches(match == null ? null : List.of(match));
        rule.setBackendRefs(List.of(refs));
        return rule;
    }

    private static RouteMatchSpec match(String service, String method, HeaderMatchSpec... headers) {
        MethodMatchSpec spec = new MethodMatchSpec();
        spec.setService(service);
        spec.setMethod(method);
        RouteMatchSpec match = new RouteMatchSpec();
        match.setMethod(spec);
        match.setHeaders(headers.length == 0 ? null : List.of(headers));
        return match;
    }

    private static RuleBackendRef service(String name, int weight) {
        return serviceRef(name, 50051, weight);
    }

    private static RuleBackendRef serviceRef(String name, int port, int weight) {
        RuleBackendRef ref = new RuleBackendRef();
        ref.setName(name);
        ref.setPort(port);
        ref.setWeight(weight);
        return ref;
    }

    private static RuleBackendRef statics(int weight, String... endpoints) {
        RuleBackendRef ref = new RuleBackendRef();
        ref.setStaticEndpoints(List.of(endpoints));
        ref.setWeight(weight);
        return ref;
    }
}
