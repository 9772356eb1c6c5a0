package io.irqsim.guest.scenario;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree of {@link Node}s, each knowing its field path and where in the file
 * it (and, for a mapping member, its key) starts. Built by walking the tokens of Jackson's YAML
 * parser, not with {@code readTree}, for three reasons: an unquoted PCI address such as
 * {@code 00:03.0} is a YAML 1.1 sexagesimal float that Jackson cannot turn into a number, and its
 * raw text must survive; duplicate keys must be an error, not last-one-wins; and every node must
 * carry its {@link JsonLocation}.
 */
final class YamlTree {

    /**
     * yes/no/on/off stay strings (only true/false are booleans, as in JSON). A key with nothing
     * after it is null ({@code EMPTY_STRING_AS_NULL}, on by default, turns only the plain empty
     * scalar into null; a quoted {@code ""} stays a string).
     */
    private static final YAMLFactory FACTORY = YAMLFactory.builder()
        .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
        .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
        .loaderOptions(loaderOptions())
        .build();

    /** Deepest nesting of mappings and lists accepted (a scenario needs 6). */
    static final int MAX_DEPTH = 32;

    /**
     * SnakeYAML's own limits, set to the scenario format's: the document's size (so the scanner
     * stops at the file limit, not at SnakeYAML's 3 MiB default after quadratic work on one huge
     * scalar) and its nesting (a little above {@link #MAX_DEPTH}, which this class reports with a
     * position first).
     */
    private static LoaderOptions loaderOptions() {
        final LoaderOptions o = new LoaderOptions();
        o.setCodePointLimit(ScenarioLoader.MAX_FILE_BYTES);
        o.setNestingDepthLimit(MAX_DEPTH + 8);
        return o;
    }

    /** What a node holds. */
    enum Kind {
        /** key: value pairs. */
        MAP,
        /** a sequence. */
        LIST,
        /** a string, number, boolean or null. */
        SCALAR
    }

    /** One node of the document. */
    static final class Node {
        final Kind kind;
        final String path;
        final int line;
        final int column;
        /** Position of the key for a mapping member, else the node's own. */
        final int keyLine;
        final int keyColumn;
        /** For scalars: the token type (VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, ...). */
        final JsonToken token;
        /** For scalars: the text as written (after YAML unquoting). */
        final String text;
        /** For integer scalars: Integer, Long or BigInteger. */
        final Number number;
        final Map<String, Node> fields;
        final List<Node> items;

        private Node(final Kind kind, final String path, final JsonLocation at, final JsonLocation keyAt,
                     final JsonToken token, final String text, final Number number, final Map<String, Node> fields,
                     final List<Node> items) {
            this.kind = kind;
            this.path = path;
            this.line = at.getLineNr();
            this.column = at.getColumnNr();
            this.keyLine = keyAt == null ? line : keyAt.getLineNr();
            this.keyColumn = keyAt == null ? column : keyAt.getColumnNr();
            this.token = token;
            this.text = text;
            this.number = number;
            this.fields = fields;
            this.items = items;
        }

        boolean isNull() {
            return kind == Kind.SCALAR && token == JsonToken.VALUE_NULL;
        }
    }

    /** The root, and every node by path. */
    final Node root;
    private final Map<String, Node> byPath;

    private YamlTree(final Node root, final Map<String, Node> byPath) {
        this.root = root;
        this.byPath = byPath;
    }

    /**
     * @param path a field path
     * @return the node there, or {@code null} if the file has none
     */
    Node find(final String path) {
        return byPath.get(path);
    }

    /**
     * Parses one YAML document.
     *
     * @param yaml the text
     * @param source the source name for errors
     * @return the tree; its root is {@code null} for an empty document
     * @throws ScenarioException on malformed YAML, duplicate keys, aliases or several documents
     */
    static YamlTree parse(final String yaml, final String source) {
        final Map<String, Node> byPath = new HashMap<>();
        try (JsonParser p = FACTORY.createParser(yaml)) {
            final JsonToken first = p.nextToken();
            if (first == null) {
                return new YamlTree(null, Collections.emptyMap());
            }
            final Node root = read(p, source, "", null, byPath, 0);
            final JsonToken next = p.nextToken();
            if (next != null) {
                final JsonLocation at = p.currentTokenLocation();
                throw new ScenarioException(source, at.getLineNr(), at.getColumnNr(), "",
                    "a second YAML document starts here (after a '---' line); a scenario file holds one document",
                    null);
            }
            return new YamlTree(root.isNull() ? null : root, byPath);
        } catch (StreamReadException e) {
            throw malformed(source, e);
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            // a Jackson limit (length of a number or a name): say which without naming Jackson's classes
            throw new ScenarioException(source, 0, 0, "", "the YAML exceeds a parser limit: "
                + String.valueOf(e.getOriginalMessage()).replaceAll(" ?\\(.*\\)", ""), e);
        } catch (IOException e) {
            // parsing a String: only StreamReadException is expected, but keep the contract
            throw new ScenarioException(source, 0, 0, "", "cannot read the YAML: " + e.getMessage(), e);
        }
    }

