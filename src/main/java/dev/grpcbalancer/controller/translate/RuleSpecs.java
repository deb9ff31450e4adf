package dev.grpcbalancer.controller.translate;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.HeaderMatchSpec;
import dev.grpcbalancer.controller.crd.MethodMatchSpec;
import dev.grpcbalancer.controller.crd.RouteMatchSpec;
import dev.grpcbalancer.controller.crd.RuleBackendRef;
import dev.grpcbalancer.controller.crd.RuleSpec;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.HeaderMatch;
import dev.grpcbalancer.snapshot.MatchType;
import dev.grpcbalancer.snapshot.MethodMatch;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RouteMatch;
import dev.grpcbalancer.snapshot.RoutePolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code spec.rules}: GRPCRoute-style rules, checked field by field ({@link #check}) and turned
 * into snapshot {@link Route}s ({@link #routes}). Pure.
 *
 * <p>Names and limits follow GRPCRoute: at most 8 matches per rule, 16 header matches per match,
 * 16 backendRefs per rule; an exact service must look like {@code package.Service} and an exact
 * method like an identifier; regular expressions are RE2. A rule's {@code loadBalancing},
 * {@code retry}, {@code timeouts}, {@code outlierDetection} and {@code healthCheck} each replace
 * the balancer's section of that name for the rule's calls.
 */
final class RuleSpecs {

    static final int MAX_RULES = 500;
    static final int MAX_MATCHES = 8;
    static final int MAX_HEADERS = 16;
    static final int MAX_BACKEND_REFS = 16;
    static final int MAX_NAME = 1024;
    static final int MAX_HEADER_VALUE = 4096;

    private static final java.util.regex.Pattern EXACT_SERVICE =
            java.util.regex.Pattern.compile("^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$");
    private static final java.util.regex.Pattern EXACT_METHOD = java.util.regex.Pattern.compile("^[A-Za-z_][A-Za-z_0-9]*$");
    private static final java.util.regex.Pattern HEADER_NAME = java.util.regex.Pattern.compile("^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$");
    private static final java.util.regex.Pattern INDEX_NAME = java.util.regex.Pattern.compile("^rule-[0-9]+$");
    private static final List<String> MATCH_TYPES = List.of(MatchType.Exact.name(), MatchType.RegularExpression.name());

    private RuleSpecs() {
    }

    /** What the rules came to: routes for the data plane, resolutions for status. */
    record Resolved(List<Route> routes, List<RuleResolution> rules) {
    }

    /** Adds every problem of {@code spec.rules} (which is set) to {@code errors}, in field order. */
    static void check(GrpcBalancerSpec spec, List<SpecError> errors) {
        List<RuleSpec> rules = spec.getRules();
        if (rules.isEmpty()) {
            errors.add(new SpecError("spec.rules", "must list at least one rule"));
            return;
        }
        if (rules.size() > MAX_RULES) {
            errors.add(new SpecError("spec.rules", "must list at most " + MAX_RULES + " rules, got " + rules.size()));
            return;
        }
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            String field = "spec.rules[" + i + "]";
            RuleSpec rule = rules.get(i);
            if (rule == null) {
                errors.add(new SpecError(field, "expected a rule, got nothing"));
                continue;
            }
            checkName(field, rule.getName(), i, names, errors);
            checkMatches(field, rule.getMatches(), errors);
            checkBackendRefs(field, rule.getBackendRefs(), errors);
            SpecValidation.checkPolicy(field, rule.getLoadBalancing(), errors);
            ResilienceSpecs.read(field, ResilienceSpecs.Sections.of(rule), errors);
        }
    }

    private static void checkName(String field, String name, int index, Map<String, Integer> names, List<SpecError> errors) {
        if (name == null) {
            return;
        }
        if (!SpecValidation.isLabel(name)) {
            errors.add(new SpecError(field + ".name", "must be a DNS label: lowercase letters, digits and '-'"
                    + " (at most 63 characters), got \"" + name + "\""));
        } else if (name.equals(UNMATCHED)
                || INDEX_NAME.matcher(name).matches()) {
            errors.add(new SpecError(field + ".name", "\"" + name + "\" is reserved (\"none\" counts calls no rule"
                    + " takes, rule-N names unnamed rules)"));
        } else {
            Integer first = names.putIfAbsent(name, index);
            if (first != null) {
                errors.add(new SpecError(field + ".name", "duplicate of spec.rules[" + first + "].name (\"" + name + "\")"));
            }
        }
    }

    /** The route label of calls no rule takes: no rule may be called this. */
    static final String UNMATCHED = "none";

    private static void checkMatches(String field, List<RouteMatchSpec> matches, List<SpecError> errors) {
        if (matches == null) {
            return;
        }
        if (matches.size() > MAX_MATCHES) {
            errors.add(new SpecError(field + ".matches", "must list at most " + MAX_MATCHES + " matches, got "
                    + matches.size()));
            return;
        }
        for (int m = 0; m < matches.size(); m++) {
            String matchField = field + ".matches[" + m + "]";
            RouteMatchSpec match = matches.get(m);
            if (match == null) {
                errors.add(new SpecError(matchField, "expected a match, got nothing"));
                continue;
            }
            checkMethod(matchField + ".method", match.getMethod(), errors);
            List<HeaderMatchSpec> headers = match.getHeaders();
            if (headers == null) {
                continue;
            }
            if (headers.size() > MAX_HEADERS) {
                errors.add(new SpecError(matchField + ".headers", "must list at most " + MAX_HEADERS
                        + " header matches, got " + headers.size()));
                continue;
            }
            for (int h = 0; h < headers.size(); h++) {
                checkHeader(matchField + ".headers[" + h + "]", headers.get(h), errors);
            }
        }
    }

    private static void checkMethod(String field, MethodMatchSpec method, List<SpecError> errors) {
        if (method == null) {
            return;
        }
        MatchType type = checkType(field, method.getType(), errors);
        String service = method.getService();
        String name = method.getMethod();
        if (isEmpty(service) && isEmpty(name)) {
            errors.add(new SpecError(field, "set service, method or both"));
            return;
        }
        if (type == MatchType.Exact) {
            if (!isEmpty(service) && (service.length() > MAX_NAME || !EXACT_SERVICE.matcher(service).matches())) {
                errors.add(new SpecError(field + ".service", "must be a gRPC service name such as shop.v1.Cart"
                        + " (letters, digits, '_' and '.'), got \"" + service + "\""));
            }
            if (!isEmpty(name) && (name.length() > MAX_NAME || !EXACT_METHOD.matcher(name).matches())) {
                errors.add(new SpecError(field + ".method", "must be a gRPC method name such as GetItem"
                        + " (letters, digits and '_'), got \"" + name + "\""));
            }
        } else if (type == MatchType.RegularExpression) {
            checkRegex(field + ".service", service, errors);
            checkRegex(field + ".method", name, errors);
        }
    }

    private static void checkHeader(String field, HeaderMatchSpec header, List<SpecError> errors) {
        if (header == null) {
            errors.add(new SpecError(field, "expected a header match, got nothing"));
            return;
        }
        MatchType type = checkType(field, header.getType(), errors);
        String name = header.getName();
        if (isEmpty(name)) {
            errors.add(new SpecError(field + ".name", "required"));
        } else if (name.length() > 256 || !HEADER_NAME.matcher(name).matches()) {
            errors.add(new SpecError(field + ".name", "must be an HTTP header name (letters, digits and"
                    + " !#$%&'*+-.^_`|~), got \"" + name + "\""));
        }
        String value = header.getValue();
        if (isEmpty(value)) {
            errors.add(new SpecError(field + ".value", "required"));
        } else if (value.length() > MAX_HEADER_VALUE || !value.chars().allMatch(c -> c >= 0x20 && c <= 0x7E)) {
            errors.add(new SpecError(field + ".value", "must be 1.." + MAX_HEADER_VALUE
                    + " printable ASCII characters (gRPC metadata values)"));
        } else if (type == MatchType.RegularExpression) {
            checkRegex(field + ".value", value, errors);
        }
    }

    private static MatchType checkType(String field, String type, List<SpecError> errors) {
        if (type == null) {
            return MatchType.Exact;
        }
        if (!MATCH_TYPES.contains(type)) {
            errors.add(new SpecError(field + ".type", "must be one of " + String.join(", ", MATCH_TYPES) + ", got \""
                    + type + "\""));
            return null;
        }
        return MatchType.valueOf(type);
    }

    private static void checkRegex(String field, String regex, List<SpecError> errors) {
        if (isEmpty(regex)) {
            return;
        }
        if (regex.length() > MAX_NAME * 4) {
            errors.add(new SpecError(field, "must be at most " + MAX_NAME * 4 + " characters"));
            return;
        }
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            errors.add(new SpecError(field, "must be an RE2 regular expression: " + e.getDescription() + " in \"" + regex
                    + "\""));
        }
    }

    private static void checkBackendRefs(String field, List<RuleBackendRef> refs, List<SpecError> errors) {
        if (refs == null || refs.isEmpty()) {
            errors.add(new SpecError(field + ".backendRefs", "must list at least one backendRef"));
            return;
        }
        if (refs.size() > MAX_BACKEND_REFS) {
            errors.add(new SpecError(field + ".backendRefs", "must list at most " + MAX_BACKEND_REFS
                    + " backendRefs, got " + refs.size()));
            return;
        }
        Map<String, Integer> services = new HashMap<>();
        for (int j = 0; j < refs.size(); j++) {
            String refField = field + ".backendRefs[" + j + "]";
            RuleBackendRef ref = refs.get(j);
            if (ref == null) {
                errors.add(new SpecError(refField, "expected a backendRef, got nothing"));
                continue;
            }
            boolean service = ref.getName() != null || ref.getPort() != null;
            if (service == (ref.getStaticEndpoints() != null)) {
                errors.add(new SpecError(refField, "set exactly one of name (a Service, with port) and staticEndpoints"));
            } else if (service) {
                SpecValidation.checkServiceRef(refField, ref.getName(), ref.getPort(), errors);
                if (ref.getName() != null && ref.getPort() != null) {
                    Integer first = services.putIfAbsent(ref.getName() + ":" + ref.getPort(), j);
                    if (first != null) {
                        errors.add(new SpecError(refField, "duplicate of " + field + ".backendRefs[" + first + "] (Service "
                                + ref.getName() + " port " + ref.getPort() + ")"));
                    }
                }
            } else {
                errors.addAll(StaticEndpoints.check(ref.getStaticEndpoints(), refField + ".staticEndpoints"));
            }
            Integer weight = ref.getWeight();
            if (weight != null && (weight < 0 || weight > RouteBackend.MAX_WEIGHT)) {
                errors.add(new SpecError(refField + ".weight", "must be 0.." + RouteBackend.MAX_WEIGHT + ", got " + weight));
            }
        }
    }

    /**
     * The routes of a valid {@code spec} (its rules set), each Service backendRef resolved with
     * {@code services} ({@code namespace} names the Services in messages).
     */
    static Resolved routes(GrpcBalancerSpec spec, String namespace, Function<BackendRef, BackendResolution> services) {
        ResilienceSpecs.Sections balancer = ResilienceSpecs.Sections.of(spec);
        List<Route> routes = new ArrayList<>();
        List<RuleResolution> resolutions = new ArrayList<>();
        List<RuleSpec> rules = spec.getRules();
        for (int i = 0; i < rules.size(); i++) {
            RuleSpec rule = rules.get(i);
            String field = "spec.rules[" + i + "]";
            String name = rule.getName() != null ? rule.getName() : Route.indexName(i);
            String label = rule.getName() != null ? "rule " + rule.getName() : "rules[" + i + "]";
            List<RouteBackend> backends = new ArrayList<>();
            List<RuleResolution.BackendRef> refs = new ArrayList<>();
            List<RuleBackendRef> specRefs = rule.getBackendRefs();
            for (int j = 0; j < specRefs.size(); j++) {
                RuleBackendRef ref = specRefs.get(j);
                int weight = ref.getWeight() == null ? 1 : ref.getWeight();
                if (ref.getName() != null) {
                    BackendResolution resolution = services.apply(new BackendRef(ref.getName(), ref.getPort()));
                    BackendSet endpoints = resolution instanceof BackendResolution.Resolved resolved
                            ? resolved.backends() : BackendSet.EMPTY;
                    String backend = ref.getName() + ":" + ref.getPort();
                    backends.add(new RouteBackend(backend, weight, endpoints));
                    refs.add(new RuleResolution.BackendRef(backend, namespace + "/" + ref.getName(), weight, resolution,
                            endpoints));
                } else {
                    BackendSet endpoints = StaticEndpoints.parseAll(ref.getStaticEndpoints());
                    String backend = "static-" + j;
                    backends.add(new RouteBackend(backend, weight, endpoints));
                    refs.add(new RuleResolution.BackendRef(backend, null, weight, null, endpoints));
                }
            }
            List<SpecError> none = new ArrayList<>();
            ResilienceSpecs.Sections sections = ResilienceSpecs.Sections.of(rule).orElse(balancer);
            ResilienceSpecs.Resilience resilience = ResilienceSpecs.read(field, sections, none);
            RoutePolicy policy = new RoutePolicy(SpecValidation.policyOf(sections.loadBalancing()), resilience.retry(),
                    resilience.timeouts(), resilience.outlierDetection(), resilience.healthCheck(),
                    resilience.slowStartWindow(), resilience.hedging());
            routes.add(new Route(name, matches(rule.getMatches()), backends, policy));
            resolutions.add(new RuleResolution(name, label, refs));
        }
        return new Resolved(routes, resolutions);
    }

    private static List<RouteMatch> matches(List<RouteMatchSpec> specs) {
        List<RouteMatch> matches = new ArrayList<>();
        if (specs == null) {
            return matches;
        }
        for (RouteMatchSpec spec : specs) {
            MethodMatch method = MethodMatch.ANY;
            MethodMatchSpec m = spec.getMethod();
            if (m != null) {
                method = new MethodMatch(m.getType() == null ? MatchType.Exact : MatchType.valueOf(m.getType()),
                        m.getService() == null ? "" : m.getService(), m.getMethod() == null ? "" : m.getMethod());
            }
            List<HeaderMatch> headers = new ArrayList<>();
            if (spec.getHeaders() != null) {
                for (HeaderMatchSpec h : spec.getHeaders()) {
                    headers.add(new HeaderMatch(h.getType() == null ? MatchType.Exact : MatchType.valueOf(h.getType()),
                            h.getName().toLowerCase(Locale.ROOT), h.getValue()));
                }
            }
            matches.add(new RouteMatch(method, headers));
        }
        return matches;
    }

    private static boolean isEmpty(String value) {
        return value == null || value.isEmpty();
    }
}
