package dev.grpcbalancer.standalone;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.grpcbalancer.controller.crd.CertificateRef;
import dev.grpcbalancer.controller.translate.BalancerTranslator;
import dev.grpcbalancer.controller.translate.SpecError;
import dev.grpcbalancer.controller.translate.Translation;
import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import dev.grpcbalancer.controller.translate.tls.RefReader;
import dev.grpcbalancer.controller.translate.tls.TlsRefs;
import dev.grpcbalancer.controller.translate.tls.TlsResolution;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the standalone configuration file: one or more {@code GrpcBalancer} YAML documents
 * separated by {@code ---} (empty documents are ignored; an empty file means no balancers), and the
 * {@code v1} {@code Secret} and {@code ConfigMap} documents their certificate references name.
 * Every balancer document is bound strictly (unknown fields and wrong types are problems) and
 * validated by {@link BalancerTranslator#translateStatic}; ids and listener ports must be unique
 * across the file; certificate references ({@code Secret}, {@code ConfigMap} documents and
 * {@code Directory} references on disk) are followed and checked by {@link TlsRefs}. Any problem
 * rejects the whole file.
 */
public final class ConfigFile {

    /** Bound once; {@link ObjectMapper} is thread-safe after configuration. */
    private static final ObjectMapper MAPPER = YAMLMapper.builder(YAMLFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            // A port written as "8080" or 80.5 is a mistake, as it would be for the API server.
            .withCoercionConfig(LogicalType.Integer, config -> config
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private ConfigFile() {
    }

    /** Reads and checks {@code file} now; a missing or unreadable file is a problem too. */
    public static ConfigLoad load(Path file) {
        try {
            return parse(file.toString(), Files.readAllBytes(file), Instant.now());
        } catch (IOException e) {
            return unreadable(file.toString(), e);
        }
    }

    /** The problem of a file that cannot be read. */
    static ConfigLoad unreadable(String file, IOException e) {
        return ConfigLoad.invalid(List.of(new ConfigProblem(file, 0, null, null, "cannot read the file: " + reason(e))));
    }

    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Checks {@code content} now, naming {@code file} in problems. */
    static ConfigLoad parse(String file, byte[] content) {
        return parse(file, content, Instant.now());
    }

    /** Checks {@code content}, naming {@code file} in problems; certificates must be valid at {@code now}. */
    static ConfigLoad parse(String file, byte[] content, Instant now) {
        YamlDocuments.Parsed parsed = YamlDocuments.read(MAPPER, file, content);
        List<ConfigProblem> problems = new ArrayList<>();
        KeyDocuments keyDocuments = KeyDocuments.collect(MAPPER, file, parsed.documents(), problems);
        DirectoryFiles directories = new DirectoryFiles();
        KeyMaterialCache keys = new KeyMaterialCache();
        Map<BalancerId, Placed> byId = new HashMap<>();
        Map<Integer, Placed> byPort = new HashMap<>();
        for (YamlDocuments.Document document : parsed.documents()) {
            if (document.tree() == null || KeyDocuments.isKeyDocument(document.tree())) {
                continue;
            }
            int number = document.number();
            String label = BalancerBinder.label(document.tree(), BalancerTranslator.DEFAULT_NAMESPACE);
            BalancerBinder.Bound bound = BalancerBinder.bind(MAPPER, document.tree());
            Translation translation = bound.balancer() == null ? null : BalancerTranslator.translateStatic(bound.balancer());
            List<SpecError> errors = new ArrayList<>(bound.problems());
            if (translation != null) {
                errors.addAll(translation.errors());
            }
            errors.forEach(e -> problems.add(new ConfigProblem(file, number, label,
                    e.field().equals(BalancerBinder.WHOLE_DOCUMENT) ? null : e.field(), e.message())));
            if (!errors.isEmpty()) {
                continue;
            }
            BalancerConfig balancer = translation.config();
            TlsResolution tls = TlsRefs.resolve(bound.balancer().getSpec(),
                    references(keyDocuments, directories, balancer.id().namespace()), keys, now, null);
            tls.problems().forEach(e -> problems.add(new ConfigProblem(file, number, label, e.field(), e.message())));
            if (!tls.runnable()) {
                continue;
            }
            balancer = balancer.withListenerTls(tls.listener()).withBackendTls(tls.backend());
            Placed sameId = byId.get(balancer.id());
            Placed samePort = byPort.get(balancer.listenerPort());
            if (sameId != null) {
                problems.add(new ConfigProblem(file, number, label, "metadata.name",
                        balancer.id() + " is already defined by document " + sameId.document()));
            } else if (samePort != null) {
                problems.add(new ConfigProblem(file, number, label, "spec.listener.port", "port "
                        + balancer.listenerPort() + " is already used by document " + samePort.document()
                        + " (" + samePort.balancer().id() + ")"));
            } else {
                Placed placed = new Placed(number, balancer);
                byId.put(balancer.id(), placed);
                byPort.put(balancer.listenerPort(), placed);
            }
        }
        if (parsed.syntaxError() != null) {
            problems.add(parsed.syntaxError());
        }
        if (!problems.isEmpty()) {
            return ConfigLoad.invalid(problems, directories);
        }
        List<BalancerConfig> balancers = new ArrayList<>();
        byId.values().forEach(p -> balancers.add(p.balancer()));
        balancers.sort(Comparator.comparing(BalancerConfig::id));
        return ConfigLoad.valid(new RoutingSnapshot(balancers), directories);
    }

    /** Certificate references of a balancer in {@code namespace}: documents of the file, or directories. */
    private static RefReader references(KeyDocuments documents, DirectoryFiles directories, String namespace) {
        return ref -> CertificateRef.DIRECTORY.equals(ref.getKind())
                ? directories.read(Path.of(ref.getName()).normalize())
                : documents.read(ref.kindOrDefault(), namespace, ref.getName());
    }

    /** A valid balancer and the document that defines it. */
    private record Placed(int document, BalancerConfig balancer) {
    }
}
