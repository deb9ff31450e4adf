package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.snapshot.Keepalive;
import java.time.Duration;

/**
 * A call waiting for a stream on one endpoint.
 *
 * @param connectTimeout for a connection opened for this call; {@link Duration#ZERO} for the
 *     pool's default
 * @param keepalive for a connection opened for this call
 */
record PendingStream(StreamCallback callback, Duration connectTimeout, Keepalive keepalive) {}
