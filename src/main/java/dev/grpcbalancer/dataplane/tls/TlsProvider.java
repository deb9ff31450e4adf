package dev.grpcbalancer.dataplane.tls;

/** Which TLS implementation the data plane uses. */
public enum TlsProvider {
    /** OpenSSL (BoringSSL, netty-tcnative) where its native library loads, the JDK's otherwise. */
    AUTO,
    /** OpenSSL or fail at start. */
    OPENSSL,
    /** The JDK's own (SunJSSE), e.g. to compare, or where the native library must not be loaded. */
    JDK
}
