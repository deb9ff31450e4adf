package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.GrpcCode;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record of an ended call: the balancer's meters and, when enabled ({@code --access-log}),
 * one line at INFO on logger {@code dev.grpcbalancer.access}.
 */
final class CallLog {

    private static final Logger ACCESS = LoggerFactory.getLogger("dev.grpcbalancer.access");

    private CallLog() {
    }

    /** The call ended with {@code status} for its client, after {@code nanos}; {@code endpoint} served it last. */
    static void record(RouteRuntime route, RequestRelay request, ClientResponse response, EndpointAddress endpoint,
            GrpcCode status, long nanos, int attempts) {
        route.meters().callFinished(status.value(), nanos);
        if (ACCESS.isInfoEnabled()) {
            CharSequence method = request.headers() == null ? null : request.headers().path();
            ACCESS.info("balancer={} method={} endpoint={} grpc_status={} duration_ms={} bytes_in={} bytes_out={}"
                    + " attempts={} route={}", route.balancer(), method == null ? "-" : method,
                    endpoint == null ? "-" : endpoint, status.value(), String.format(Locale.ROOT, "%.3f", nanos / 1e6),
                    request.bytesIn(), response.bytesOut(), attempts, route.name());
        }
    }
}
