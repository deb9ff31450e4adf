package dev.grpcbalancer.controller.status;

import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.backend;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.gateway;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.listener;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.parent;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.route;
import static dev.grpcbalancer.controller.translate.gateway.GatewayObjects.rule;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.translate.gateway.GatewayApi;
import dev.grpcbalancer.controller.translate.gateway.GatewayCandidate;
import dev.grpcbalancer.controller.translate.gateway.GatewayObjects;
import dev.grpcbalancer.controller.translate.gateway.GatewayOutcome;
import dev.grpcbalancer.controller.translate.gateway.GatewayTranslator;
import dev.grpcbalancer.controller.translate.gateway.MapGatewayCluster;
import dev.grpcbalancer.controller.translate.gateway.ObjectKey;
import dev.grpcbalancer.controller.translate.gateway.ParentResult;
import dev.grpcbalancer.controller.translate.gateway.Problem;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.ListenerState;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusAddress;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SupportedFeature;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Gateway API status of GatewayClasses, Gateways and GRPCRoutes, built from outcomes. */
class GatewayStatusesTest {

    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    private static final ObjectKey WEB = new ObjectKey("shop", "web");

    private final MapGatewayCluster cluster = new MapGatewayCluster().add(GatewayObjects.ourClass());

    @Test
    void aClassOfThisControllerIsAcceptedAndListsItsFeatures() {
        GatewayClassStatus accepted = GatewayStatuses.gatewayClass(null, 3, null, NOW);
        GatewayClassStatus refused = GatewayStatuses.gatewayClass(new Problem("InvalidParameters", "no"), 3, null, NOW);

        assertThat(condition(accepted.getConditions(), "Accepted")).extracting(Condition::getStatus, Condition::getReason,
                Condition::getObservedGeneration).containsExactly("True", "Accepted", 3L);
        assertThat(accepted.getSupportedFeatures()).extracting(SupportedFeature::getName).contains("GRPCRoute", "Gateway");
        assertThat(condition(refused.getConditions(), "Accepted").getReason()).isEqualTo("InvalidParameters");
    }

