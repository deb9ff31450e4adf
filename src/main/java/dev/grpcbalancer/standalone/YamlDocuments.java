package dev.grpcbalancer.standalone;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a YAML stream into its documents as trees. A syntax error ends the stream: the parser
 * cannot resynchronise after one, so it is reported alone, with its line and column.
 */
final class YamlDocuments {

    /** One document; {@code tree} is null for an empty one. */
    record Document(int number, JsonNode tree) {
    }

    /** The documents read, and the syntax error that stopped reading, if any. */
    record Parsed(List<Document> documents, ConfigProblem syntaxError) {
    }

    /** SnakeYAML's mark lines: {@code  in 'reader', line 3, column 4:} (then a snippet and a caret line). */
    private static final Pattern MARK = Pattern.compile("^\\s*in .*, line (\\d+), column (\\d+):?$");

    private YamlDocuments() {
    }

    static Parsed read(ObjectMapper mapper, String file, byte[] content) {
        List<Document> documents = new ArrayList<>();
        try (JsonParser parser = mapper.getFactory().createParser(content);
                MappingIterator<JsonNode> values = mapper.readerFor(JsonNode.class).readValues(parser)) {
            while (values.hasNextValue()) {
                JsonNode tree = values.nextValue();
                boolean empty = tree == null || tree.isNull() || tree.isMissingNode()
                        || (tree.isTextual() && tree.textValue().isEmpty());
                documents.add(new Document(documents.size() + 1, empty ? null : tree));
            }
            return new Parsed(documents, null);
        } catch (JsonProcessingException e) {
            return new Parsed(documents, new ConfigProblem(file, documents.size() + 1, null, null, describe(e)));
        } catch (IOException e) {
            // Reading from a byte array: only the YAML layer can fail, and not with plain I/O.
            throw new IllegalStateException("unexpected I/O error reading an in-memory YAML stream", e);
        }
    }

    /**
     * {@code invalid YAML at line L, column C: problem}, from SnakeYAML's multi-line message when
     * it has marks (the last mark is where the problem is), otherwise from Jackson's location.
     */
    static String describe(JsonProcessingException e) {
        String original = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        List<String> texts = new ArrayList<>();
        String line = null;
        String column = null;
        String[] lines = original.split("\n");
        for (int i = 0; i < lines.length; i++) {
            Matcher mark = MARK.matcher(lines[i]);
            if (mark.matches()) {
                line = mark.group(1);
                column = mark.group(2);
                if (lines[i].endsWith(":")) {
                    i += 2; // the snippet and the caret under it
                }
            } else if (!lines[i].isBlank()) {
                texts.add(lines[i].trim());
            }
        }
        if (line == null) {
            JsonLocation location = e.getLocation();
            if (location != null && location.getLineNr() > 0) {
                line = String.valueOf(location.getLineNr());
                column = String.valueOf(location.getColumnNr());
            }
        }
        String where = line == null ? "" : " at line " + line + ", column " + column;
        String what = texts.isEmpty() ? e.getClass().getSimpleName() : String.join(", ", texts);
        return "invalid YAML" + where + ": " + what;
    }
}
