package dev.grpcbalancer.standalone;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.translate.SpecError;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Binds one YAML document to a {@link GrpcBalancer}, strictly: the document must be a
 * {@code grpcbalancer.dev/v1alpha1} {@code GrpcBalancer}, and every unknown field and value of the
 * wrong type is a problem (a typo must not silently drop a setting). {@code status} is ignored.
 */
final class BalancerBinder {

    /**
     * The balancer (null when it could not be bound: not a GrpcBalancer, or a value of the wrong
     * type) and the problems found on the way (unknown fields leave the balancer bound without them).
     */
    record Bound(GrpcBalancer balancer, List<SpecError> problems) {
    }

    /** The field of a problem with the document as a whole. */
    static final String WHOLE_DOCUMENT = "";

    /** Metadata fields suggested for a misspelt one (ObjectMeta keeps unknown fields aside, not failing). */
    private static final List<String> METADATA_FIELDS = List.of("annotations", "generation", "labels", "name", "namespace");

    private BalancerBinder() {
    }

    static Bound bind(ObjectMapper mapper, JsonNode tree) {
        List<SpecError> problems = new ArrayList<>();
        if (!tree.isObject()) {
            problems.add(new SpecError(WHOLE_DOCUMENT, "expected a GrpcBalancer mapping, got " + describe(tree)));
            return new Bound(null, problems);
        }
        checkHeader(tree, "apiVersion", GrpcBalancer.API_VERSION, problems);
        checkHeader(tree, "kind", GrpcBalancer.KIND, problems);
        if (!problems.isEmpty()) {
            return new Bound(null, problems);
        }
        // status is written by the controller; an exported resource may carry one of any version.
        ObjectNode withoutStatus = ((ObjectNode) tree).deepCopy();
        withoutStatus.remove("status");
        GrpcBalancer balancer = null;
        try {
            balancer = mapper.readerFor(GrpcBalancer.class).withHandler(new UnknownFields(problems))
                    .readValue(withoutStatus);
        } catch (JsonMappingException e) {
            problems.add(new SpecError(pathOf(e.getPath()), wrongType(e, nodeAt(tree, e.getPath()))));
        } catch (IOException e) {
            // Reading from a tree: only mapping can fail.
            throw new IllegalStateException("unexpected I/O error binding a YAML tree", e);
        }
        if (balancer != null && balancer.getMetadata() != null) {
            for (String name : new TreeSet<>(balancer.getMetadata().getAdditionalProperties().keySet())) {
                problems.add(new SpecError("metadata." + name, unknownField(name, METADATA_FIELDS, false)));
            }
        }
        return new Bound(balancer, problems);
    }

    /** {@code namespace/name} of a document as written, or null when it names no balancer. */
    static String label(JsonNode tree, String defaultNamespace) {
        JsonNode metadata = tree == null ? null : tree.get("metadata");
        JsonNode name = metadata == null ? null : metadata.get("name");
        if (name == null || !name.isValueNode() || name.asText().isEmpty()) {
            return null;
        }
        JsonNode namespace = metadata.get("namespace");
        boolean named = namespace != null && namespace.isValueNode() && !namespace.asText().isEmpty();
        return (named ? namespace.asText() : defaultNamespace) + "/" + name.asText();
    }

    private static void checkHeader(JsonNode tree, String field, String expected, List<SpecError> problems) {
        JsonNode value = tree.get(field);
        if (value == null || value.isNull()) {
            problems.add(new SpecError(field, "required, must be " + expected));
        } else if (!value.isTextual() || !value.textValue().equals(expected)) {
            problems.add(new SpecError(field, "must be " + expected + ", got " + describe(value)));
        }
    }

    private static String wrongType(JsonMappingException e, JsonNode node) {
        if (e.getCause() instanceof InputCoercionException coercion) {
            return "number out of range for " + expected(coercion.getTargetType()) + ", got " + describe(node);
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return "expected " + expected(mismatch.getTargetType()) + ", got " + describe(node);
        }
        String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        return message.lines().findFirst().orElse(message);
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class
                || type == Short.class || type == short.class) {
            return "an integer";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        return "a mapping";
    }

    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        if (node.isTextual()) {
            String text = node.textValue();
            return "\"" + (text.length() > 60 ? text.substring(0, 57) + "..." : text) + "\"";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        return node.asText();
    }

    private static JsonNode nodeAt(JsonNode tree, List<JsonMappingException.Reference> path) {
        JsonNode node = tree;
        for (JsonMappingException.Reference step : path) {
            if (node == null) {
                return null;
            }
            node = step.getFieldName() != null ? node.get(step.getFieldName()) : node.get(step.getIndex());
        }
        return node;
    }

    private static String pathOf(List<JsonMappingException.Reference> path) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference step : path) {
            appendStep(out, step.getFieldName(), step.getIndex());
        }
        return out.toString();
    }

    private static void appendStep(StringBuilder out, String fieldName, int index) {
        if (fieldName != null) {
            out.append(out.length() == 0 ? "" : ".").append(fieldName);
        } else if (index >= 0) {
            out.append('[').append(index).append(']');
        }
    }

    /** {@code unknown field}, with the closest known name as a suggestion and, if asked, all of them. */
    static String unknownField(String name, Collection<String> known, boolean listKnown) {
        String closest = null;
        int best = 3;
        for (String candidate : known) {
            int distance = editDistance(name.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
            if (distance < best) {
                best = distance;
                closest = candidate;
            }
        }
        return "unknown field" + (closest != null ? ", did you mean " + closest + "?" : "")
                + (listKnown ? " (known: " + String.join(", ", new TreeSet<>(known)) + ")" : "");
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** Records every unknown field with its path and skips its value, so one pass finds them all. */
    private static final class UnknownFields extends DeserializationProblemHandler {

        private final List<SpecError> problems;

        UnknownFields(List<SpecError> problems) {
            this.problems = problems;
        }

        @Override
        public boolean handleUnknownProperty(DeserializationContext context, JsonParser parser,
                JsonDeserializer<?> deserializer, Object beanOrClass, String propertyName) throws IOException {
            // At a structured value the parser is already inside it; its parent names the field.
            JsonStreamContext field = parser.currentToken() != null && parser.currentToken().isStructStart()
                    ? parser.getParsingContext().getParent()
                    : parser.getParsingContext();
            Deque<JsonStreamContext> chain = new ArrayDeque<>();
            for (JsonStreamContext c = field; c != null && !c.inRoot(); c = c.getParent()) {
                chain.push(c);
            }
            StringBuilder path = new StringBuilder();
            for (JsonStreamContext c : chain) {
                appendStep(path, c.inObject() ? c.getCurrentName() : null, c.inArray() ? c.getCurrentIndex() : -1);
            }
            problems.add(new SpecError(path.toString(), unknownField(propertyName, knownNames(deserializer), true)));
            parser.skipChildren();
            return true;
        }

        private static Collection<String> knownNames(JsonDeserializer<?> deserializer) {
            Collection<Object> names = deserializer.getKnownPropertyNames();
            List<String> known = new ArrayList<>();
            if (names != null) {
                names.forEach(n -> known.add(String.valueOf(n)));
            }
            return known;
        }
    }
}
