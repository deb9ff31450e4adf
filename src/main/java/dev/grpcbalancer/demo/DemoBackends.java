package dev.grpcbalancer.demo;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real grpc-java servers on loopback that answer SayHello with their own name. */
final class DemoBackends implements AutoCloseable {

    private final List<Server> servers = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    DemoBackends(int count, String host) {
        for (int i = 1; i <= count; i++) {
            String name = "backend-" + i;
            ServerServiceDefinition service = ServerServiceDefinition.builder("demo.Greeter")
                    .addMethod(GreeterMethod.SAY_HELLO, ServerCalls.asyncUnaryCall((request, response) -> {
                        response.onNext(name);
                        response.onCompleted();
                    }))
                    .build();
            try {
                servers.add(NettyServerBuilder.forAddress(new InetSocketAddress(host, 0))
                        .addService(service)
                        .build()
                        .start());
            } catch (IOException e) {
                close();
                throw new UncheckedIOException("could not start demo " + name, e);
            }
            names.add(name);
        }
    }

    List<String> names() {
        return List.copyOf(names);
    }

    List<InetSocketAddress> addresses() {
        return servers.stream().map(s -> (InetSocketAddress) s.getListenSockets().get(0)).toList();
    }

    @Override
    public void close() {
        for (Server server : servers) {
            server.shutdownNow();
        }
        for (Server server : servers) {
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
