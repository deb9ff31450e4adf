package dev.grpcbalancer.testing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * Finds a TCP port that is free right now. Another process may take it before the test binds it,
 * so prefer binding port 0 and reading the bound port back wherever the code under test allows it;
 * use this only for things that must be told a port before they start.
 */
public final class FreePorts {

    private FreePorts() {
    }

    /** A TCP port free on {@code address} (usually loopback) at the time of the call. */
    public static int freePort(InetAddress address) {
        requireNonNull(address, "address");
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(address, 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + address.getHostAddress(), e);
        }
    }

    /** A TCP port free on the IPv4 loopback address 127.0.0.1. */
    public static int freeLoopbackPort() {
        return freePort(InetAddress.getLoopbackAddress());
    }

    /** Whether something accepts TCP connections on {@code host:port} now (connect timeout 1 s). */
    public static boolean accepting(String host, int port) {
        requireNonNull(host, "host");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
