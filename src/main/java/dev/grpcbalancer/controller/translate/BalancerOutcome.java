package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.translate.tls.TlsResolution;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import java.util.List;

/**
 * What the controller made of one {@link GrpcBalancer}: the facts its status is built from.
 *
 * @param resource the resource as last seen
 * @param errors why the current spec cannot be used; empty when it is valid
 * @param portHolder the older balancer that keeps this balancer's port, or {@code null}
 * @param resolution how the backends were found: a Service lookup, or {@code null} for
 *     {@code staticEndpoints} (and for a spec too broken to say)
 * @param config what the data plane runs for it, or {@code null} when it runs nothing. With an
 *     invalid spec this is the last valid spec's config (still serving), if there was one.
 * @param servingGeneration the {@code metadata.generation} {@code config} was built from
 * @param rules per rule of {@code spec.rules}, what its backendRefs resolved to; empty for the
 *     shorthand (and for a spec too broken to say)
 * @param tls its certificate references followed, {@code null} when the spec is too broken to say;
 *     when it is not runnable, {@code config} is {@code null}
 */
public record BalancerOutcome(
        BalancerId id, GrpcBalancer resource, List<SpecError> errors, BalancerId portHolder,
        BackendResolution resolution, BalancerConfig config, long servingGeneration, List<RuleResolution> rules,
        TlsResolution tls) {

    public BalancerOutcome {
        requireNonNull(id, "id");
        requireNonNull(resource, "resource");
        errors = List.copyOf(requireNonNull(errors, "errors"));
        rules = List.copyOf(requireNonNull(rules, "rules"));
    }

    /** The outcome of a balancer without TLS given as a shorthand (no rules). */
    public BalancerOutcome(BalancerId id, GrpcBalancer resource, List<SpecError> errors, BalancerId portHolder,
            BackendResolution resolution, BalancerConfig config, long servingGeneration) {
        this(id, resource, errors, portHolder, resolution, config, servingGeneration, List.of(),
                errors.isEmpty() ? TlsResolution.PLAINTEXT : null);
    }

    /** The problems of its certificate references (empty when they resolved or it has none). */
    public List<SpecError> certificateProblems() {
        return tls == null ? List.of() : tls.problems();
    }

    /** Valid, holds its port, but has no valid certificate to run with. */
    public boolean lacksCertificates() {
        return isValid() && portHolder == null && tls != null && !tls.runnable();
    }

    public boolean isValid() {
        return errors.isEmpty();
    }

    /** Valid and holds its port: the data plane runs this generation. */
    public boolean isAccepted() {
        return isValid() && portHolder == null;
    }

    /** {@code metadata.generation} of the resource (0 when the server set none). */
    public long generation() {
        Long generation = resource.getMetadata().getGeneration();
        return generation == null ? 0 : generation;
    }
}
