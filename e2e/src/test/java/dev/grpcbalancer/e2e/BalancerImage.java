package dev.grpcbalancer.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * Builds the grpc-balancer image from {@code src/main/docker/Dockerfile} with the Docker engine
 * testcontainers found. The build context is the repository root reduced to what the Dockerfile
 * uses: {@code target/grpc-balancer.jar} (so {@code mvn package} must have run; failsafe runs
 * after it) and {@code src/main/docker/}.
 */
final class BalancerImage {

    /** The name the chart deploys by default (its appVersion), so the chart needs only pullPolicy=Never. */
    static final String REPOSITORY = "ghcr.io/grpcbalancer/grpc-balancer";
    static final String TAG = "0.1.0";
    static final String NAME = REPOSITORY + ":" + TAG;

    private BalancerImage() {
    }

    /** Builds (or rebuilds) {@link #NAME}; kept after the tests so a rerun reuses its layers. */
    @SuppressWarnings("deprecation") // withDockerfilePath names the file inside the context, which is what we send
    static String build(Path projectRoot) {
        Path jar = projectRoot.resolve("target/grpc-balancer.jar");
        Path docker = projectRoot.resolve("src/main/docker");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run `mvn package` first (or `mvn verify`, which runs it)");
        }
        if (!Files.isRegularFile(docker.resolve("Dockerfile"))) {
            throw new IllegalStateException(docker.resolve("Dockerfile") + " is missing");
        }
        return new ImageFromDockerfile(NAME, false)
                .withFileFromPath("target/grpc-balancer.jar", jar)
                .withFileFromPath("src/main/docker", docker)
                .withDockerfilePath("src/main/docker/Dockerfile")
                .get();
    }
}
