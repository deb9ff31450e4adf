package dev.grpcbalancer.deploy;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.Main;
import dev.grpcbalancer.controller.ApiClients;
import dev.grpcbalancer.controller.BalancerController;
import dev.grpcbalancer.controller.ControllerSettings;
import dev.grpcbalancer.controller.crd.BackendRef;
import dev.grpcbalancer.controller.crd.BackendTlsSpec;
import dev.grpcbalancer.controller.crd.CertificateRef;
import dev.grpcbalancer.controller.crd.ClientValidationSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.controller.crd.ListenerTlsSpec;
import dev.grpcbalancer.controller.translate.gateway.GatewayObjects;
import dev.grpcbalancer.dataplane.DataPlane;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.GatewayApiCrds;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.tls.TestPki;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import picocli.CommandLine;

/**
 * The controller's whole life against fabric8's CRUD mock API server, with every request its own
 * client makes recorded ({@link ApiRequest}): what its RBAC must allow. The controller is set up
 * from a command line (the one the chart renders), and the scenario walks through {@link #STEPS},
 * each of which waits until its effect is visible:
 * balancers created in every watched namespace (status, managed Services, Events), a listener port
 * changed (managed Service updated), the backend Service deleted, recreated and deleted again in
 * every watched namespace (a repeated Warning becomes a patched Event series), balancers with TLS
 * whose certificates come from Secrets and ConfigMaps (one Secret broken and repaired, the
 * balancers deleted again), a balancer deleted (managed Service deleted), with the Gateway API a
 * Gateway and a GRPCRoute in every watched namespace (GatewayClass, Gateway and route status, a
 * managed Service each) and one Gateway deleted, the Lease renewed, and the controller closed
 * (Lease released).
 *
 * <p>To cover more behaviour, add a {@link Step}: anything new the controller asks the API server
 * for then shows up in the recorded requests, and {@code HelmRbacRequestsTest} fails until the
 * chart grants it.
 */
final class ControllerScenario {

    /** The controller's client sends this User-Agent; the scenario's own requests are not recorded. */
    private static final String USER_AGENT = "grpc-balancer-controller-under-rbac-scenario";
    /** Namespaces the scenario uses when the controller watches all of them. */
    static final List<String> ANY_NAMESPACES = List.of("team-a", "team-b");
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** The balancer with TLS on its listener and to its backends, from Secrets and ConfigMaps. */
    private static final String SECURE = "secure";
    private static final TestPki.Ca CA = TestPki.ca("rbac-scenario-ca");

    /** One stage of the scenario: acts through the scenario's client and waits for the controller's answer. */
    interface Step {
        void run(ControllerScenario scenario) throws Exception;
    }

    /** The steps in order, by name (used in failure messages). */
    static final Map<String, Step> STEPS = steps();

