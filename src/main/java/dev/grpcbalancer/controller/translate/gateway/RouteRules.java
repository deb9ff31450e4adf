package dev.grpcbalancer.controller.translate.gateway;

import static dev.grpcbalancer.controller.translate.gateway.GatewayApi.CORE_GROUP;
import static dev.grpcbalancer.controller.translate.gateway.GatewayApi.SERVICE;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.translate.BackendResolution;
import dev.grpcbalancer.controller.translate.ServiceBackends;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.HeaderMatch;
import dev.grpcbalancer.snapshot.HeaderModifier;
import dev.grpcbalancer.snapshot.MatchType;
import dev.grpcbalancer.snapshot.MethodMatch;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RouteFilters;
import dev.grpcbalancer.snapshot.RouteMatch;
import dev.grpcbalancer.snapshot.RoutePolicy;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCMethodMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeader;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderFilter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A GRPCRoute's rules as snapshot {@link Route}s (for any host: the Gateway narrows them per
 * listener), with what its backendRefs resolved to. Pure, apart from reading the cluster through
 * the {@link GatewayCluster} given (which records the reads).
 *
 * <p>A rule that asks for what this controller does not do (a filter other than the header
 * modifiers, filters on a backendRef, session persistence, a match this build cannot compile) is
 * dropped and named in {@link Translated#dropped}; the route is still accepted with its other
 * rules (GRPCRoute's {@code PartiallyInvalid}). A backendRef that cannot be used (another kind
 * than Service, another namespace without a ReferenceGrant, a Service or port that does not exist)
 * keeps its weight: its share of the calls fails with UNAVAILABLE, as GRPCRoute requires.
 */
final class RouteRules {

    /**
     * @param routes one per rule that is served, in rule order, named {@code namespace/route/rule}
     *     (the rule's name, or {@code rule-N})
     * @param dropped why each dropped rule was dropped ({@code rules[N]: ...})
     * @param unresolved each backendRef that cannot be used, in rule order
     */
    record Translated(List<Route> routes, List<String> dropped, List<Problem> unresolved) {

        Translated {
            routes = List.copyOf(routes);
            dropped = List.copyOf(dropped);
            unresolved = List.copyOf(unresolved);
        }
    }

    private static final int MAX_HEADER_VALUE = 4096;

    private RouteRules() {
    }

    static Translated translate(GRPCRoute route, GatewayCluster cluster) {
        String namespace = route.getMetadata().getNamespace();
        String prefix = namespace + "/" + route.getMetadata().getName() + "/";
        List<GRPCRouteRule> rules = route.getSpec() == null || route.getSpec().getRules() == null ? List.of()
                : route.getSpec().getRules();
        List<Route> routes = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        List<Problem> unresolved = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            GRPCRouteRule rule = rules.get(i);
            if (rule == null) {
                continue;
            }
            String label = rule.getName() == null ? "rules[" + i + "]" : "rule " + rule.getName();
            List<String> problems = new ArrayList<>();
            List<RouteMatch> matches = matches(rule.getMatches(), problems);
            RouteFilters filters = filters(rule.getFilters(), problems);
            if (rule.getSessionPersistence() != null) {
                problems.add("sessionPersistence is not supported");
            }
            List<GRPCBackendRef> refs = rule.getBackendRefs() == null ? List.of() : rule.getBackendRefs();
            for (GRPCBackendRef ref : refs) {
                if (ref != null && ref.getFilters() != null && !ref.getFilters().isEmpty()) {
                    problems.add("filters on a backendRef are not supported (put them on the rule)");
                    break;
                }
            }
            if (!problems.isEmpty()) {
                dropped.add(label + ": " + String.join("; ", problems));
                continue;
            }
            List<RouteBackend> backends = new ArrayList<>();
            Set<String> names = new HashSet<>();
            for (int j = 0; j < refs.size(); j++) {
                if (refs.get(j) != null) {
                    backends.add(backend(namespace, label, j, refs.get(j), names, cluster, unresolved));
                }
            }
            String name = prefix + (rule.getName() != null ? rule.getName() : Route.indexName(i));
            routes.add(new Route(name, List.of(), matches, backends, RoutePolicy.DEFAULT, filters));
        }
        return new Translated(routes, dropped, unresolved);
    }

    private static RouteBackend backend(String routeNamespace, String label, int index, GRPCBackendRef ref,
            Set<String> names, GatewayCluster cluster, List<Problem> unresolved) {
        String group = GatewayApi.groupOr(ref.getGroup(), CORE_GROUP);
        String kind = GatewayApi.kindOr(ref.getKind(), SERVICE);
        String namespace = ref.getNamespace() == null ? routeNamespace : ref.getNamespace();
        int weight = ref.getWeight() == null ? 1 : Math.max(0, Math.min(RouteBackend.MAX_WEIGHT, ref.getWeight()));
        String base = (namespace.equals(routeNamespace) ? "" : namespace + "/") + ref.getName()
                + (ref.getPort() == null ? "" : ":" + ref.getPort());
        String name = base;
        for (int n = 2; !names.add(name); n++) {
            name = base + "#" + n; // the same Service twice in one rule: two backends all the same
        }
        String where = label + " backendRefs[" + index + "]: ";
        Problem problem = null;
        if (!CORE_GROUP.equals(group) || !SERVICE.equals(kind)) {
            problem = new Problem(GatewayApi.INVALID_KIND, where + (group.isEmpty() ? kind : kind + "." + group)
                    + " is not supported: a backendRef names a Service");
        } else if (!namespace.equals(routeNamespace)
                && !ReferenceGrants.permit(cluster.referenceGrants(namespace), GatewayApi.GRPC_ROUTE, routeNamespace,
                        SERVICE, ref.getName())) {
            problem = new Problem(GatewayApi.REF_NOT_PERMITTED, where + "Service " + namespace + "/" + ref.getName()
                    + " is in another namespace and no ReferenceGrant there allows GRPCRoutes of " + routeNamespace
                    + " to use it");
        } else if (ref.getPort() == null) {
            problem = new Problem(GatewayApi.BACKEND_NOT_FOUND, where + "a Service backendRef needs a port");
        } else {
            BackendResolution resolution = ServiceBackends.resolve(namespace, new BackendRef(ref.getName(), ref.getPort()),
                    cluster.service(namespace, ref.getName()), cluster.endpointSlices(namespace, ref.getName()));
            if (resolution instanceof BackendResolution.Resolved resolved) {
                return new RouteBackend(name, weight, resolved.backends());
            }
            problem = new Problem(GatewayApi.BACKEND_NOT_FOUND, where + ((BackendResolution.Unresolved) resolution).message());
        }
        unresolved.add(problem);
        return RouteBackend.invalid(name, weight, problem.message());
    }

    private static List<RouteMatch> matches(List<GRPCRouteMatch> specs, List<String> problems) {
        List<RouteMatch> matches = new ArrayList<>();
        if (specs == null) {
            return matches;
        }
        for (GRPCRouteMatch spec : specs) {
            if (spec == null) {
                continue;
            }
            MethodMatch method = method(spec.getMethod(), problems);
            List<HeaderMatch> headers = new ArrayList<>();
            for (GRPCHeaderMatch header : spec.getHeaders() == null ? List.<GRPCHeaderMatch>of() : spec.getHeaders()) {
                HeaderMatch match = header(header, problems);
                if (match != null) {
                    headers.add(match);
                }
            }
            if (method != null) {
                matches.add(new RouteMatch(method, headers));
            }
        }
        return matches;
    }

    private static MethodMatch method(GRPCMethodMatch spec, List<String> problems) {
        if (spec == null) {
            return MethodMatch.ANY;
        }
        MatchType type = type(spec.getType(), "method match", problems);
        String service = spec.getService() == null ? "" : spec.getService();
        String method = spec.getMethod() == null ? "" : spec.getMethod();
        if (type == null) {
            return null;
        }
        if (type == MatchType.RegularExpression) {
            if (!compiles(service, problems) || !compiles(method, problems)) {
                return null;
            }
        } else if (service.indexOf('/') >= 0 || method.indexOf('/') >= 0) {
            problems.add("an exact service or method may not contain '/': " + service + "/" + method);
            return null;
        }
        return new MethodMatch(type, service, method);
    }

    private static HeaderMatch header(GRPCHeaderMatch spec, List<String> problems) {
        if (spec == null || spec.getName() == null || spec.getValue() == null) {
            problems.add("a header match needs a name and a value");
            return null;
        }
        MatchType type = type(spec.getType(), "header match", problems);
        String name = spec.getName().toLowerCase(Locale.ROOT);
        if (type == null || (type == MatchType.RegularExpression && !compiles(spec.getValue(), problems))) {
            return null;
        }
        if (name.isEmpty() || name.charAt(0) == ':') {
            problems.add("header match on \"" + spec.getName() + "\": pseudo-headers cannot be matched");
            return null;
        }
        return new HeaderMatch(type, name, spec.getValue());
    }

    private static MatchType type(String type, String what, List<String> problems) {
        if (type == null || MatchType.Exact.name().equals(type)) {
            return MatchType.Exact;
        }
        if (MatchType.RegularExpression.name().equals(type)) {
            return MatchType.RegularExpression;
        }
        problems.add(what + " type " + type + " is not supported (Exact or RegularExpression)");
        return null;
    }

    private static boolean compiles(String regex, List<String> problems) {
        if (regex.isEmpty()) {
            return true;
        }
        try {
            Pattern.compile(regex);
            return true;
        } catch (PatternSyntaxException e) {
            problems.add("\"" + regex + "\" is not an RE2 regular expression: " + e.getDescription());
            return false;
        }
    }

    private static RouteFilters filters(List<GRPCRouteFilter> specs, List<String> problems) {
        HeaderModifier request = HeaderModifier.NONE;
        HeaderModifier response = HeaderModifier.NONE;
        for (GRPCRouteFilter filter : specs == null ? List.<GRPCRouteFilter>of() : specs) {
            String type = filter == null || filter.getType() == null ? "" : filter.getType();
            if (GatewayApi.REQUEST_HEADER_MODIFIER.equals(type) && request.isEmpty()) {
                request = modifier(type, filter.getRequestHeaderModifier(), problems);
            } else if (GatewayApi.RESPONSE_HEADER_MODIFIER.equals(type) && response.isEmpty()) {
                response = modifier(type, filter.getResponseHeaderModifier(), problems);
            } else {
                problems.add("filter " + type + " is not supported (RequestHeaderModifier and ResponseHeaderModifier,"
                        + " once each)");
            }
        }
        return new RouteFilters(request, response);
    }

    private static HeaderModifier modifier(String type, HTTPHeaderFilter spec, List<String> problems) {
        if (spec == null) {
            problems.add(type + " without its settings");
            return HeaderModifier.NONE;
        }
        int before = problems.size();
        List<HeaderModifier.Header> set = headers(type, spec.getSet(), problems);
        List<HeaderModifier.Header> add = headers(type, spec.getAdd(), problems);
        List<String> remove = new ArrayList<>();
        for (String name : spec.getRemove() == null ? List.<String>of() : spec.getRemove()) {
            if (checkName(type, name, problems) && !remove.contains(name.toLowerCase(Locale.ROOT))) {
                remove.add(name.toLowerCase(Locale.ROOT));
            }
        }
        return problems.size() > before ? HeaderModifier.NONE : new HeaderModifier(set, add, remove);
    }

    private static List<HeaderModifier.Header> headers(String type, List<HTTPHeader> specs, List<String> problems) {
        List<HeaderModifier.Header> headers = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (HTTPHeader header : specs == null ? List.<HTTPHeader>of() : specs) {
            if (header == null || !checkName(type, header.getName(), problems)) {
                continue;
            }
            String value = header.getValue() == null ? "" : header.getValue();
            if (value.length() > MAX_HEADER_VALUE || !value.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c <= 0x7E))) {
                problems.add(type + ": the value of " + header.getName() + " must be printable ASCII (at most "
                        + MAX_HEADER_VALUE + " characters)");
            } else if (names.add(header.getName().toLowerCase(Locale.ROOT))) {
                headers.add(new HeaderModifier.Header(header.getName(), value));
            }
        }
        return headers;
    }

    private static boolean checkName(String type, String name, List<String> problems) {
        if (name == null || !HeaderModifier.mayModify(name.toLowerCase(Locale.ROOT))) {
            problems.add(type + ": header \"" + name + "\" may not be modified (pseudo-headers and the headers of gRPC's"
                    + " framing: " + String.join(", ", HeaderModifier.RESERVED.stream().sorted().toList()) + ")");
            return false;
        }
        return true;
    }
}
