package dev.grpcbalancer.snapshot;

/**
 * What the data plane reports about one balancer's listener.
 *
 * @param port the port it listens on (or tries to)
 * @param bound whether it accepts connections
 * @param error why binding failed (the data plane retries), or {@code null}
 */
public record ListenerState(int port, boolean bound, String error) {}
