package dev.grpcbalancer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A target directory's {@code balancer.jvm}: how that balancer's JVM runs, so that one run can
 * measure several collectors, JDKs or builds side by side ({@code --targets
 * balancer@src/bench/peers-gc/zgc-25,balancer@src/bench/peers-gc/parallel,haproxy}). Lines:
 * {@code # comment}; {@code java PATH} (a java binary or a JDK's home, replacing
 * {@code --balancer-java}); {@code jar PATH} (the balancer jar, replacing {@code --jar}: a build
 * before a change against the one after it); anything else is JVM options, space separated, added
 * after {@code --balancer-jvm-opts} (so they win where both set the same flag). No file: nothing
 * changes.
 */
record JvmFile(Optional<Path> java, Optional<Path> jar, List<String> options) {

    static JvmFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return new JvmFile(Optional.empty(), Optional.empty(), List.of());
        }
        Optional<Path> java = Optional.empty();
        Optional<Path> jar = Optional.empty();
        List<String> options = new ArrayList<>();
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("java ")) {
                try {
                    java = Optional.of(BenchOptions.java(line.substring("java ".length()).strip()));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ": " + e.getMessage(), e);
                }
                continue;
            }
            if (line.startsWith("jar ")) {
                jar = Optional.of(Path.of(line.substring("jar ".length()).strip()));
                continue;
            }
            options.addAll(Arrays.asList(line.split("\\s+")));
        }
        return new JvmFile(java, jar, List.copyOf(options));
    }
}
