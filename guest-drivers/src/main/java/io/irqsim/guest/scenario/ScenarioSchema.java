package io.irqsim.guest.scenario;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.irqsim.guest.scenario.YamlTree.Node;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * The published JSON Schema of the scenario format ({@code docs/scenario.schema.json}, on the
 * classpath as {@link ScenarioLoader#SCHEMA_RESOURCE}), checked by a maintained validator
 * (networknt json-schema-validator, draft 2020-12). It is the one statement of the format's shape:
 * keys, types, ranges (the domain limits among them, e.g. vCPUs up to
 * {@link io.irqsim.hv.domain.DomainConfig#MAX_VCPUS}), enumerations and patterns. No file the
 * schema refuses is loaded; the loader's own checks add what a schema cannot say (cross
 * references, unique addresses, GSIs on an IO-APIC) and friendlier wording for common mistakes.
 */
final class ScenarioSchema {

    private static final Schema SCHEMA = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
        .getSchema(ScenarioLoader.jsonSchema(), InputFormat.JSON);

    private ScenarioSchema() {
    }

    /**
     * @param tree a parsed document (non-empty)
     * @param source file name for errors
     * @throws ScenarioException at the file position of the first value the schema refuses
     */
    static void check(final YamlTree tree, final String source) {
        final List<Error> errors = SCHEMA.validate(json(tree.root));
        if (errors.isEmpty()) {
            return;
        }
        final Error e = errors.get(0);
        final String path = path(e.getInstanceLocation().toString());
        Node at = tree.find(path);
        String p = path;
        while (at == null && !p.isEmpty()) {
            final int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut < 0 ? "" : p.substring(0, cut);
            at = tree.find(p);
        }
        if (at == null) {
            at = tree.root;
        }
        throw new ScenarioException(source, at.line, at.column, path,
            "does not match the scenario schema: " + message(e), null);
    }

    /** "$.platform.cpus[0]" (the validator's instance location) to "platform.cpus[0]". */
    static String path(final String location) {
        if (location.equals("$")) {
            return "";
        }
        return location.startsWith("$.") ? location.substring(2) : location.startsWith("$") ? location.substring(1)
            : location;
    }

    /** The validator's message without the instance location it starts with (the error gives the path). */
    private static String message(final Error e) {
        final String m = e.getMessage();
        final String loc = e.getInstanceLocation().toString();
        final String s = m.startsWith(loc + ": ") ? m.substring(loc.length() + 2) : m;
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /** The tree as JSON: an unquoted PCI address (a YAML 1.1 sexagesimal "float") stays its text. */
    static JsonNode json(final Node n) {
        final JsonNodeFactory f = JsonNodeFactory.instance;
        switch (n.kind) {
            case MAP: {
                final ObjectNode o = f.objectNode();
                for (final Map.Entry<String, Node> e : n.fields.entrySet()) {
                    o.set(e.getKey(), json(e.getValue()));
                }
                return o;
            }
            case LIST: {
                final ArrayNode a = f.arrayNode();
                n.items.forEach(i -> a.add(json(i)));
                return a;
            }
            default:
                return scalar(f, n);
        }
    }

    private static JsonNode scalar(final JsonNodeFactory f, final Node n) {
        final JsonToken t = n.token;
        if (t == JsonToken.VALUE_NULL) {
            return f.nullNode();
        }
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
            return f.booleanNode(t == JsonToken.VALUE_TRUE);
        }
        if (t == JsonToken.VALUE_NUMBER_INT) {
            return n.number instanceof BigInteger b ? f.numberNode(b) : f.numberNode(n.number.longValue());
        }
        if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            try {
                return f.numberNode(new BigDecimal(n.text));
            } catch (NumberFormatException notDecimal) {
                return f.textNode(n.text);
            }
        }
        return f.textNode(n.text);
    }
}
