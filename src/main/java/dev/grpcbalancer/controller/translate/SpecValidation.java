package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.controller.crd.LoadBalancingSpec;
import dev.grpcbalancer.controller.crd.ManagedServiceSpec;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules every {@link GrpcBalancer} must follow, wherever it comes from (the API server or a
 * standalone file). Pure: no I/O, no clock; the same resource always gives the same errors, in the
 * order of the fields.
 */
public final class SpecValidation {

    private static final int MAX_NAME = 253;
    private static final int MAX_LABEL = 63;
    private static final List<String> SERVICE_TYPES = List.of(ManagedServiceSpec.CLUSTER_IP,
            ManagedServiceSpec.NODE_PORT, ManagedServiceSpec.LOAD_BALANCER, ManagedServiceSpec.NONE);

    private SpecValidation() {
    }

    /**
     * Every problem of {@code balancer}; empty when it is valid. Checks metadata.name (and
     * namespace when given), the listener, that exactly one of {@code rules}, {@code backendRef}
     * and {@code staticEndpoints} is set, each of them (the rules with {@link RuleSpecs}), the
     * load-balancing policy, the managed Service type, the retry, timeout, outlier detection, health
     * check, slow start and hedging sections (retry and hedging exclude each other), and the shape of
     * the TLS sections (what their references hold is checked when they are followed,
     * {@link dev.grpcbalancer.controller.translate.tls.TlsRefs}).
     */
    public static List<SpecError> validate(GrpcBalancer balancer) {
        requireNonNull(balancer, "balancer");
        List<SpecError> errors = new ArrayList<>();
        checkMetadata(balancer.getMetadata(), errors);
        GrpcBalancerSpec spec = balancer.getSpec();
        if (spec == null) {
            errors.add(new SpecError("spec", "required"));
            return List.copyOf(errors);
        }
        checkListener(spec.getListener(), errors);
        checkBackends(spec, errors);
        checkPolicy(spec.getLoadBalancing(), errors);
        checkService(spec.getService(), errors);
        ResilienceSpecs.read(spec, errors);
        TlsSpecs.check(spec, errors);
        return List.copyOf(errors);
    }

    /** The policy of a valid spec: the named one, RoundRobin when none is named. */
    static LoadBalancingPolicy policyOf(GrpcBalancerSpec spec) {
        return policyOf(spec.getLoadBalancing());
    }

    /** The policy of a valid {@code loadBalancing} section (null: RoundRobin). */
    static LoadBalancingPolicy policyOf(LoadBalancingSpec loadBalancing) {
        if (loadBalancing == null || loadBalancing.getPolicy() == null) {
            return LoadBalancingPolicy.RoundRobin;
        }
        return LoadBalancingPolicy.parse(loadBalancing.getPolicy())
                .orElseThrow(() -> new IllegalArgumentException("unknown policy " + loadBalancing.getPolicy()));
    }

    private static void checkMetadata(ObjectMeta metadata, List<SpecError> errors) {
        String name = metadata == null ? null : metadata.getName();
        if (name == null || name.isEmpty()) {
            errors.add(new SpecError("metadata.name", "required"));
        } else if (!HostSyntax.isDnsName(name, MAX_NAME, false)) {
            errors.add(new SpecError("metadata.name", "must be lowercase letters, digits, '-' and '.' (at most "
                    + MAX_NAME + " characters), got \"" + name + "\""));
        }
        String namespace = metadata == null ? null : metadata.getNamespace();
        if (namespace != null && !namespace.isEmpty() && !isLabel(namespace)) {
            errors.add(new SpecError("metadata.namespace", "must be lowercase letters, digits and '-' (at most "
                    + MAX_LABEL + " characters), got \"" + namespace + "\""));
        }
    }

    private static void checkListener(ListenerSpec listener, List<SpecError> errors) {
        if (listener == null) {
            errors.add(new SpecError("spec.listener", "required"));
            return;
        }
        checkPort("spec.listener.port", listener.getPort(), errors);
    }

    private static void checkBackends(GrpcBalancerSpec spec, List<SpecError> errors) {
        BackendRef backendRef = spec.getBackendRef();
        List<String> staticEndpoints = spec.getStaticEndpoints();
        int given = (backendRef != null ? 1 : 0) + (staticEndpoints != null ? 1 : 0) + (spec.getRules() != null ? 1 : 0);
        if (given > 1) {
            errors.add(new SpecError("spec", "set exactly one of rules, backendRef and staticEndpoints"
                    + " (backendRef and staticEndpoints are the shorthand for one rule that takes every call)"));
        } else if (given == 0) {
            errors.add(new SpecError("spec", "set one of rules, backendRef (a Service) and staticEndpoints"));
        }
        if (backendRef != null) {
            checkServiceRef("spec.backendRef", backendRef.getName(), backendRef.getPort(), errors);
        }
        if (staticEndpoints != null) {
            errors.addAll(StaticEndpoints.check(staticEndpoints, "spec.staticEndpoints"));
        }
        if (spec.getRules() != null) {
            RuleSpecs.check(spec, errors);
        }
    }

    /** Checks a reference to a Service of the balancer's namespace at {@code field} (name and port). */
    static void checkServiceRef(String field, String name, Integer port, List<SpecError> errors) {
        if (name == null || name.isEmpty()) {
            errors.add(new SpecError(field + ".name", "required"));
        } else if (!isLabel(name)) {
            errors.add(new SpecError(field + ".name", "must be a Service name: lowercase letters,"
                    + " digits and '-' (at most " + MAX_LABEL + " characters), got \"" + name + "\""));
        }
        checkPort(field + ".port", port, errors);
    }

    private static void checkPolicy(LoadBalancingSpec loadBalancing, List<SpecError> errors) {
        checkPolicy("spec", loadBalancing, errors);
    }

    /** Checks the policy of a {@code loadBalancing} section at {@code prefix} ({@code spec} or a rule). */
    static void checkPolicy(String prefix, LoadBalancingSpec loadBalancing, List<SpecError> errors) {
        String policy = loadBalancing == null ? null : loadBalancing.getPolicy();
        if (policy != null && LoadBalancingPolicy.parse(policy).isEmpty()) {
            errors.add(new SpecError(prefix + ".loadBalancing.policy", "must be one of "
                    + String.join(", ", LoadBalancingPolicy.names()) + ", got \"" + policy + "\""));
        }
    }

    private static void checkService(ManagedServiceSpec service, List<SpecError> errors) {
        String type = service == null ? null : service.getType();
        if (type != null && !SERVICE_TYPES.contains(type)) {
            errors.add(new SpecError("spec.service.type", "must be one of " + String.join(", ", SERVICE_TYPES)
                    + ", got \"" + type + "\""));
        }
    }

    /** The managed Service type of a valid spec: the named one, ClusterIP when none is named. */
    public static String serviceTypeOf(GrpcBalancerSpec spec) {
        ManagedServiceSpec service = spec.getService();
        return service == null || service.getType() == null ? ManagedServiceSpec.CLUSTER_IP : service.getType();
    }

    private static void checkPort(String field, Integer port, List<SpecError> errors) {
        if (port == null) {
            errors.add(new SpecError(field, "required"));
        } else if (port < 1 || port > 65535) {
            errors.add(new SpecError(field, "must be 1..65535, got " + port));
        }
    }

    static boolean isLabel(String value) {
        return value.indexOf('.') < 0 && HostSyntax.isDnsName(value, MAX_LABEL, false);
    }
}
