package dev.grpcbalancer.dataplane.tls;

import dev.grpcbalancer.metrics.TlsHandshakeMeters.Failure;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;
import java.util.Locale;

/**
 * Sorts a failed handshake into a {@link Failure} class for the meters, from what the JDK and
 * OpenSSL (BoringSSL) report, and describes it in one line for logs and call statuses.
 */
final class HandshakeFailures {

    private HandshakeFailures() {
    }

    static Failure classify(Throwable cause) {
        if (cause instanceof SslHandshakeTimeoutException) {
            return Failure.TIMEOUT;
        }
        StringBuilder messages = new StringBuilder();
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CertificateException) {
                return Failure.CERTIFICATE;
            }
            if (t instanceof ClosedChannelException) {
                return Failure.CLOSED;
            }
            if (t.getMessage() != null) {
                messages.append(t.getMessage().toLowerCase(Locale.ROOT)).append('\n');
            }
        }
        String text = messages.toString();
        if (text.contains("no_application_protocol") || text.contains("no application protocol")) {
            return Failure.ALPN;
        }
        if (text.contains("empty client certificate chain") || text.contains("peer_did_not_return_a_certificate")
                || text.contains("certificate_required")) {
            return Failure.NO_CERTIFICATE;
        }
        if (text.contains("certificate") || text.contains("unknown_ca") || text.contains("pkix")) {
            return Failure.CERTIFICATE;
        }
        if (text.contains("closed") || text.contains("connection reset") || text.contains("end of stream")) {
            return Failure.CLOSED;
        }
        return Failure.PROTOCOL;
    }

    /** The innermost message of {@code cause}, in one line. */
    static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null || root.getMessage().isBlank()
                ? root.getClass().getSimpleName() : root.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
