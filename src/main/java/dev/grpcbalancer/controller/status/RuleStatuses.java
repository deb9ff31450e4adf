package dev.grpcbalancer.controller.status;

import static dev.grpcbalancer.controller.status.Conditions.FALSE;
import static dev.grpcbalancer.controller.status.Conditions.TRUE;

import dev.grpcbalancer.controller.crd.BackendRefStatus;
import dev.grpcbalancer.controller.crd.EndpointsStatus;
import dev.grpcbalancer.controller.crd.RuleStatus;
import dev.grpcbalancer.controller.translate.BackendResolution;
import dev.grpcbalancer.controller.translate.BalancerOutcome;
import dev.grpcbalancer.controller.translate.RuleResolution;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The status of a balancer's {@code spec.rules}: {@code status.rules[]}, and the
 * {@code ResolvedRefs} and {@code BackendsAvailable} conditions, whose messages name the rule
 * ({@code rule cart}, or {@code rules[N]} when unnamed) and the Service. Pure.
 */
final class RuleStatuses {

    /** Problems listed in one condition message at most; the rest are counted. */
    private static final int MAX_LISTED = 10;

    private RuleStatuses() {
    }

    /** {@code status.rules[]}: null for a balancer without rules (or that runs nothing). */
    static List<RuleStatus> of(BalancerOutcome outcome) {
        if (outcome.config() == null || outcome.config().routes().isEmpty()) {
            return null;
        }
        Map<String, Map<String, RuleResolution.BackendRef>> resolved = new HashMap<>();
        for (RuleResolution rule : outcome.rules()) {
            Map<String, RuleResolution.BackendRef> refs = new HashMap<>();
            rule.backendRefs().forEach(ref -> refs.put(ref.name(), ref));
            resolved.put(rule.name(), refs);
        }
        List<RuleStatus> rules = new ArrayList<>();
        for (Route route : outcome.config().routes()) {
            List<BackendRefStatus> refs = new ArrayList<>();
            for (RouteBackend backend : route.backends()) {
                RuleResolution.BackendRef ref = resolved.getOrDefault(route.name(), Map.of()).get(backend.name());
                BackendSet set = backend.endpoints();
                int notReady = ref == null ? 0 : ref.notReady();
                refs.add(new BackendRefStatus(backend.name(), backend.weight(), ref == null || ref.isResolved(),
                        new EndpointsStatus(set.endpoints().size() + notReady, (int) set.readyCount(),
                                (int) set.drainingCount())));
            }
            rules.add(new RuleStatus(route.name(), refs));
        }
        return rules;
    }

    /** ResolvedRefs over every backendRef of every rule: False (the first problem's reason) naming each one that failed. */
    static Conditions.Desired resolvedRefs(List<RuleResolution> rules) {
        List<String> problems = new ArrayList<>();
        String reason = null;
        int refs = 0;
        List<String> notes = new ArrayList<>();
        for (RuleResolution rule : rules) {
            for (RuleResolution.BackendRef ref : rule.backendRefs()) {
                refs++;
                if (ref.resolution() instanceof BackendResolution.Unresolved unresolved) {
                    reason = reason == null ? unresolved.reason() : reason;
                    problems.add(rule.label() + ": " + unresolved.message());
                } else if (ref.resolution() instanceof BackendResolution.Resolved found) {
                    found.notes().forEach(note -> notes.add(rule.label() + ": " + note));
                }
            }
        }
        if (reason != null) {
            return new Conditions.Desired(StatusBuilder.RESOLVED_REFS, FALSE, reason, list(problems)
                    + " (calls go to the other backendRefs of the rule; a rule with none answers UNAVAILABLE)");
        }
        String message = StatusBuilder.count(refs, "backendRef") + " of " + StatusBuilder.count(rules.size(), "rule")
                + " resolved";
        return new Conditions.Desired(StatusBuilder.RESOLVED_REFS, TRUE, StatusBuilder.RESOLVED_REFS,
                notes.isEmpty() ? message : message + "; " + list(notes));
    }

    /** BackendsAvailable: True when every rule that sends calls somewhere has a ready endpoint. */
    static Conditions.Desired backendsAvailable(BalancerOutcome outcome) {
        Map<String, String> labels = new HashMap<>();
        outcome.rules().forEach(rule -> labels.put(rule.name(), rule.label()));
        List<String> problems = new ArrayList<>();
        long ready = 0;
        long total = 0;
        for (Route route : outcome.config().routes()) {
            long routeReady = 0;
            long routeTotal = 0;
            boolean sends = false;
            for (RouteBackend backend : route.backends()) {
                routeReady += backend.endpoints().readyCount();
                routeTotal += backend.endpoints().endpoints().size();
                sends |= backend.weight() > 0;
            }
            ready += routeReady;
            total += routeTotal;
            if (sends && routeReady == 0) {
                problems.add(labels.getOrDefault(route.name(), "rule " + route.name()) + ": 0 of "
                        + StatusBuilder.count(routeTotal, "endpoint") + " ready");
            }
        }
        if (!problems.isEmpty()) {
            return new Conditions.Desired(StatusBuilder.BACKENDS_AVAILABLE, FALSE, StatusBuilder.NO_READY_ENDPOINTS,
                    list(problems) + " (their calls fail with UNAVAILABLE)");
        }
        return new Conditions.Desired(StatusBuilder.BACKENDS_AVAILABLE, TRUE, StatusBuilder.BACKENDS_AVAILABLE,
                ready + " of " + total + " endpoints ready in " + StatusBuilder.count(outcome.config().routes().size(), "rule"));
    }

    private static String list(List<String> items) {
        if (items.size() <= MAX_LISTED) {
            return String.join("; ", items);
        }
        return String.join("; ", items.subList(0, MAX_LISTED)) + "; and " + (items.size() - MAX_LISTED) + " more";
    }
}
