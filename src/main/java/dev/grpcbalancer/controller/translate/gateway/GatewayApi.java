package dev.grpcbalancer.controller.translate.gateway;

/**
 * The Gateway API vocabulary the controller speaks: names of the group, kinds, protocols,
 * condition types and reasons, spelled as the Gateway API defines them.
 */
public final class GatewayApi {

    /** {@code spec.controllerName} of the GatewayClasses this controller accepts. */
    public static final String CONTROLLER_NAME = "grpcbalancer.dev/gateway-controller";

    public static final String GROUP = "gateway.networking.k8s.io";
    public static final String GATEWAY = "Gateway";
    public static final String GATEWAY_CLASS = "GatewayClass";
    public static final String GRPC_ROUTE = "GRPCRoute";
    public static final String REFERENCE_GRANT = "ReferenceGrant";
    public static final String SERVICE = "Service";
    public static final String SECRET = "Secret";
    public static final String TLS_TERMINATE = "Terminate";
    /** The core group, as references write it. */
    public static final String CORE_GROUP = "";

    public static final String HTTP = "HTTP";
    public static final String HTTPS = "HTTPS";

    public static final String FROM_SAME = "Same";
    public static final String FROM_ALL = "All";
    public static final String FROM_SELECTOR = "Selector";

    public static final String REQUEST_HEADER_MODIFIER = "RequestHeaderModifier";
    public static final String RESPONSE_HEADER_MODIFIER = "ResponseHeaderModifier";

    // Condition types.
    public static final String ACCEPTED = "Accepted";
    public static final String PROGRAMMED = "Programmed";
    public static final String RESOLVED_REFS = "ResolvedRefs";
    public static final String CONFLICTED = "Conflicted";
    public static final String PARTIALLY_INVALID = "PartiallyInvalid";

    // Reasons (a condition's type doubles as its True reason where the API says so).
    public static final String INVALID = "Invalid";
    public static final String INVALID_PARAMETERS = "InvalidParameters";
    public static final String PENDING = "Pending";
    public static final String LISTENERS_NOT_VALID = "ListenersNotValid";
    public static final String UNSUPPORTED_ADDRESS = "UnsupportedAddress";
    public static final String PORT_UNAVAILABLE = "PortUnavailable";
    public static final String UNSUPPORTED_PROTOCOL = "UnsupportedProtocol";
    public static final String INVALID_ROUTE_KINDS = "InvalidRouteKinds";
    public static final String INVALID_CERTIFICATE_REF = "InvalidCertificateRef";
    public static final String HOSTNAME_CONFLICT = "HostnameConflict";
    public static final String PROTOCOL_CONFLICT = "ProtocolConflict";
    public static final String NO_CONFLICTS = "NoConflicts";
    public static final String NOT_ALLOWED_BY_LISTENERS = "NotAllowedByListeners";
    public static final String NO_MATCHING_LISTENER_HOSTNAME = "NoMatchingListenerHostname";
    public static final String NO_MATCHING_PARENT = "NoMatchingParent";
    public static final String UNSUPPORTED_VALUE = "UnsupportedValue";
    public static final String REF_NOT_PERMITTED = "RefNotPermitted";
    public static final String INVALID_KIND = "InvalidKind";
    public static final String BACKEND_NOT_FOUND = "BackendNotFound";

    private GatewayApi() {
    }

    /** A reference's group: {@code null} means the default, {@code defaultGroup}. */
    static String groupOr(String group, String defaultGroup) {
        return group == null ? defaultGroup : group;
    }

    /** A reference's kind: {@code null} means the default, {@code defaultKind}. */
    static String kindOr(String kind, String defaultKind) {
        return kind == null ? defaultKind : kind;
    }
}
