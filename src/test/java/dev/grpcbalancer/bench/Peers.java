package dev.grpcbalancer.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Starts and stops the proxies under test as child processes (grpc-balancer, HAProxy, nginx),
 * each listening on 127.0.0.1 and forwarding to the bench backends, with configs generated from
 * the templates in {@code src/bench/peers} into a private temp directory. Every child is killed,
 * with its descendants, on {@link #stop}, on {@link #close} and from a JVM shutdown hook; where
 * util-linux {@code setpriv} exists children also get {@code PR_SET_PDEATHSIG=KILL}, so they die
 * with this JVM even if it is SIGKILLed (nginx workers excepted: only the master gets it; for
 * them {@code run.sh} kills the JVM's process group on the way out).
 */
final class Peers implements AutoCloseable {

    /**
     * A running proxy: where clients connect (h2c; TLS on {@code tlsPort}, 0 when its template has
     * no TLS listener; TLS on {@code tlsBackendsPort} to the TLS backends, 0 when its template has
     * no such listener), how it was set up, and the java running it (null: not a JVM).
     */
    record Peer(String name, int port, Process process, String settings, Path log, int tlsPort, int tlsBackendsPort,
            Path java) {}

    /** The backends' ports: h2c ones, and the TLS ones (for the {@code {{TLS_SERVERS}}} of the templates). */
    record Backends(List<Integer> plain, List<Integer> tls) {}

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path templates;
    private final int threads;
    private final Path dir;
    private final BenchCertificates certificates;
    private final List<Process> running = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Integer> instances = new java.util.concurrent.ConcurrentHashMap<>();
    private final Thread hook = new Thread(() -> {
        killAll();
        deleteDirUnlessKept();
    }, "peers-shutdown");
    private volatile boolean keepDir;

    Peers(Path templates, int threads) throws IOException {
        this.templates = templates;
        this.threads = threads;
        this.dir = Files.createTempDirectory("grpc-bench-peers-");
        this.certificates = BenchCertificates.write(dir.resolve("tls"));
        Runtime.getRuntime().addShutdownHook(hook);
    }

    Path dir() {
        return dir;
    }

    /** The certificate every proxy serves on its TLS port, which the bench client trusts. */
    BenchCertificates certificates() {
        return certificates;
    }

    /** Keep the configs and logs after {@link #close} (something failed: they explain what). */
    void keepDir() {
        keepDir = true;
    }

    /** HAProxy with the templates of {@code --peer-templates}. */
    Peer startHaproxy(List<Integer> backends) throws IOException, InterruptedException {
        return startHaproxy(templates, new Backends(backends, List.of()));
    }

    /** HAProxy with the config template of {@code templateDir} (a target given as {@code haproxy@DIR}). */
    Peer startHaproxy(Path templateDir, Backends backends) throws IOException, InterruptedException {
        Ports ports = Ports.free();
        String instance = instance("haproxy");
        String servers = numbered(backends.plain(), (i, p) -> "    server b" + i + " 127.0.0.1:" + p);
        String tlsServers = numbered(backends.tls(), (i, p) -> "    server t" + i + " 127.0.0.1:" + p);
        Path template = templateDir.resolve("haproxy.cfg.tmpl");
        Path cfg = render(template, instance + ".cfg", ports, servers, tlsServers);
        Process p = launch(instance, List.of("haproxy", "-db", "-f", cfg.toString()));
        awaitListening(p, ports.port(), "haproxy");
        ports = awaitTlsListening(p, template, ports, "haproxy");
        return new Peer("haproxy", ports.port(), p, summarize(cfg, List.of("nbthread", "tune.", "mode", "timeout",
                "http-reuse", "bind", "balance", "default-server", "use_backend")), log(instance), ports.tls(),
                ports.tlsBackends(), null);
    }

    Peer startNginx(List<Integer> backends) throws IOException, InterruptedException {
        return startNginx(new Backends(backends, List.of()));
    }

    Peer startNginx(Backends backends) throws IOException, InterruptedException {
        Ports ports = Ports.free();
        String servers = numbered(backends.plain(), (i, p) -> "        server 127.0.0.1:" + p + ";");
        String tlsServers = numbered(backends.tls(), (i, p) -> "        server 127.0.0.1:" + p + ";");
        Path template = templates.resolve("nginx.conf.tmpl");
        Path cfg = render(template, "nginx.conf", ports, servers, tlsServers);
        Process p = launch("nginx", List.of("nginx", "-p", dir.toString(), "-c", cfg.toString(),
                "-e", dir.resolve("nginx-error.log").toString()));
        awaitListening(p, ports.port(), "nginx");
        ports = awaitTlsListening(p, template, ports, "nginx");
        return new Peer("nginx", ports.port(), p, summarize(cfg, List.of("worker_processes", "keepalive", "http2_",
                "listen", "grpc_", "server 127", "ssl_")), log("nginx"), ports.tls(), ports.tlsBackends(), null);
    }

    /**
     * The balancer JVM, with the template's {@code loadBalancing} or, for a {@code policy}, that
     * policy (ConsistentHash hashes {@code x-bench-key}): {@code java [jvmOpts] -jar JAR run --config
     * YAML --admin-port N}, plus
     * {@code --io-threads}, {@code --bind-address 127.0.0.1} and {@code --admin-address 127.0.0.1}
     * when its {@code run --help} lists them (the stable contract has only --config and
     * --admin-port), and {@code -Dio.netty.eventLoopThreads} for Netty's default group size.
     */
    Peer startBalancer(Path jar, List<Integer> backends, List<String> jvmOpts) throws IOException, InterruptedException {
        return startBalancer("balancer", templates, jar, new Backends(backends, List.of()), jvmOpts, defaultJava(),
                List.of());
    }

    /** The bench JVM's own java binary. */
    static Path defaultJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /**
     * A balancer JVM named {@code name} (its config, log and report rows use the name) with the
     * config template of {@code templateDir} (a target given as {@code balancer@DIR}; the
     * --peer-templates one when DIR has none), run by the java binary {@code javaBinary} with
     * {@code jvmOpts}, then the options of DIR's {@code balancer.jvm} if there is one (see
     * {@link JvmFile}), with {@code extraArgs} after the others, e.g. {@code --tls-provider jdk};
     * each balancer started gets its own config file (a balancer reloads its file when it changes).
     * A {@code balancer:<Policy>} name replaces the template's {@code loadBalancing} line with that
     * policy.
     */
    Peer startBalancer(String name, Path templateDir, Path jar, Backends backends, List<String> jvmOpts,
            Path javaBinary, List<String> extraArgs) throws IOException, InterruptedException {
        JvmFile jvmFile = JvmFile.read(templateDir.resolve("balancer.jvm"));
        javaBinary = jvmFile.java().orElse(javaBinary);
        jar = jvmFile.jar().orElse(jar);
        if (!Files.isRegularFile(jar)) {
            throw new IOException("balancer jar not found: " + jar + " (run mvn -DskipTests package)");
        }
        Ports ports = Ports.free();
        int admin = freePort();
        String instance = instance(name);
        Path template = (Files.isRegularFile(templateDir.resolve("balancer.yaml.tmpl")) ? templateDir : this.templates)
                .resolve("balancer.yaml.tmpl");
        Path cfg = render(template, instance + ".yaml", ports, yamlList(backends.plain()), yamlList(backends.tls()));
        String policy = BenchOptions.policyOf(name);
        if (policy != null) {
            cfg = withPolicy(cfg, policy);
        }
        String java = javaBinary.toString();
        String help = output(List.of(java, "-jar", jar.toString(), "run", "--help"));
        List<String> jvm = new ArrayList<>(List.of("-Dio.netty.eventLoopThreads=" + threads));
        jvm.addAll(jvmOpts);
        jvm.addAll(jvmFile.options());
        List<String> args = new ArrayList<>(List.of("run", "--config", cfg.toString(), "--admin-port", String.valueOf(admin)));
        if (help.contains("--io-threads")) {
            args.addAll(List.of("--io-threads", String.valueOf(threads)));
        }
        if (help.contains("--bind-address")) {
            args.addAll(List.of("--bind-address", "127.0.0.1"));
        }
        if (help.contains("--admin-address")) {
            args.addAll(List.of("--admin-address", "127.0.0.1"));
        }
        args.addAll(extraArgs);
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-jar", jar.toString()));
        cmd.addAll(args);
        Process p = launch(instance, cmd);
        awaitReadyz(p, admin);
        awaitListening(p, ports.port(), name);
        ports = awaitTlsListening(p, template, ports, name);
        String shownJava = javaBinary.equals(defaultJava()) ? "java" : java;
        return new Peer(name, ports.port(), p, shownJava + " " + String.join(" ", jvm) + " -jar " + jar.getFileName() + " "
                + String.join(" ", args).replace(cfg.toString(), cfg.getFileName().toString()) + "; "
                + summarize(cfg, List.of("loadBalancing", "hedging", "retry")) + routes(cfg), log(instance), ports.tls(),
                ports.tlsBackends(), javaBinary);
    }

    /** The rendered balancer config with its {@code loadBalancing} line set to {@code policy}. */
    private static Path withPolicy(Path cfg, String policy) throws IOException {
        String loadBalancing = policy.equals("ConsistentHash")
                ? "{policy: ConsistentHash, consistentHash: {header: x-bench-key}}"
                : "{policy: " + policy + "}";
        List<String> lines = Files.readAllLines(cfg);
        boolean replaced = false;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).stripLeading().startsWith("loadBalancing:")) {
                String indent = lines.get(i).substring(0, lines.get(i).indexOf('l'));
                lines.set(i, indent + "loadBalancing: " + loadBalancing);
                replaced = true;
            }
        }
        if (!replaced) {
            throw new IOException(cfg + ": the balancer template has no one-line loadBalancing: to set policy " + policy);
        }
        Files.write(cfg, lines);
        return cfg;
    }

    void stop(Peer peer) throws InterruptedException {
        kill(peer.process());
        running.remove(peer.process());
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
        deleteDirUnlessKept();
    }

    private void deleteDirUnlessKept() {
        if (!keepDir) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // leave it
            }
        }
    }

    /** The last lines of a peer's combined stdout/stderr (and nginx's error log). */
    String tail(String name, int lines) {
        StringBuilder sb = new StringBuilder();
        for (Path p : List.of(log(name), dir.resolve(name + "-error.log"))) {
            try {
                if (Files.exists(p)) {
                    List<String> all = Files.readAllLines(p, StandardCharsets.UTF_8);
                    all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> sb.append("    | ").append(l).append('\n'));
                }
            } catch (IOException e) {
                sb.append("    | (cannot read ").append(p).append(": ").append(e).append(")\n");
            }
        }
        return sb.toString();
    }

    static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }

    /** First line of a command's combined output, or a note why there is none. */
    static String firstLine(String... cmd) {
        String out = output(List.of(cmd)).trim();
        return out.isEmpty() ? "(no output)" : out.lines().findFirst().orElse("");
    }

    /** Combined stdout/stderr of a short command (killed after 30 s), or a note why there is none. */
    static String output(List<String> cmd) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("grpc-bench-cmd-", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            return Files.readString(tmp, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(not available: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        } finally {
            if (tmp != null) {
                tmp.toFile().delete();
            }
        }
    }

    /**
     * The directives of a generated config that start with one of {@code prefixes}, in file order
     * (comments dropped, the first match of each server-line prefix only), so the report shows
     * what actually ran even after someone edits a template.
     */
    private static String summarize(Path cfg, List<String> prefixes) throws IOException {
        List<String> picked = new ArrayList<>();
        Map<String, Integer> repeats = new java.util.LinkedHashMap<>();
        String lastRepeat = null;
        for (String raw : Files.readAllLines(cfg)) {
            String line = raw.strip().replaceAll(";$", "").replaceAll("\\s+", " ");
            for (String prefix : prefixes) {
                if (!line.startsWith("#") && line.startsWith(prefix)) {
                    boolean server = prefix.startsWith("server");
                    if (server && picked.stream().anyMatch(l -> l.startsWith(prefix))) {
                        break;
                    }
                    if (picked.contains(line)) {
                        break; // the same directive again (another backend section): once is enough
                    }
                    if (picked.stream().anyMatch(l -> l.startsWith(prefix)) && prefix.startsWith("use_backend")) {
                        repeats.merge(prefix, 1, Integer::sum); // routing rules: the first, a count and the last
                        lastRepeat = line;
                        break;
                    }
                    picked.add(server ? line + " (one per backend)" : line);
                    break;
                }
            }
        }
        if (lastRepeat != null) {
            picked.add("... " + repeats.values().iterator().next() + " more use_backend rules, the last: " + lastRepeat);
        }
        return String.join(", ", picked);
    }

    private Path log(String name) {
        return dir.resolve(name + ".out");
    }

    /** {@code name}, then {@code name-2}, {@code name-3}... for further peers of the same kind. */
    private String instance(String name) {
        int n = instances.merge(name, 1, Integer::sum);
        return n == 1 ? name : name + "-" + n;
    }

    /** ", N rules" when the balancer config has rules. */
    private static String routes(Path cfg) throws IOException {
        long rules = Files.readAllLines(cfg).stream().filter(l -> l.strip().startsWith("- name:")).count();
        return rules == 0 ? "" : ", " + rules + " rules";
    }

    /** The ports a peer listens on: h2c, TLS, TLS to the TLS backends (0: not in its template). */
    private record Ports(int port, int tls, int tlsBackends) {
        static Ports free() throws IOException {
            return new Ports(freePort(), freePort(), freePort());
        }
    }

    /**
     * {@code ports} once the TLS listeners are up, with 0 for those {@code template} does not have
     * ({{TLS_PORT}}, {{TLS_BACKENDS_PORT}}).
     */
    private Ports awaitTlsListening(Process p, Path template, Ports ports, String name)
            throws IOException, InterruptedException {
        String text = Files.readString(template);
        int tls = 0;
        int tlsBackends = 0;
        if (text.contains("{{TLS_PORT}}")) {
            awaitListening(p, ports.tls(), name + " (TLS)");
            tls = ports.tls();
        }
        if (text.contains("{{TLS_BACKENDS_PORT}}")) {
            awaitListening(p, ports.tlsBackends(), name + " (TLS to the TLS backends)");
            tlsBackends = ports.tlsBackends();
        }
        return new Ports(ports.port(), tls, tlsBackends);
    }

    private static String yamlList(List<Integer> ports) {
        return ports.stream().map(p -> "\"127.0.0.1:" + p + "\"").collect(Collectors.joining(", ", "[", "]"));
    }

    private Path render(Path t, String out, Ports ports, String servers, String tlsServers) throws IOException {
        if (!Files.isRegularFile(t)) {
            throw new IOException("peer config template not found: " + t.toAbsolutePath() + " (see --peer-templates)");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        String text = Files.readString(t)
                .replace("{{PORT}}", String.valueOf(ports.port()))
                .replace("{{TLS_PORT}}", String.valueOf(ports.tls()))
                .replace("{{TLS_BACKENDS_PORT}}", String.valueOf(ports.tlsBackends()))
                .replace("{{TLS_SERVERS}}", tlsServers)
                .replace("{{THREADS}}", String.valueOf(threads))
                .replace("{{DIR}}", dir.toString())
                .replace("{{USER}}", root ? "user root;" : "# not root: no user directive")
                .replace("{{SERVERS}}", servers);
        Path target = dir.resolve(out);
        Files.writeString(target, text);
        return target;
    }

    /** {@code cmd} run so that it gets SIGKILL when this JVM dies (util-linux setpriv execs it: same pid). */
    static List<String> dyingWithThisJvm(List<String> cmd) {
        List<String> full = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
            full.addAll(List.of("/usr/bin/setpriv", "--pdeathsig", "KILL", "--"));
        }
        full.addAll(cmd);
        return full;
    }

    private Process launch(String name, List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(dyingWithThisJvm(cmd)).redirectErrorStream(true).redirectOutput(log(name).toFile())
                .start();
        running.add(p);
        return p;
    }

    private void awaitListening(Process p, int port, String name) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException(name + " exited with status " + p.exitValue() + " before listening on " + port);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException(name + " not listening on " + port + " after " + START_TIMEOUT.toSeconds() + " s");
    }

    private void awaitReadyz(Process p, int adminPort) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("balancer exited with status " + p.exitValue() + " before /readyz was 200");
            }
            try {
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + r.statusCode();
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(100);
        }
        throw new IOException("balancer /readyz not 200 after " + START_TIMEOUT.toSeconds() + " s (last: " + last + ")");
    }

    private void killAll() {
        List<Process> copy;
        synchronized (running) {
            copy = new ArrayList<>(running);
            running.clear();
        }
        for (Process p : copy) {
            try {
                kill(p);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** SIGTERM to the process and its descendants, SIGKILL to whatever is left after 5 s. */
    private static void kill(Process p) throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        tree.add(p.toHandle());
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (ProcessHandle h : tree) {
            while (h.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
        p.waitFor(5, TimeUnit.SECONDS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private static String numbered(List<Integer> ports, BiFunction<Integer, Integer, String> line) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            lines.add(line.apply(i + 1, ports.get(i)));
        }
        return String.join("\n", lines);
    }
}
