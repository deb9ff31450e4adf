package dev.grpcbalancer;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package rules of ARCHITECTURE.md ("Packages and the direction of dependencies"), checked on
 * the production classes. Each rule allows an empty package so it can exist before its package
 * does; it still fails as soon as one class breaks it.
 *
 * <p>"JDK" means {@code java..}; the data plane also gets {@code javax..} (TLS lives in
 * {@code javax.net.ssl}).
 */
@AnalyzeClasses(packages = "dev.grpcbalancer", importOptions = ImportOption.DoNotIncludeTests.class)
final class ArchitectureTest {

    private static final String BASE = "dev.grpcbalancer";
    private static final String SNAPSHOT = "dev.grpcbalancer.snapshot..";
    private static final String LB = "dev.grpcbalancer.lb..";
    private static final String DATAPLANE = "dev.grpcbalancer.dataplane..";
    /** The data plane's own package only: listeners, connection acceptance, health checks. */
    private static final String DATAPLANE_LISTENERS = "dev.grpcbalancer.dataplane";
    private static final String DATAPLANE_CALL = "dev.grpcbalancer.dataplane.call..";
    private static final String DATAPLANE_UPSTREAM = "dev.grpcbalancer.dataplane.upstream..";
    private static final String DATAPLANE_HTTP2 = "dev.grpcbalancer.dataplane.http2..";
    private static final String DATAPLANE_ROUTE = "dev.grpcbalancer.dataplane.route..";
    private static final String DATAPLANE_TLS = "dev.grpcbalancer.dataplane.tls..";
    private static final String CONTROLLER = "dev.grpcbalancer.controller..";
    private static final String CRD = "dev.grpcbalancer.controller.crd..";
    private static final String TRANSLATE = "dev.grpcbalancer.controller.translate..";
    private static final String STANDALONE = "dev.grpcbalancer.standalone..";
    private static final String METRICS = "dev.grpcbalancer.metrics..";
    private static final String ADMIN = "dev.grpcbalancer.admin..";
    private static final String DEMO = "dev.grpcbalancer.demo..";

    private static final String JDK = "java..";
    private static final String JDK_EXTENSIONS = "javax..";
    private static final String NETTY = "io.netty..";
    private static final String SLF4J = "org.slf4j..";
    private static final String JACKSON = "com.fasterxml.jackson..";
    private static final String FABRIC8 = "io.fabric8..";
    /** The Kubernetes model classes (ObjectMeta, EndpointSlice, ...) that the CRD types expose. */
    private static final String FABRIC8_MODEL = "io.fabric8.kubernetes.api.model..";
    private static final String GRPC_JAVA = "io.grpc..";
    private static final String MICROMETER = "io.micrometer..";
    /** RE2 regular expressions: route matches are compiled by the data plane and checked by translation. */
    private static final String RE2J = "com.google.re2j..";

    @ArchTest
    static final ArchRule snapshotDependsOnTheJdkOnly = classes()
            .that().resideInAPackage(SNAPSHOT)
            .should().onlyDependOnClassesThat().resideInAnyPackage(SNAPSHOT, JDK)
            .because("the routing snapshot is plain immutable data shared by every part")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule lbDependsOnSnapshotAndTheJdkOnly = classes()
            .that().resideInAPackage(LB)
            .should().onlyDependOnClassesThat().resideInAnyPackage(LB, SNAPSHOT, JDK)
            .because("load-balancing policies are pure and must not see Netty")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule dataplaneUsesOnlySnapshotLbMetricsNettyAndSlf4j = classes()
            .that().resideInAPackage(DATAPLANE)
            .should().onlyDependOnClassesThat()
            .resideInAnyPackage(DATAPLANE, SNAPSHOT, LB, METRICS, NETTY, SLF4J, JDK, JDK_EXTENSIONS, RE2J)
            .because("the data plane never sees a fabric8 type, the controller or the standalone source")
            .allowEmptyShould(true);

