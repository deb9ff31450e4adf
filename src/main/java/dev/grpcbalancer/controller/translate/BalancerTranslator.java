package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.RuleBackendRef;
import dev.grpcbalancer.controller.crd.RuleSpec;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.Route;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Turns a {@link GrpcBalancer} into the {@link BalancerConfig} the data plane runs. Pure: no I/O,
 * no clock, no logging; equal input gives equal output.
 *
 * <p>Standalone mode uses {@link #translateStatic}. The Kubernetes controller uses
 * {@link #translateStatic} for balancers with {@code staticEndpoints} and, for balancers with a
 * {@code backendRef}, resolves the Service's EndpointSlices itself and calls
 * {@link #translate(GrpcBalancer, BackendSet)} with the result of {@link #sortedBackends}.
 */
public final class BalancerTranslator {

    /** The namespace of a resource that names none. */
    public static final String DEFAULT_NAMESPACE = "default";

    private static final String NEEDS_CONTROLLER = "needs the Kubernetes controller (the controller command);"
            + " standalone mode takes spec.staticEndpoints";
    private static final String SERVICE_NEEDS_CONTROLLER = "a Service needs the Kubernetes controller (the controller"
            + " command); standalone mode takes staticEndpoints";

    /** The canonical endpoint order of every source: by host, then port. */
    private static final Comparator<Endpoint> ORDER =
            Comparator.comparing(Endpoint::host).thenComparingInt(Endpoint::port);

    private BalancerTranslator() {
    }

    /**
     * Translates a balancer whose backends are its {@code spec.staticEndpoints}, or whose rules'
     * backendRefs all give static endpoints. A Service ({@code backendRef}, or a backendRef with a
     * name) is an error here: resolving it needs the controller.
     */
    public static Translation translateStatic(GrpcBalancer balancer) {
        requireNonNull(balancer, "balancer");
        List<SpecError> errors = new ArrayList<>(SpecValidation.validate(balancer));
        GrpcBalancerSpec spec = balancer.getSpec();
        if (spec != null && spec.getBackendRef() != null) {
            errors.add(new SpecError("spec.backendRef", NEEDS_CONTROLLER));
        }
        if (spec != null && spec.getRules() != null) {
            for (int i = 0; i < spec.getRules().size(); i++) {
                RuleSpec rule = spec.getRules().get(i);
                List<RuleBackendRef> refs = rule == null || rule.getBackendRefs() == null ? List.of() : rule.getBackendRefs();
                for (int j = 0; j < refs.size(); j++) {
                    if (refs.get(j) != null && refs.get(j).getName() != null) {
                        errors.add(new SpecError("spec.rules[" + i + "].backendRefs[" + j + "].name",
                                SERVICE_NEEDS_CONTROLLER));
                    }
                }
            }
        }
        if (!errors.isEmpty()) {
            return Translation.invalid(errors);
        }
        if (spec.getRules() != null) {
            List<Route> routes = RuleSpecs.routes(spec, idOf(balancer).namespace(), ref -> {
                throw new IllegalStateException("a Service backendRef in standalone mode: " + ref);
            }).routes();
            return Translation.valid(config(balancer, BackendSet.EMPTY).withRoutes(routes));
        }
        return Translation.valid(config(balancer, StaticEndpoints.parseAll(spec.getStaticEndpoints())));
    }

    /**
     * Translates a balancer with the given backends (for a {@code backendRef}, the endpoints the
     * controller found in the Service's EndpointSlices, ordered by {@link #sortedBackends}).
     * Validation is the same as {@link SpecValidation#validate}.
     */
    public static Translation translate(GrpcBalancer balancer, BackendSet backends) {
        requireNonNull(balancer, "balancer");
        requireNonNull(backends, "backends");
        List<SpecError> errors = SpecValidation.validate(balancer);
        return errors.isEmpty() ? Translation.valid(config(balancer, backends)) : Translation.invalid(errors);
    }

    /** A backend set in the canonical order (host, then port), so equal input gives an equal set. */
    public static BackendSet sortedBackends(Collection<Endpoint> endpoints) {
        return new BackendSet(endpoints.stream().sorted(ORDER).toList());
    }

    /**
     * The id of {@code balancer}: its namespace ({@value #DEFAULT_NAMESPACE} when none) and name.
     *
     * @throws IllegalArgumentException when it has no name
     */
    public static BalancerId idOf(GrpcBalancer balancer) {
        ObjectMeta metadata = balancer.getMetadata();
        String name = metadata == null ? null : metadata.getName();
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("metadata.name is required");
        }
        String namespace = metadata.getNamespace();
        return new BalancerId(namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace, name);
    }

    private static BalancerConfig config(GrpcBalancer balancer, BackendSet backends) {
        Long generation = balancer.getMetadata().getGeneration();
        List<SpecError> errors = new ArrayList<>();
        ResilienceSpecs.Resilience resilience = ResilienceSpecs.read(balancer.getSpec(), errors);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid balancer: " + errors); // validated before
        }
        return new BalancerConfig(idOf(balancer), generation == null ? 0 : generation,
                balancer.getSpec().getListener().getPort(), SpecValidation.policyOf(balancer.getSpec()), backends,
                resilience.retry(), resilience.timeouts(), resilience.outlierDetection(), resilience.healthCheck(),
                resilience.slowStartWindow(), List.of(), resilience.hedging());
    }
}
