package dev.grpcbalancer.controller;

import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Kubernetes objects as the API server would hold them, built for controller (and chart) tests. */
public final class ClusterObjects {

    private ClusterObjects() {
    }

    public static GrpcBalancer balancer(String namespace, String name, int listenerPort, String service, int servicePort) {
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setNamespace(namespace);
        balancer.getMetadata().setName(name);
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(listenerPort);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setBackendRef(new BackendRef(service, servicePort));
        balancer.setSpec(spec);
        return balancer;
    }

    /** A Service with one named port whose targetPort is the name {@code grpc}. */
    public static Service service(String namespace, String name, int port) {
        return new ServiceBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec()
                    .addNewPort().withName("grpc").withPort(port).withProtocol("TCP")
                        .withTargetPort(new IntOrString("grpc")).endPort()
                    .withSelector(Map.of("app", name))
                .endSpec()
                .build();
    }

    public static Endpoint ready(String ip) {
        return endpoint(ip, true, true, false);
    }

    public static Endpoint endpoint(String ip, Boolean ready, Boolean serving, Boolean terminating) {
        return new EndpointBuilder()
                .withAddresses(ip)
                .withNewConditions().withReady(ready).withServing(serving).withTerminating(terminating).endConditions()
                .build();
    }

    /** An IPv4 slice of {@code service} whose port {@code grpc} is {@code port}. */
    public static EndpointSlice slice(String namespace, String name, String service, int port, Endpoint... endpoints) {
        return slice(namespace, name, service, port, Arrays.asList(endpoints));
    }

    public static EndpointSlice slice(String namespace, String name, String service, int port, List<Endpoint> endpoints) {
        return new EndpointSliceBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name)
                    .withLabels(Map.of("kubernetes.io/service-name", service)).endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName("grpc").withPort(port).withProtocol("TCP").endPort()
                .withEndpoints(endpoints)
                .build();
    }
}
