package dev.grpcbalancer.e2e;

import com.github.dockerjava.api.DockerClient;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * One k3s node in Docker (testcontainers) with a fabric8 client, {@link Kubectl} on it, and a
 * kubeconfig file for tools (helm). Pod IPs are not reachable from the test JVM: what must talk to
 * pods runs in a pod.
 */
final class K3sCluster implements AutoCloseable {

    /** k3s 1.31: native gRPC probes and the preStop {@code sleep} action are on by default. */
    static final String DEFAULT_IMAGE = "rancher/k3s:v1.31.5-k3s1";

    private final K3sContainer container;
    private final KubernetesClient client;
    private final Kubectl kubectl;
    private final Path kubeconfig;

    private K3sCluster(K3sContainer container, KubernetesClient client, Path kubeconfig) {
        this.container = container;
        this.client = client;
        this.kubectl = new Kubectl(client);
        this.kubeconfig = kubeconfig;
    }

    /** Starts k3s ({@code -De2e.k3s.image=...} picks another image) and writes its kubeconfig into {@code directory}. */
    static K3sCluster start(Path directory) throws IOException {
        K3sContainer container = new K3sContainer(DockerImageName.parse(System.getProperty("e2e.k3s.image", DEFAULT_IMAGE)));
        container.start();
        String yaml = container.getKubeConfigYaml();
        Path kubeconfig = Files.writeString(directory.resolve("kubeconfig.yaml"), yaml);
        KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(yaml)).build();
        return new K3sCluster(container, client, kubeconfig);
    }

    KubernetesClient client() {
        return client;
    }

    Kubectl kubectl() {
        return kubectl;
    }

    /** A kubeconfig file for tools on this machine (helm, kubectl). */
    Path kubeconfig() {
        return kubeconfig;
    }

    /**
     * Makes a local Docker image usable by pods with {@code imagePullPolicy: Never}: {@code docker
     * save}, copied into the node, {@code ctr images import} into containerd's k8s.io namespace.
     */
    void importImage(String image, Path directory) throws IOException, InterruptedException {
        Path tar = directory.resolve("image.tar");
        DockerClient docker = DockerClientFactory.instance().client();
        try (InputStream saved = docker.saveImageCmd(image).exec()) {
            Files.copy(saved, tar, StandardCopyOption.REPLACE_EXISTING);
        }
        String inNode = "/tmp/grpc-balancer-image.tar";
        container.copyFileToContainer(MountableFile.forHostPath(tar), inNode);
        exec("ctr", "-n", "k8s.io", "images", "import", inNode);
        String images = exec("ctr", "-n", "k8s.io", "images", "ls", "-q");
        if (images.lines().noneMatch(line -> line.equals(image) || line.equals("docker.io/" + image))) {
            throw new AssertionError("image " + image + " not in k3s after import; k3s has:\n" + images);
        }
        Files.delete(tar);
    }

    private String exec(String... command) throws IOException, InterruptedException {
        ExecResult result = container.execInContainer(StandardCharsets.UTF_8, command);
        if (result.getExitCode() != 0) {
            throw new IOException(String.join(" ", command) + " exited with " + result.getExitCode() + ": " + result.getStderr());
        }
        return result.getStdout();
    }

    @Override
    public void close() {
        client.close();
        container.stop();
    }
}