    /**
     * Inside the data plane: HTTP/2 connections and streams at the bottom, the upstream pools on
     * them, the call engine on both, the listeners (and what else accepts or manages connections)
     * on top; the route table beside them, read only by the listeners (a call is handed the route
     * it was matched to); TLS (contexts and handshakes) beside them too, reaching none of them. Nothing below reaches up: the pool cannot call into a call's internals,
     * and the call engine knows nothing of listeners, so routing and new listener kinds change one
     * layer.
     */
    @ArchTest
    static final ArchRule dataplaneLayersDependOnlyDownward = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .withOptionalLayers(true)
            .layer("listeners").definedBy(DATAPLANE_LISTENERS)
            .layer("call engine").definedBy(DATAPLANE_CALL)
            .layer("upstream").definedBy(DATAPLANE_UPSTREAM)
            .layer("http2").definedBy(DATAPLANE_HTTP2)
            .layer("routing").definedBy(DATAPLANE_ROUTE)
            .layer("tls").definedBy(DATAPLANE_TLS)
            .whereLayer("listeners").mayNotBeAccessedByAnyLayer()
            .whereLayer("call engine").mayOnlyBeAccessedByLayers("listeners")
            .whereLayer("upstream").mayOnlyBeAccessedByLayers("call engine", "listeners")
            .whereLayer("http2").mayOnlyBeAccessedByLayers("upstream", "call engine", "listeners")
            .whereLayer("routing").mayOnlyBeAccessedByLayers("listeners")
            .whereLayer("tls").mayOnlyBeAccessedByLayers("upstream", "call engine", "listeners")
            .because("the data plane is layered http2 <- upstream <- call engine <- listeners,"
                    + " and the route table (pure lookup) is the listeners' alone; TLS contexts and handshakes sit"
                    + " beside them, used by the listeners, the call engine and the upstream pools");

    @ArchTest
    static final ArchRule controllerNeverSeesNettyOrTheDataplane = noClasses()
            .that().resideInAPackage(CONTROLLER)
            .should().dependOnClassesThat().resideInAnyPackage(NETTY, DATAPLANE)
            .because("the controller talks to the data plane only through SnapshotSink")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule controllerNeverSeesMicrometer = noClasses()
            .that().resideInAPackage(CONTROLLER)
            .should().dependOnClassesThat().resideInAnyPackage(MICROMETER, METRICS)
            .because("the controller reports through its Observer; the base package binds that to meters"
                    + " (ControllerMeters), so the controller runs and tests without a meter registry")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule translateIsAPureFunctionOfCrdAndModelTypes = classes()
            .that().resideInAPackage(TRANSLATE)
            .should().onlyDependOnClassesThat().resideInAnyPackage(TRANSLATE, CRD, SNAPSHOT, FABRIC8_MODEL, JDK, RE2J)
            .because("translation is a pure function testable with plain objects: no client, no I/O")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule standaloneUsesOnlySnapshotCrdTranslateAndJackson = classes()
            .that().resideInAPackage(STANDALONE)
            .should().onlyDependOnClassesThat()
            .resideInAnyPackage(STANDALONE, SNAPSHOT, CRD, TRANSLATE, FABRIC8_MODEL, JACKSON, SLF4J, JDK)
            .because("standalone mode reuses the CRD types and the translation, never Netty or the data plane")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule metricsAndAdminNeverSeeKubernetesOrTheDataplane = noClasses()
            .that().resideInAnyPackage(METRICS, ADMIN)
            .should().dependOnClassesThat().resideInAnyPackage(FABRIC8, CONTROLLER, DATAPLANE)
            .because("metrics and admin are leaves that the composition root wires in")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule grpcJavaOnlyInTheDemo = noClasses()
            .that().resideOutsideOfPackage(DEMO)
            .should().dependOnClassesThat().resideInAPackage(GRPC_JAVA)
            .because("grpc-java is for the demo's real clients and backends; the proxy speaks HTTP/2 itself")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule onlyTheBasePackageUsesTheCompositionRoot = noClasses()
            .that().resideOutsideOfPackage(BASE)
            .should().dependOnClassesThat().resideInAPackage(BASE)
            .because("Main (the base package) wires everything together and nothing depends on it")
            .allowEmptyShould(true);

    @ArchTest
    static final ArchRule noCatchAllPackages = noClasses()
            .should().resideInAnyPackage("..util..", "..utils..", "..common..", "..commons..")
            .because("code lives in the package of the concern it serves")
            .allowEmptyShould(true);
}