    private static Map<String, Step> steps() {
        Map<String, Step> steps = new LinkedHashMap<>();
        steps.put("a balancer with a Service in every watched namespace", s -> {
            for (String namespace : s.namespaces) {
                s.createBackend(namespace);
                s.createBalancer(namespace, s.ports.get(namespace));
            }
            for (String namespace : s.namespaces) {
                s.awaitCondition(namespace, "Programmed", "True");
                s.awaitRequest(r -> r.verb().equals("create") && r.resource().equals("events") && namespace.equals(r.namespace()));
            }
            s.awaitManagedServices(s.namespaces.size());
        });
        steps.put("balancers with certificates from Secrets and ConfigMaps; a Secret broken and repaired", s -> {
            TestPki.Issued serving = CA.server("secure.example.com").issue();
            TestPki.Issued client = CA.client("balancer").issue();
            for (String namespace : s.namespaces) {
                s.client.resource(tlsSecret(namespace, "secure-tls", serving.chainPem(), serving.keyPem())).create();
                s.client.resource(tlsSecret(namespace, "balancer-client-tls", client.chainPem(), client.keyPem())).create();
                s.client.resource(new ConfigMapBuilder().withNewMetadata().withNamespace(namespace).withName("ca")
                        .endMetadata().withData(Map.of("ca.crt", CA.certificatePem())).build()).create();
                s.createSecureBalancer(namespace, FreePorts.freeLoopbackPort());
            }
            for (String namespace : s.namespaces) {
                s.awaitCondition(namespace, SECURE, "Programmed", "True");
                s.awaitCondition(namespace, SECURE, "ResolvedRefs", "True");
                s.client.resource(tlsSecret(namespace, "secure-tls", serving.chainPem(), client.keyPem())).update();
                s.awaitCondition(namespace, SECURE, "ResolvedRefs", "False");
                s.client.resource(tlsSecret(namespace, "secure-tls", serving.chainPem(), serving.keyPem())).update();
                s.awaitCondition(namespace, SECURE, "ResolvedRefs", "True");
            }
            s.awaitManagedServices(2 * s.namespaces.size());
            for (String namespace : s.namespaces) {
                s.client.resources(GrpcBalancer.class).inNamespace(namespace).withName(SECURE).delete();
            }
            s.awaitManagedServices(s.namespaces.size());
        });
        steps.put("a listener port changed", s -> {
            String namespace = s.namespaces.get(0);
            int port = FreePorts.freeLoopbackPort();
            // A merge patch without resourceVersion: the controller writes status meanwhile.
            s.client.resources(GrpcBalancer.class).inNamespace(namespace).withName("greeter")
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"listener\":{\"port\":" + port + "}}}");
            s.awaitRequest(r -> r.verb().equals("update") && r.resource().equals("services"));
        });
        steps.put("the backend Service deleted, recreated, deleted again in every watched namespace", s -> {
            for (String namespace : s.namespaces) {
                s.client.services().inNamespace(namespace).withName("backend").delete();
                s.awaitCondition(namespace, "ResolvedRefs", "False");
                s.createService(namespace);
                s.awaitCondition(namespace, "ResolvedRefs", "True");
                s.client.services().inNamespace(namespace).withName("backend").delete();
                s.awaitCondition(namespace, "ResolvedRefs", "False");
                s.awaitRequest(r -> r.verb().equals("patch") && r.resource().equals("events") && namespace.equals(r.namespace()));
            }
        });
        steps.put("a balancer deleted", s -> {
            s.client.resources(GrpcBalancer.class).inNamespace(s.namespaces.get(0)).withName("greeter").delete();
            s.awaitManagedServices(s.namespaces.size() - 1);
        });
        steps.put("a Gateway with a GRPCRoute in every watched namespace (with the Gateway API)", s -> {
            if (!s.settings.gatewayApi()) {
                return;
            }
            s.client.resource(GatewayObjects.ourClass()).create();
            for (String namespace : s.namespaces) {
                s.client.resource(GatewayObjects.gateway(namespace, "web",
                        GatewayObjects.listener("grpc", FreePorts.freeLoopbackPort(), null))).create();
                s.client.resource(GatewayObjects.route(namespace, "greeter", List.of(GatewayObjects.parent("web")),
                        List.of(), GatewayObjects.rule(null, null, GatewayObjects.backend("backend", 50051, 1)))).create();
            }
            Await.until(WAIT, () -> s.ourClassStatus("Accepted"), () -> "GatewayClass Accepted=True");
            for (String namespace : s.namespaces) {
                Await.until(WAIT, () -> s.gatewayStatus(namespace, "Programmed") && s.routeAccepted(namespace),
                        () -> namespace + "/web Programmed=True and its GRPCRoute Accepted=True");
            }
            s.awaitManagedServices(2 * s.namespaces.size() - 1);
        });
        steps.put("a Gateway deleted (with the Gateway API)", s -> {
            if (!s.settings.gatewayApi()) {
                return;
            }
            s.client.resources(Gateway.class).inNamespace(s.namespaces.get(0)).withName("web").delete();
            s.awaitManagedServices(2 * s.namespaces.size() - 2);
        });
        steps.put("the Lease renewed", s -> {
            if (s.settings.leaderElection()) {
                s.awaitRequest(r -> !r.verb().equals("get") && !r.verb().equals("create") && r.resource().equals("leases"));
            }
        });
        steps.put("the controller closed", s -> {
            s.controller.close();
            s.controller = null;
        });
        return Collections.unmodifiableMap(steps);
    }

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final ControllerSettings settings;
    private final List<String> namespaces;
    private final Map<String, Integer> ports = new HashMap<>();
    private final Set<ApiRequest> recorded = new LinkedHashSet<>();
    private BalancerController controller;

    private ControllerScenario(KubernetesMockServer server, KubernetesClient client, ControllerSettings settings) {
        this.server = server;
        this.client = client;
        this.settings = settings;
        this.namespaces = settings.allNamespaces() ? ANY_NAMESPACES : settings.namespaces().stream().sorted().toList();
        namespaces.forEach(ns -> ports.put(ns, FreePorts.freeLoopbackPort()));
    }

    /**
     * The controller settings of a {@code controller ...} command line, as the jar's own command line
     * parses it; the controller's namespace is {@code podNamespace} (the chart sets POD_NAMESPACE).
     */
    static ControllerSettings settings(List<String> args, String podNamespace) {
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args.toArray(String[]::new)).subcommand();
        requireNonNull(parsed, "not a subcommand: " + args);
        List<String> watched = parsed.matchedOptionValue("--namespace", List.of());
        Map<String, String> selector = new LinkedHashMap<>();
        String selectorText = parsed.matchedOptionValue("--pod-selector", "");
        for (String pair : selectorText.split(",")) {
            if (pair.contains("=")) {
                selector.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
        }
        ControllerSettings settings = ControllerSettings.defaults(podNamespace, "rbac-scenario")
                .withLeaderElection(parsed.matchedOptionValue("--leader-election", true),
                        parsed.matchedOptionValue("--lease-name", "grpc-balancer"),
                        new ControllerSettings.LeaseTimings(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(250)))
                .withPodSelector(selector)
                .withRecheck(Duration.ofMillis(500));
        settings = settings.withGatewayApi(parsed.matchedOptionValue("--gateway-api", true));
        if (parsed.matchedOptionValue("--all-namespaces", false)) {
            return settings.withAllNamespaces();
        }
        return settings.withNamespaces(watched.isEmpty() ? Set.of(podNamespace) : Set.copyOf(watched));
    }

    /** Runs every step with a controller of {@code settings}; returns what the controller asked for. */
    static Set<ApiRequest> run(ControllerSettings settings) throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of()), false);
        server.init();
        try (KubernetesClient client = server.createClient();
                KubernetesClient controllerClient = ApiClients.create(new ConfigBuilder(Config.empty())
                        .withMasterUrl(client.getMasterUrl().toString()).withTrustCerts(true)
                        .withNamespace(settings.controllerNamespace()).withUserAgent(USER_AGENT).build());
                DataPlane dataPlane = new DataPlane(ProxyFixture.settings())) {
            ControllerScenario scenario = new ControllerScenario(server, client, settings);
            if (settings.gatewayApi()) {
                GatewayApiCrds.install(client); // before the controller starts: it asks once, at start
            }
            scenario.controller = new BalancerController(controllerClient, settings, dataPlane, dataPlane,
                    Clock.systemUTC(), BalancerController.Observer.NONE);
            try {
                scenario.controller.start(WAIT);
                if (settings.leaderElection()) {
                    Await.until(WAIT, scenario.controller::isLeader, () -> "the only replica leads");
                }
                for (Map.Entry<String, Step> step : STEPS.entrySet()) {
                    try {
                        step.getValue().run(scenario);
                    } catch (AssertionError | RuntimeException e) {
                        throw new AssertionError("scenario step \"" + step.getKey() + "\" failed; requests so far: "
                                + scenario.drain(), e);
                    }
                }
            } finally {
                if (scenario.controller != null) {
                    scenario.controller.close();
                }
            }
            return scenario.drain();
        } finally {
            server.destroy();
        }
    }

    /** The controller's requests recorded so far. */
    private Set<ApiRequest> drain() throws InterruptedException {
        RecordedRequest request;
        while ((request = server.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
            if (USER_AGENT.equals(request.getHeader("User-Agent"))) {
                ApiRequest.of(request.getMethod(), request.getPath()).ifPresent(recorded::add);
            }
        }
        return new LinkedHashSet<>(recorded);
    }

    private void awaitRequest(Predicate<ApiRequest> wanted) {
        Await.until(WAIT, () -> {
            try {
                return drain().stream().anyMatch(wanted);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, () -> "a request the controller makes; recorded: " + recorded);
    }

    private void awaitCondition(String namespace, String type, String status) {
        awaitCondition(namespace, "greeter", type, status);
    }

    private void awaitCondition(String namespace, String name, String type, String status) {
        Await.until(WAIT, () -> {
            GrpcBalancer balancer = client.resources(GrpcBalancer.class).inNamespace(namespace).withName(name).get();
            List<Condition> conditions = balancer == null || balancer.getStatus() == null ? null
                    : balancer.getStatus().getConditions();
            return conditions != null && conditions.stream()
                    .anyMatch(c -> c.getType().equals(type) && c.getStatus().equals(status));
        }, () -> namespace + "/" + name + " " + type + "=" + status);
    }

    private boolean ourClassStatus(String type) {
        GatewayClass gatewayClass = client.resources(GatewayClass.class).withName(GatewayObjects.CLASS).get();
        return gatewayClass != null && gatewayClass.getStatus() != null && isTrue(gatewayClass.getStatus().getConditions(), type);
    }

    private boolean gatewayStatus(String namespace, String type) {
        Gateway gateway = client.resources(Gateway.class).inNamespace(namespace).withName("web").get();
        return gateway != null && gateway.getStatus() != null && isTrue(gateway.getStatus().getConditions(), type);
    }

    private boolean routeAccepted(String namespace) {
        GRPCRoute route = client.resources(GRPCRoute.class).inNamespace(namespace).withName("greeter").get();
        return route != null && route.getStatus() != null && route.getStatus().getParents() != null
                && route.getStatus().getParents().stream().anyMatch(p -> isTrue(p.getConditions(), "Accepted"));
    }

    private static boolean isTrue(List<Condition> conditions, String type) {
        return conditions != null && conditions.stream().anyMatch(c -> c.getType().equals(type) && c.getStatus().equals("True"));
    }

    private void awaitManagedServices(int count) {
        if (settings.podSelector().isEmpty()) {
            return;
        }
        Await.until(WAIT, () -> client.services().inNamespace(settings.controllerNamespace())
                        .withLabel("app.kubernetes.io/managed-by", "grpc-balancer").list().getItems().size() == count,
                () -> count + " managed Services in " + settings.controllerNamespace());
    }

    private void createBackend(String namespace) {
        createService(namespace);
        client.resource(new EndpointSliceBuilder()
                .withNewMetadata().withNamespace(namespace).withName("backend-1")
                    .withLabels(Map.of("kubernetes.io/service-name", "backend")).endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName("grpc").withPort(50051).withProtocol("TCP").endPort()
                .addNewEndpoint().withAddresses("10.0.0.1").withNewConditions().withReady(true).endConditions().endEndpoint()
                .build()).create();
    }

    private void createService(String namespace) {
        Service service = new ServiceBuilder()
                .withNewMetadata().withNamespace(namespace).withName("backend").endMetadata()
                .withNewSpec()
                    .addNewPort().withName("grpc").withPort(50051).withProtocol("TCP")
                        .withTargetPort(new IntOrString("grpc")).endPort()
                .endSpec()
                .build();
        client.resource(service).create();
    }

    private void createBalancer(String namespace, int port) {
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setNamespace(namespace);
        balancer.getMetadata().setName("greeter");
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(port);
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setBackendRef(new BackendRef("backend", 50051));
        balancer.setSpec(spec);
        client.resource(balancer).create();
    }

    /**
     * A balancer with TLS everywhere: its listener serves Secret {@code secure-tls} and asks
     * clients for certificates of ConfigMap {@code ca}; to its backends it verifies them against
     * the same ConfigMap and shows Secret {@code balancer-client-tls}.
     */
    private void createSecureBalancer(String namespace, int port) {
        ClientValidationSpec clients = new ClientValidationSpec();
        clients.setCaCertificateRefs(List.of(new CertificateRef(CertificateRef.CONFIG_MAP, "ca")));
        ListenerTlsSpec tls = new ListenerTlsSpec();
        tls.setCertificateRefs(List.of(new CertificateRef(null, "secure-tls")));
        tls.setClientValidation(clients);
        ListenerSpec listener = new ListenerSpec();
        listener.setPort(port);
        listener.setTls(tls);
        BackendTlsSpec backendTls = new BackendTlsSpec();
        backendTls.setCaCertificateRefs(List.of(new CertificateRef(CertificateRef.CONFIG_MAP, "ca")));
        backendTls.setHostname("backend." + namespace + ".svc");
        backendTls.setClientCertificateRef(new CertificateRef(CertificateRef.SECRET, "balancer-client-tls"));
        GrpcBalancerSpec spec = new GrpcBalancerSpec();
        spec.setListener(listener);
        spec.setBackendRef(new BackendRef("backend", 50051));
        spec.setBackendTLS(backendTls);
        GrpcBalancer balancer = new GrpcBalancer();
        balancer.getMetadata().setNamespace(namespace);
        balancer.getMetadata().setName(SECURE);
        balancer.setSpec(spec);
        client.resource(balancer).create();
    }

    /** A kubernetes.io/tls Secret as cert-manager writes it. */
    private static Secret tlsSecret(String namespace, String name, String certificate, String key) {
        Base64.Encoder base64 = Base64.getEncoder();
        return new SecretBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withType("kubernetes.io/tls")
                .withData(Map.of("tls.crt", base64.encodeToString(certificate.getBytes(StandardCharsets.US_ASCII)),
                        "tls.key", base64.encodeToString(key.getBytes(StandardCharsets.US_ASCII))))
                .build();
    }
}
