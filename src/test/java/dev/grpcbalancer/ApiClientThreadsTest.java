package dev.grpcbalancer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.ApiClients;
import dev.grpcbalancer.testing.Await;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Which threads the controller's Kubernetes client ({@link ApiClients}) runs its work on: its own
 * bounded pool for callbacks, and no new thread per API response on a 2-CPU JVM.
 */
@EnableKubernetesMockClient(crud = true)
class ApiClientThreadsTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final int REQUESTS = 100;

    KubernetesClient client;

    @Test
    void informerCallbacksRunOnTheClientsOwnNamedThreadsWhichEndWithTheClient() throws Exception {
        Set<Thread> callbackThreads = ConcurrentHashMap.newKeySet();
        Set<String> added = ConcurrentHashMap.newKeySet();
        try (KubernetesClient apiClient = ApiClients.create(client.getConfiguration())) {
            SharedIndexInformer<ConfigMap> informer = apiClient.configMaps().inNamespace("shop")
                    .inform(new ResourceEventHandler<>() {
                        @Override
                        public void onAdd(ConfigMap object) {
                            callbackThreads.add(Thread.currentThread());
                            added.add(object.getMetadata().getName());
                        }

                        @Override
                        public void onUpdate(ConfigMap oldObject, ConfigMap newObject) {
                        }

                        @Override
                        public void onDelete(ConfigMap object, boolean deletedFinalStateUnknown) {
                        }
                    });
            for (int i = 0; i < 20; i++) {
                client.resource(configMap("c" + i)).create();
            }
            Await.until(WAIT, () -> added.size() == 20, () -> "callbacks for 20 ConfigMaps; got " + added);
            informer.close();
        }

        assertThat(callbackThreads).isNotEmpty().hasSizeLessThanOrEqualTo(4)
                .allSatisfy(thread -> assertThat(thread.getName()).startsWith(ApiClients.THREAD_PREFIX));
        for (Thread thread : callbackThreads) {
            thread.join(WAIT.toMillis());
            assertThat(thread.isAlive()).as("%s after the client closed", thread.getName()).isFalse();
        }
    }

    @Test
    void onTwoCpusApiResponsesStartNoThreadEachOnceMainSetUpTheJvm() throws Exception {
        assertThat(threadsStartedByRequests("-Dprobe.setup=main"))
                .as("threads started during %d requests, the JVM set up as Main does", REQUESTS)
                .isLessThan(10);
        // The cause, shown: with one common pool worker (as the JVM picks on 2 CPUs) each response starts one.
        assertThat(threadsStartedByRequests("-D" + Main.COMMON_POOL_PARALLELISM + "=1"))
                .as("threads started during %d requests, common pool parallelism 1", REQUESTS)
                .isGreaterThanOrEqualTo(REQUESTS);
    }

    /** Runs {@link Requests} in a child JVM that sees 2 CPUs; the threads it started during its requests. */
    private static long threadsStartedByRequests(String option) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ActiveProcessorCount=2", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", option,
                "-cp", System.getProperty("java.class.path"), Requests.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                output.add(line);
            }
        } finally {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        assertThat(process.exitValue()).as("%s exited; output:%n%s", command, String.join("\n", output)).isZero();
        return output.stream().filter(line -> line.startsWith(Requests.RESULT)).findFirst()
                .map(line -> Long.parseLong(line.substring(Requests.RESULT.length()).trim()))
                .orElseThrow(() -> new AssertionError("no result in:\n" + String.join("\n", output)));
    }

    /** The child: a CRUD mock API server, {@value #REQUESTS} GETs through an {@link ApiClients} client. */
    static final class Requests {

        static final String RESULT = "threads started: ";
        /** Held: java.util.logging keeps loggers weakly, and a collected one loses its level. */
        private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

        public static void main(String[] args) throws Exception {
            if ("main".equals(System.getProperty("probe.setup"))) {
                Main.commonPoolOfTwoUnlessAsked();
            }
            MOCK_SERVER_LOG.setLevel(Level.WARNING);
            KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                    new KubernetesCrudDispatcher(List.of()), false);
            server.init();
            try (KubernetesClient client = ApiClients.create(server.createClient().getConfiguration())) {
                client.resource(configMap("probe")).create();
                for (int i = 0; i < 10; i++) { // connections, pools and classes: not what is counted
                    client.configMaps().inNamespace("shop").withName("probe").get();
                }
                long before = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
                for (int i = 0; i < REQUESTS; i++) {
                    client.configMaps().inNamespace("shop").withName("probe").get();
                }
                long started = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount() - before;
                System.out.println(RESULT + started);
            } finally {
                server.destroy();
            }
        }
    }

    private static ConfigMap configMap(String name) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace("shop").withName(name).endMetadata()
                .addToData("k", "v").build();
    }
}