    private static Node read(final JsonParser p, final String source, final String path, final JsonLocation keyAt,
                             final Map<String, Node> byPath, final int depth) throws IOException {
        final JsonToken t = p.currentToken();
        final JsonLocation at = p.currentTokenLocation();
        final String tag = p instanceof YAMLParser y ? y.getTypeId() : null;
        if (tag != null) {
            throw new ScenarioException(source, at.getLineNr(), at.getColumnNr(), path, "YAML tags (" + (tag.startsWith("tag:") ? "" : "!") + abbreviate(tag)
                + ") are not supported: write the value without one", null);
        }
        if (depth >= MAX_DEPTH && (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY)) {
            throw new ScenarioException(source, at.getLineNr(), at.getColumnNr(), abbreviate(path),
                "nested more than " + MAX_DEPTH + " mappings and lists deep; a scenario needs a handful", null);
        }
        final Node node;
        if (t == JsonToken.START_OBJECT) {
            final Map<String, Node> fields = new LinkedHashMap<>();
            final Map<String, JsonLocation> keys = new HashMap<>();
            JsonToken k;
            while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                final JsonLocation nameAt = p.currentTokenLocation();
                final String childPath = path.isEmpty() ? name : path + "." + name;
                final JsonLocation first = keys.putIfAbsent(name, nameAt);
                if (first != null) {
                    throw new ScenarioException(source, nameAt.getLineNr(), nameAt.getColumnNr(), childPath,
                        "duplicate key '" + name + "' (first given at line " + first.getLineNr() + ")", null);
                }
                p.nextToken();
                fields.put(name, read(p, source, childPath, nameAt, byPath, depth + 1));
            }
            if (k != JsonToken.END_OBJECT) {
                throw new IllegalStateException("YAML parser gave " + k + " inside a mapping");
            }
            node = new Node(Kind.MAP, path, at, keyAt, t, null, null, Collections.unmodifiableMap(fields), null);
        } else if (t == JsonToken.START_ARRAY) {
            final List<Node> items = new ArrayList<>();
            JsonToken k;
            while ((k = p.nextToken()) != JsonToken.END_ARRAY) {
                if (k == null) {
                    throw new IllegalStateException("YAML parser ended inside a list");
                }
                items.add(read(p, source, path + "[" + items.size() + "]", null, byPath, depth + 1));
            }
            node = new Node(Kind.LIST, path, at, keyAt, t, null, null, null, Collections.unmodifiableList(items));
        } else {
            if (p instanceof YAMLParser && ((YAMLParser) p).isCurrentAlias()) {
                throw new ScenarioException(source, at.getLineNr(), at.getColumnNr(), path,
                    "YAML aliases (*" + p.getText() + ") are not supported: write the value out", null);
            }
            // never ask Jackson for the number of a float token: 00:03.0 is a sexagesimal "float"
            final Number number = t == JsonToken.VALUE_NUMBER_INT ? p.getNumberValue() : null;
            final String text = t == JsonToken.VALUE_NULL ? null : p.getText();
            node = new Node(Kind.SCALAR, path, at, keyAt, t, text, number, null, null);
        }
        byPath.put(path, node);
        return node;
    }

    private static String abbreviate(final String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static ScenarioException malformed(final String source, final StreamReadException e) {
        final JsonLocation at = e.getLocation();
        final int line = at == null ? 0 : at.getLineNr();
        final int column = at == null ? 0 : at.getColumnNr();
        String message = e.getOriginalMessage();
        Throwable c = e;
        while (c != null) {
            if (c instanceof org.yaml.snakeyaml.error.MarkedYAMLException) {
                final org.yaml.snakeyaml.error.MarkedYAMLException m = (org.yaml.snakeyaml.error.MarkedYAMLException) c;
                final StringBuilder sb = new StringBuilder();
                sb.append(m.getProblem() == null ? "malformed" : m.getProblem().strip());
                if (m.getContext() != null) {
                    sb.append(" (").append(m.getContext().strip());
                    if (m.getContextMark() != null) {
                        sb.append(" that starts at line ").append(m.getContextMark().getLine() + 1)
                            .append(", column ").append(m.getContextMark().getColumn() + 1);
                    }
                    sb.append(')');
                }
                message = sb.toString();
                break;
            }
            c = c.getCause();
        }
        if (message == null) {
            message = e.getClass().getSimpleName();
        }
        return new ScenarioException(source, line, column, "", "malformed YAML: " + message.replace('\n', ' '), e);
    }
}
