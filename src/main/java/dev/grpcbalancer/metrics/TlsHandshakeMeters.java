package dev.grpcbalancer.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * TLS handshakes by result: {@code result="ok"} with the negotiated {@code version}, or
 * {@code result="failed"} with a {@code reason} class. Every label value comes from a fixed list,
 * and every counter exists from the start (no lock, no registration on an event loop).
 */
public final class TlsHandshakeMeters {

    /** Protocol versions a handshake can end with (the data plane allows no others). */
    public static final List<String> VERSIONS = List.of("TLSv1.2", "TLSv1.3");

    /** Why a handshake failed, as label values. */
    public enum Failure {
        /** The client offered no {@code h2} in ALPN (or the backend did not select it). */
        ALPN("alpn"),
        /** Bytes that are not TLS on a TLS port (h2c, HTTP/1.1). */
        NOT_TLS("not_tls"),
        /** Mutual TLS: the client presented no certificate. */
        NO_CERTIFICATE("no_certificate"),
        /** The peer's certificate was rejected: untrusted, expired, or not for the expected name. */
        CERTIFICATE("certificate"),
        /** No handshake within the handshake timeout. */
        TIMEOUT("timeout"),
        /** The peer closed the connection during the handshake. */
        CLOSED("closed"),
        /** Anything else: no common version or cipher, a malformed message. */
        PROTOCOL("protocol"),
        /** This side's TLS configuration could not be loaded (the log says why). */
        UNAVAILABLE("unavailable");

        private final String label;

        Failure(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Map<String, Counter> succeeded = new HashMap<>();
    private final Counter otherVersion;
    private final Map<Failure, Counter> failed = new HashMap<>();

    /**
     * @param registered each counter made, so that the owner can remove them with its other meters
     */
    TlsHandshakeMeters(MeterRegistry registry, String name, String description, Tags tags, Consumer<Meter> registered) {
        requireNonNull(registry, "registry");
        for (String version : VERSIONS) {
            succeeded.put(version, counter(registry, name, description, tags, "ok", "none", version, registered));
        }
        otherVersion = counter(registry, name, description, tags, "ok", "none", "other", registered);
        for (Failure failure : Failure.values()) {
            failed.put(failure, counter(registry, name, description, tags, "failed", failure.label(), "none", registered));
        }
    }

    /** A handshake that negotiated {@code protocol} ({@code TLSv1.3} ...). */
    public void succeeded(String protocol) {
        Counter counter = protocol == null ? null : succeeded.get(protocol);
        (counter != null ? counter : otherVersion).increment();
    }

    public void failed(Failure failure) {
        failed.get(failure).increment();
    }

    private static Counter counter(MeterRegistry registry, String name, String description, Tags tags, String result,
            String reason, String version, Consumer<Meter> registered) {
        Counter counter = Counter.builder(name).description(description).tags(tags)
                .tag("result", result).tag("reason", reason).tag("version", version).register(registry);
        registered.accept(counter);
        return counter;
    }
}
