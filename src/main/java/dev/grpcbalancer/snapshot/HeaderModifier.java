package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Changes to the headers of a request or a response, as Gateway API's {@code HTTPHeaderFilter}
 * ({@code RequestHeaderModifier}, {@code ResponseHeaderModifier}): {@code remove} these names,
 * {@code set} these headers (replacing every value of the name), {@code add} these values (kept
 * beside the values already there), in that order. Names are lowercased (HTTP/2); a name appears
 * at most once in each list, as GRPCRoute requires. Pseudo-headers and the headers gRPC and HTTP/2
 * own ({@link #RESERVED}: {@code content-type}, {@code te}, the {@code grpc-*} headers of the call's
 * framing, connection headers) may not be changed.
 */
public record HeaderModifier(List<Header> set, List<Header> add, List<String> remove) {

    /** Changes nothing. */
    public static final HeaderModifier NONE = new HeaderModifier(List.of(), List.of(), List.of());

    /** Header names a modifier may not touch: the call's framing and HTTP/2's connection-specific headers. */
    public static final Set<String> RESERVED = Set.of("content-type", "te", "grpc-status", "grpc-message",
            "grpc-status-details-bin", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "connection",
            "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "content-length");

    /** One header name and value. */
    public record Header(String name, String value) {

        public Header {
            requireNonNull(name, "name");
            requireNonNull(value, "value");
            name = name.toLowerCase(Locale.ROOT);
        }

        @Override
        public String toString() {
            return name + ": " + value;
        }
    }

    public HeaderModifier {
        set = List.copyOf(requireNonNull(set, "set"));
        add = List.copyOf(requireNonNull(add, "add"));
        List<String> lowered = new ArrayList<>();
        for (String name : requireNonNull(remove, "remove")) {
            lowered.add(requireNonNull(name, "remove name").toLowerCase(Locale.ROOT));
        }
        remove = List.copyOf(lowered);
        check(set.stream().map(Header::name).toList());
        check(add.stream().map(Header::name).toList());
        check(remove);
    }

    private static void check(List<String> names) {
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (!mayModify(name)) {
                throw new IllegalArgumentException("header " + name + " may not be modified");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException("header " + name + " is listed twice");
            }
        }
    }

    /** Whether a modifier may change header {@code name} (lowercase): not a pseudo-header, not {@link #RESERVED}. */
    public static boolean mayModify(String name) {
        return !name.isEmpty() && name.charAt(0) != ':' && !RESERVED.contains(name);
    }

    public boolean isEmpty() {
        return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }
}
