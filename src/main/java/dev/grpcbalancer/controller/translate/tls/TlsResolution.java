package dev.grpcbalancer.controller.translate.tls;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.translate.SpecError;
import dev.grpcbalancer.snapshot.BackendTls;
import dev.grpcbalancer.snapshot.ListenerTls;
import java.time.Instant;
import java.util.List;

/**
 * The TLS of one balancer with its certificate references followed ({@link TlsRefs#resolve}).
 *
 * @param listener what the listener serves; meaningful only when {@link #runnable()}
 * @param backend TLS to the backends; meaningful only when {@link #runnable()}
 * @param problems one per reference that could not be used, its field and a message naming the
 *     object and what is wrong with it; empty when every reference resolved
 * @param keptPrevious whether some material is the last valid one of a reference that is broken now
 * @param runnable false when the balancer cannot run at all: its listener would have no valid
 *     certificate (or no valid client CA), or the backends no valid CA or client certificate, and
 *     nothing valid was served before
 * @param recheckAt when the passing of time alone changes this resolution (a certificate it read
 *     expires or becomes valid): an incremental translation resolves again from then on;
 *     {@link Instant#MAX} when never
 */
public record TlsResolution(ListenerTls listener, BackendTls backend, List<SpecError> problems, boolean keptPrevious,
        boolean runnable, Instant recheckAt) {

    /** A balancer without TLS. */
    public static final TlsResolution PLAINTEXT =
            new TlsResolution(ListenerTls.PLAINTEXT, BackendTls.PLAINTEXT, List.of(), false, true, Instant.MAX);

    public TlsResolution {
        requireNonNull(listener, "listener");
        requireNonNull(backend, "backend");
        problems = List.copyOf(requireNonNull(problems, "problems"));
        requireNonNull(recheckAt, "recheckAt");
    }
}
