package dev.grpcbalancer.e2e;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;
import java.util.stream.Collectors;

/** The YAML the end-to-end tests apply, as a user would write it. */
final class Manifests {

    static final String API_VERSION = "grpcbalancer.dev/v1alpha1";
    static final String KIND = "GrpcBalancer";
    static final int BACKEND_PORT = 50051;
    /** The GrpcBalancer resource, spelled out so no API discovery is needed to read it. */
    static final ResourceDefinitionContext GRPC_BALANCERS = new ResourceDefinitionContext.Builder()
            .withGroup("grpcbalancer.dev").withVersion("v1alpha1").withKind(KIND).withPlural("grpcbalancers")
            .withNamespaced(true).build();

    private Manifests() {
    }

    static String namespace(String name) {
        return """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: %s
                """.formatted(name);
    }

    /**
     * A Deployment of {@code test-backend} pods (each answers with its pod name) and its Service.
     * Readiness is the native gRPC health probe; the preStop sleep keeps a terminating pod serving
     * while its endpoint turns terminating everywhere, as production pods should.
     */
    static String backend(String namespace, String name, String image, int replicas) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: %1$s
                  namespace: %2$s
                  labels: {app: %1$s}
                spec:
                  replicas: %4$d
                  selector:
                    matchLabels: {app: %1$s}
                  template:
                    metadata:
                      labels: {app: %1$s}
                    spec:
                      terminationGracePeriodSeconds: 30
                      containers:
                      - name: backend
                        image: %3$s
                        imagePullPolicy: Never
                        args: ["test-backend", "--port", "%5$d"]
                        ports:
                        - {name: grpc, containerPort: %5$d}
                        readinessProbe:
                          grpc: {port: %5$d}
                          periodSeconds: 2
                        lifecycle:
                          preStop:
                            sleep: {seconds: 5}
                        resources:
                          requests: {cpu: 50m, memory: 96Mi}
                ---
                """.formatted(name, namespace, image, replicas, BACKEND_PORT) + backendService(namespace, name);
    }

    static String backendService(String namespace, String name) {
        return """
                apiVersion: v1
                kind: Service
                metadata:
                  name: %1$s
                  namespace: %2$s
                spec:
                  selector: {app: %1$s}
                  ports:
                  - {name: grpc, port: %3$d, targetPort: grpc, appProtocol: kubernetes.io/h2c}
                """.formatted(name, namespace, BACKEND_PORT);
    }

    static String balancer(String namespace, String name, int listenerPort, String service, int servicePort) {
        return """
                apiVersion: %s
                kind: %s
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  listener:
                    port: %d
                  backendRef: {name: %s, port: %d}
                """.formatted(API_VERSION, KIND, name, namespace, listenerPort, service, servicePort);
    }

    /** A pod that runs {@code grpc-balancer probe args...} once. */
    static String probePod(String namespace, String name, String image, List<String> args) {
        String quoted = args.stream().map(arg -> "\"" + arg + "\"").collect(Collectors.joining(", "));
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  namespace: %s
                  labels: {app: probe}
                spec:
                  restartPolicy: Never
                  containers:
                  - name: probe
                    image: %s
                    imagePullPolicy: Never
                    args: ["probe", %s]
                """.formatted(name, namespace, image, quoted);
    }
}
