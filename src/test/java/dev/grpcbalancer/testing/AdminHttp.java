package dev.grpcbalancer.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** GETs on a grpc-balancer admin port on 127.0.0.1 (a child process's {@code /readyz}, {@code /metrics} ...). */
public final class AdminHttp {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private AdminHttp() {
    }

    /** The status of {@code GET /readyz}, or -1 when the admin port does not answer. */
    public static int readyz(int adminPort) {
        try {
            HttpRequest request = HttpRequest.newBuilder(uri(adminPort, "/readyz")).timeout(Duration.ofSeconds(2)).build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The body of {@code GET path}. */
    public static String get(int adminPort, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri(adminPort, path)).timeout(Duration.ofSeconds(5)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static URI uri(int adminPort, String path) {
        return URI.create("http://127.0.0.1:" + adminPort + path);
    }
}