    @Test
    void aServingGatewayIsAcceptedProgrammedAndShowsItsListenersAndAddresses() {
        cluster.add(route("shop", "cart", List.of(parent("web")), List.of(), rule(null, null, backend("cart", 50051, 1))));
        GatewayOutcome outcome = outcome(Map.of(), listener("http", 8080, null));
        var service = new ServiceBuilder().withNewMetadata().withName("gw-shop-web").withNamespace("grpc-balancer")
                .endMetadata().withNewSpec().withClusterIP("10.96.0.7").endSpec().build();

        GatewayStatus status = GatewayStatuses.gateway(outcome, Map.of(GatewayTranslator.listenerId(WEB, 8080),
                new ListenerState(8080, true, null)), service, null, NOW);

        assertThat(condition(status.getConditions(), "Accepted").getReason()).isEqualTo("Accepted");
        assertThat(condition(status.getConditions(), "Programmed").getStatus()).isEqualTo("True");
        assertThat(status.getAddresses()).extracting(GatewayStatusAddress::getType, GatewayStatusAddress::getValue)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("IPAddress", "10.96.0.7"),
                        org.assertj.core.groups.Tuple.tuple("Hostname", "gw-shop-web.grpc-balancer.svc"));
        ListenerStatus listener = status.getListeners().get(0);
        assertThat(listener.getName()).isEqualTo("http");
        assertThat(listener.getAttachedRoutes()).isEqualTo(1);
        assertThat(listener.getSupportedKinds()).extracting(k -> k.getKind()).containsExactly("GRPCRoute");
        assertThat(listener.getConditions()).extracting(Condition::getType, Condition::getStatus, Condition::getReason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("Accepted", "True", "Accepted"),
                        org.assertj.core.groups.Tuple.tuple("Conflicted", "False", "NoConflicts"),
                        org.assertj.core.groups.Tuple.tuple("ResolvedRefs", "True", "ResolvedRefs"),
                        org.assertj.core.groups.Tuple.tuple("Programmed", "True", "Programmed"));
    }

    @Test
    void aListenerWaitingForItsPortIsPendingAndSoIsTheGateway() {
        GatewayStatus status = GatewayStatuses.gateway(outcome(Map.of(), listener("http", 8080, null)), Map.of(), null, null, NOW);

        assertThat(condition(status.getListeners().get(0).getConditions(), "Programmed").getReason()).isEqualTo("Pending");
        assertThat(condition(status.getConditions(), "Programmed")).extracting(Condition::getStatus, Condition::getReason)
                .containsExactly("False", "Pending");
    }

    @Test
    void aListenerWhosePortAnOlderBalancerHoldsIsPortUnavailableAndTheGatewayListenersNotValid() {
        GatewayOutcome outcome = outcome(Map.of(8080, new BalancerId("shop", "greeter")), listener("http", 8080, null),
                listener("other", 9090, null));

        GatewayStatus status = GatewayStatuses.gateway(outcome, Map.of(GatewayTranslator.listenerId(WEB, 9090),
                new ListenerState(9090, true, null)), null, null, NOW);

        Condition accepted = condition(status.getListeners().get(0).getConditions(), "Accepted");
        assertThat(accepted.getReason()).isEqualTo("PortUnavailable");
        assertThat(accepted.getMessage()).isEqualTo("port 8080 already used by GrpcBalancer shop/greeter (the older one keeps it)");
        assertThat(condition(status.getListeners().get(0).getConditions(), "Programmed").getReason()).isEqualTo("Invalid");
        assertThat(condition(status.getConditions(), "Accepted")).extracting(Condition::getStatus, Condition::getReason)
                .containsExactly("True", "ListenersNotValid");
        assertThat(condition(status.getConditions(), "Programmed").getStatus()).isEqualTo("True");
    }

    @Test
    void conflictedListenersSayWhyInAcceptedConflictedAndProgrammed() {
        GatewayStatus status = GatewayStatuses.gateway(outcome(Map.of(), listener("a", 8080, "x.example.com"),
                listener("b", 8080, "x.example.com")), Map.of(), null, null, NOW);

        for (ListenerStatus listener : status.getListeners()) {
            assertThat(listener.getConditions()).extracting(Condition::getType, Condition::getStatus, Condition::getReason)
                    .contains(org.assertj.core.groups.Tuple.tuple("Accepted", "False", "HostnameConflict"),
                            org.assertj.core.groups.Tuple.tuple("Conflicted", "True", "HostnameConflict"),
                            org.assertj.core.groups.Tuple.tuple("Programmed", "False", "HostnameConflict"));
        }
        assertThat(condition(status.getConditions(), "Accepted")).extracting(Condition::getStatus, Condition::getReason)
                .containsExactly("False", "ListenersNotValid");
    }

    @Test
    void anUnchangedStatusKeepsItsTransitionTimesAndComparesEqual() {
        GatewayOutcome outcome = outcome(Map.of(), listener("http", 8080, null));
        GatewayStatus first = GatewayStatuses.gateway(outcome, Map.of(), null, null, NOW);

        GatewayStatus again = GatewayStatuses.gateway(outcome, Map.of(), null, first, NOW.plusSeconds(60));

        assertThat(again).isEqualTo(first);
    }

    @Test
    void routeParentsKeepOtherControllersEntriesAndReportOursWithEveryReason() {
        RouteParentStatus foreign = new RouteParentStatus(List.of(), "example.com/other",
                new ParentReferenceBuilder().withName("their-gateway").build());
        ParentResult accepted = new ParentResult(new ObjectKey("shop", "cart"), 2, 1, parent("web"), null,
                List.of(new Problem("RefNotPermitted", "rules[0] backendRefs[0]: not allowed")), List.of("rules[1]: nope"));
        ParentResult refused = new ParentResult(new ObjectKey("shop", "cart"), 2, 0, parent("web", "grpc", null),
                new Problem("NoMatchingParent", "no listener grpc"), List.of(), List.of("rules[1]: nope"));

        List<RouteParentStatus> parents = GatewayStatuses.routeParents(List.of(accepted, refused), List.of(foreign), NOW);

        assertThat(parents).hasSize(3);
        assertThat(parents.get(0)).isSameAs(foreign);
        assertThat(parents.get(1).getControllerName()).isEqualTo(GatewayApi.CONTROLLER_NAME);
        assertThat(parents.get(1).getParentRef().getSectionName()).isEqualTo("grpc");
        assertThat(parents.get(1).getConditions()).extracting(Condition::getType, Condition::getStatus, Condition::getReason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("Accepted", "False", "NoMatchingParent"),
                        org.assertj.core.groups.Tuple.tuple("ResolvedRefs", "True", "ResolvedRefs"));
        assertThat(parents.get(2).getConditions()).extracting(Condition::getType, Condition::getStatus, Condition::getReason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("Accepted", "True", "Accepted"),
                        org.assertj.core.groups.Tuple.tuple("ResolvedRefs", "False", "RefNotPermitted"),
                        org.assertj.core.groups.Tuple.tuple("PartiallyInvalid", "True", "UnsupportedValue"));
        assertThat(condition(parents.get(2).getConditions(), "PartiallyInvalid").getMessage()).startsWith("Dropped Rule(s): ");
        assertThat(parents.get(2).getConditions()).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(2L));
    }

    @Test
    void anHttpsListenerWithoutAValidCertificateIsAcceptedButNotProgrammedAndSaysWhichReference() {
        var https = new io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerBuilder(listener("https", 8443, null))
                .withProtocol("HTTPS").withNewTls().addNewCertificateRef().withName("web-tls").endCertificateRef().endTls()
                .build();
        GatewayOutcome outcome = outcome(Map.of(), https);

        GatewayStatus status = GatewayStatuses.gateway(outcome, Map.of(), null, null, NOW);

        assertThat(status.getListeners().get(0).getConditions())
                .extracting(Condition::getType, Condition::getStatus, Condition::getReason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("Accepted", "True", "Accepted"),
                        org.assertj.core.groups.Tuple.tuple("Conflicted", "False", "NoConflicts"),
                        org.assertj.core.groups.Tuple.tuple("ResolvedRefs", "False", "InvalidCertificateRef"),
                        org.assertj.core.groups.Tuple.tuple("Programmed", "False", "Invalid"));
        assertThat(condition(status.getListeners().get(0).getConditions(), "ResolvedRefs").getMessage())
                .isEqualTo("tls.certificateRefs[0]: Secret shop/web-tls: not found");
        assertThat(condition(status.getConditions(), "Accepted").getStatus()).isEqualTo("True");
        assertThat(condition(status.getConditions(), "Programmed")).extracting(Condition::getStatus, Condition::getReason)
                .containsExactly("False", "Invalid");
        assertThat(status.getAddresses()).as("nothing served: no addresses").isEmpty();
    }

    private GatewayOutcome outcome(Map<Integer, BalancerId> holders,
            io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener... listeners) {
        GatewayCandidate candidate = GatewayTranslator.candidate(gateway("shop", "web", listeners), cluster).orElseThrow();
        return new GatewayOutcome(candidate, holders);
    }

    private static Condition condition(List<Condition> conditions, String type) {
        return Conditions.find(conditions, type).orElseThrow(() -> new AssertionError("no " + type + " in " + conditions));
    }
}
