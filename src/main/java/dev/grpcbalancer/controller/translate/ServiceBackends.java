package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.TrafficDistribution;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.Locality;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointHints;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.ForNode;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Resolves a balancer's {@code spec.backendRef} to the endpoints in the referenced Service's
 * EndpointSlices. Pure: no I/O, no clock, no logging; the same Service and slices, in any order,
 * give an equal result.
 *
 * <p>The rules (docs/endpointslices.md explains them for users):
 * <ul>
 *   <li>{@code backendRef.port} is a TCP <em>Service</em> port; it maps, through that port's name,
 *       to the slice port of the same name in each slice, so the target port may differ per slice.
 *       Slice ports without a number or not TCP are skipped.</li>
 *   <li>Every slice is merged and {@code address:port} de-duplicated; an endpoint listed in two
 *       slices (it moved) counts once, with the better state ({@code READY} over
 *       {@code DRAINING}).</li>
 *   <li>Conditions (nil ready and nil serving mean true, nil terminating false): ready and not
 *       terminating is {@link EndpointState#READY}; serving and terminating is
 *       {@link EndpointState#DRAINING}; anything else is left out. Weight is 1.</li>
 *   <li>Only the Service's primary address family is used (dual-stack Services list every pod
 *       once per family); FQDN slices are ignored. Each endpoint's first address is used.</li>
 *   <li>Each endpoint keeps its {@code zone}, {@code nodeName} and {@code hints} (forZones,
 *       forNodes). When the Service sets {@code spec.trafficDistribution} (PreferClose,
 *       PreferSameZone, PreferSameNode), an endpoint without hints gets the ones Kubernetes' own
 *       controller would give it ({@link ZoneHints}); another value is noted and ignored.</li>
 * </ul>
 */
public final class ServiceBackends {

    /** Reasons (Gateway API vocabulary) for an unresolved reference. */
    public static final String BACKEND_NOT_FOUND = "BackendNotFound";
    public static final String UNSUPPORTED_BACKEND = "UnsupportedBackend";

    /** The label that ties an EndpointSlice to its Service. */
    public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    static final String IPV4 = "IPv4";
    static final String IPV6 = "IPv6";
    private static final String TCP = "TCP";
    private static final String EXTERNAL_NAME = "ExternalName";

    private ServiceBackends() {
    }

    /**
     * Resolves spec.backendRef of a balancer in {@code namespace} against the Service (null when it
     * does not exist) and every EndpointSlice labelled {@value #SERVICE_NAME_LABEL}=&lt;service&gt;
     * in that namespace (the caller passes them all; order does not matter). Slices of another
     * Service or namespace among them are left out.
     *
     * @param ref a valid reference (name and port set, as {@link SpecValidation} demands)
     * @throws IllegalArgumentException when {@code ref} lacks its name or port, or when
     *     {@code service} is not the Service it names
     */
    public static BackendResolution resolve(String namespace, BackendRef ref, Service service,
            Collection<EndpointSlice> slices) {
        requireNonNull(namespace, "namespace");
        requireNonNull(ref, "ref");
        requireNonNull(slices, "slices");
        String serviceName = ref.getName();
        Integer port = ref.getPort();
        if (serviceName == null || port == null) {
            throw new IllegalArgumentException("backendRef needs a name and a port: " + ref);
        }
        String qualifiedName = namespace + "/" + serviceName;
        if (service == null) {
            return new BackendResolution.Unresolved(BACKEND_NOT_FOUND, "Service " + qualifiedName + " not found");
        }
        checkIdentity(service, namespace, serviceName);
        ServiceSpec spec = service.getSpec();
        if (spec != null && EXTERNAL_NAME.equals(spec.getType())) {
            return new BackendResolution.Unresolved(UNSUPPORTED_BACKEND, "Service " + qualifiedName
                    + " is of type ExternalName: it has no endpoints to balance over");
        }
        List<ServicePort> ports = spec == null || spec.getPorts() == null ? List.of() : spec.getPorts();
        Optional<ServicePort> servicePort = ports.stream()
                .filter(p -> p != null && port.equals(p.getPort()) && isTcp(p.getProtocol()))
                .findFirst();
        if (servicePort.isEmpty()) {
            return new BackendResolution.Unresolved(BACKEND_NOT_FOUND, "Service " + qualifiedName + " has no port "
                    + port + " (ports: " + describe(ports) + ")");
        }
        List<EndpointSlice> own = slices.stream()
                .filter(slice -> slice != null && belongsTo(slice, namespace, serviceName))
                .toList();
        return merge(namespace, serviceName, nameOrEmpty(servicePort.get().getName()), primaryFamily(spec, own), own,
                spec == null ? null : spec.getTrafficDistribution());
    }

    private static BackendResolution merge(String namespace, String serviceName, String portName, String family,
            List<EndpointSlice> slices, String trafficDistribution) {
        Map<EndpointAddress, Endpoint> merged = new HashMap<>();
        Set<EndpointAddress> leftOut = new HashSet<>();
        Set<String> notes = new TreeSet<>(); // sorted: the same whatever the order of the slices
        String otherFamily = IPV4.equals(family) ? IPV6 : IPV4;
        boolean otherFamilySeen = false;
        for (EndpointSlice slice : slices) {
            String sliceName = namespace + "/" + nameOf(slice.getMetadata());
            String addressType = slice.getAddressType();
            if (otherFamily.equals(addressType)) {
                otherFamilySeen = true;
                continue;
            }
            if (!family.equals(addressType)) {
                notes.add("EndpointSlice " + sliceName + " has addressType " + addressType
                        + ", which is not supported: ignored");
                continue;
            }
            Optional<Integer> port = slicePort(slice, portName);
            if (port.isEmpty()) {
                continue;
            }
            for (io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint : listOrEmpty(slice.getEndpoints())) {
                if (endpoint == null || endpoint.getAddresses() == null || endpoint.getAddresses().isEmpty()) {
                    continue;
                }
                // Kubernetes: consumers use the first address of an endpoint.
                String address = endpoint.getAddresses().get(0);
                Optional<String> host = canonicalHost(family, address);
                if (host.isEmpty()) {
                    notes.add("EndpointSlice " + sliceName + " lists \"" + address + "\", which is not an "
                            + family + " address: ignored");
                    continue;
                }
                Optional<EndpointState> state = stateOf(endpoint.getConditions());
                if (state.isEmpty()) {
                    leftOut.add(new EndpointAddress(host.get(), port.get()));
                    continue;
                }
                EndpointAddress key = new EndpointAddress(host.get(), port.get());
                merged.merge(key, new Endpoint(key.host(), key.port(), 1, state.get(), localityOf(endpoint)),
                        ServiceBackends::better);
            }
        }
        Optional<TrafficDistribution> distribution = Optional.ofNullable(trafficDistribution)
                .flatMap(TrafficDistribution::parse);
        if (trafficDistribution != null && distribution.isEmpty()) {
            notes.add("Service " + namespace + "/" + serviceName + " has trafficDistribution " + trafficDistribution
                    + ", which is not supported: ignored (supported: " + String.join(", ", TrafficDistribution.names())
                    + ")");
        }
        List<String> allNotes = new ArrayList<>();
        if (otherFamilySeen) {
            allNotes.add(otherFamily + " EndpointSlices of Service " + namespace + "/" + serviceName
                    + " are ignored: " + family + " is its primary address family"
                    + " (a dual-stack Service lists every endpoint once per family)");
        }
        allNotes.addAll(notes);
        List<Endpoint> endpoints = merged.values().stream()
                .map(e -> distribution.map(d -> e.withLocality(ZoneHints.hinted(e.locality(), d, true))).orElse(e))
                .toList();
        leftOut.removeAll(merged.keySet());
        return new BackendResolution.Resolved(BalancerTranslator.sortedBackends(endpoints), allNotes, leftOut.size(),
                distribution.map(Enum::name).orElse(null));
    }

    /**
     * The state an endpoint with these conditions gets, empty when it must be left out. Nil ready
     * and nil serving mean true, nil terminating means false (the EndpointSlice API's defaults).
     */
    static Optional<EndpointState> stateOf(EndpointConditions conditions) {
        boolean ready = conditions == null || !Boolean.FALSE.equals(conditions.getReady());
        boolean serving = conditions == null || !Boolean.FALSE.equals(conditions.getServing());
        boolean terminating = conditions != null && Boolean.TRUE.equals(conditions.getTerminating());
        if (ready && !terminating) {
            return Optional.of(EndpointState.READY);
        }
        if (serving && terminating) {
            return Optional.of(EndpointState.DRAINING);
        }
        return Optional.empty();
    }

    /** READY beats DRAINING: an endpoint that moved between slices keeps its better state (and that slice's locality). */
    private static Endpoint better(Endpoint one, Endpoint other) {
        int byState = one.state().compareTo(other.state());
        if (byState != 0) {
            return byState < 0 ? one : other;
        }
        // the same state in two slices: pick by locality, so that the order of the slices does not matter
        return one.locality().toString().compareTo(other.locality().toString()) <= 0 ? one : other;
    }

    /** The endpoint's zone, node and hints as its slice lists them. */
    private static Locality localityOf(io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint) {
        EndpointHints hints = endpoint.getHints();
        Set<String> forZones = hints == null ? Set.of() : listOrEmpty(hints.getForZones()).stream()
                .filter(Objects::nonNull).map(ForZone::getName).filter(Objects::nonNull).collect(Collectors.toSet());
        Set<String> forNodes = hints == null ? Set.of() : listOrEmpty(hints.getForNodes()).stream()
                .filter(Objects::nonNull).map(ForNode::getName).filter(Objects::nonNull).collect(Collectors.toSet());
        return new Locality(nameOrEmpty(endpoint.getZone()), nameOrEmpty(endpoint.getNodeName()), forZones, forNodes);
    }

    /** The number of the slice port named {@code portName}: TCP and with a number, else empty. */
    private static Optional<Integer> slicePort(EndpointSlice slice, String portName) {
        return listOrEmpty(slice.getPorts()).stream()
                .filter(p -> p != null && portName.equals(nameOrEmpty(p.getName())) && isTcp(p.getProtocol()))
                .map(EndpointPort::getPort)
                .filter(number -> number != null && number >= 1 && number <= 65535)
                .findFirst();
    }

    /** spec.ipFamilies[0]; without it IPv4 when any IPv4 slice exists, else IPv6. */
    private static String primaryFamily(ServiceSpec spec, List<EndpointSlice> slices) {
        List<String> families = spec == null ? null : spec.getIpFamilies();
        if (families != null && !families.isEmpty() && (IPV4.equals(families.get(0)) || IPV6.equals(families.get(0)))) {
            return families.get(0);
        }
        return slices.stream().anyMatch(slice -> IPV4.equals(slice.getAddressType())) ? IPV4 : IPV6;
    }

    private static Optional<String> canonicalHost(String family, String address) {
        if (address == null) {
            return Optional.empty();
        }
        if (IPV4.equals(family)) {
            return HostSyntax.isIpv4(address) ? Optional.of(address) : Optional.empty();
        }
        try {
            return Optional.of(HostSyntax.canonicalIpv6(address));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean belongsTo(EndpointSlice slice, String namespace, String serviceName) {
        ObjectMeta metadata = slice.getMetadata();
        if (metadata == null || metadata.getLabels() == null) {
            return false;
        }
        return serviceName.equals(metadata.getLabels().get(SERVICE_NAME_LABEL))
                && (metadata.getNamespace() == null || namespace.equals(metadata.getNamespace()));
    }

    private static void checkIdentity(Service service, String namespace, String serviceName) {
        ObjectMeta metadata = service.getMetadata();
        if (metadata == null) {
            return;
        }
        if ((metadata.getName() != null && !serviceName.equals(metadata.getName()))
                || (metadata.getNamespace() != null && !namespace.equals(metadata.getNamespace()))) {
            throw new IllegalArgumentException("backendRef names Service " + namespace + "/" + serviceName
                    + ", got " + metadata.getNamespace() + "/" + metadata.getName());
        }
    }

    /** {@code 80/http, 443, 53/dns UDP}: the Service's ports as a user would look for them. */
    private static String describe(List<ServicePort> ports) {
        String listed = ports.stream()
                .filter(Objects::nonNull)
                .map(p -> p.getPort() + (nameOrEmpty(p.getName()).isEmpty() ? "" : "/" + p.getName())
                        + (isTcp(p.getProtocol()) ? "" : " " + p.getProtocol()))
                .collect(Collectors.joining(", "));
        return listed.isEmpty() ? "none" : listed;
    }

    private static boolean isTcp(String protocol) {
        return protocol == null || TCP.equals(protocol);
    }

    private static String nameOrEmpty(String name) {
        return name == null ? "" : name;
    }

    private static String nameOf(ObjectMeta metadata) {
        return metadata == null ? "" : nameOrEmpty(metadata.getName());
    }

    private static <T> List<T> listOrEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
