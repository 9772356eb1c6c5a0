package io.irqsim.guest.scenario;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A JSON Schema (draft 2020-12) validator for the subset of keywords scenario.schema.json uses,
 * enough to check the example files against the schema without a validator library. A keyword it
 * does not know makes it fail, so the schema cannot quietly grow past what is checked.
 */
final class MiniSchemaValidator {

    private static final Set<String> ANNOTATIONS = Set.of("$schema", "$id", "title", "description", "examples",
        "$comment", "default", "$defs");
    private static final Set<String> ASSERTIONS = Set.of("type", "properties", "additionalProperties", "required",
        "items", "minItems", "enum", "minimum", "maximum", "minLength", "pattern", "oneOf", "$ref", "propertyNames");

    private final JsonNode root;

    MiniSchemaValidator(final JsonNode root) {
        this.root = root;
    }

    /**
     * @param instance a document
     * @return the violations, empty if it is valid
     */
    List<String> validate(final JsonNode instance) {
        final List<String> errors = new ArrayList<>();
        validate(root, instance, "$", errors);
        return errors;
    }

    private void validate(final JsonNode schema, final JsonNode value, final String at, final List<String> errors) {
        final Iterator<String> names = schema.fieldNames();
        while (names.hasNext()) {
            final String k = names.next();
            if (!ANNOTATIONS.contains(k) && !ASSERTIONS.contains(k)) {
                throw new IllegalArgumentException("schema keyword '" + k + "' at " + at + " is not supported here");
            }
        }
        if (schema.has("$ref")) {
            validate(resolve(schema.get("$ref").asText()), value, at, errors);
        }
        if (schema.has("type") && !typeMatches(schema.get("type").asText(), value)) {
            errors.add(at + ": not of type " + schema.get("type").asText());
            return;
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (final JsonNode e : schema.get("enum")) {
                found |= e.equals(value) || (e.isIntegralNumber() && value.isIntegralNumber()
                    && e.bigIntegerValue().equals(value.bigIntegerValue()));
            }
            if (!found) {
                errors.add(at + ": " + value + " is not one of " + schema.get("enum"));
            }
        }
        if (value.isNumber()) {
            if (schema.has("minimum") && value.decimalValue().compareTo(schema.get("minimum").decimalValue()) < 0) {
                errors.add(at + ": " + value + " < minimum " + schema.get("minimum"));
            }
            if (schema.has("maximum") && value.decimalValue().compareTo(schema.get("maximum").decimalValue()) > 0) {
                errors.add(at + ": " + value + " > maximum " + schema.get("maximum"));
            }
        }
        if (value.isTextual()) {
            if (schema.has("minLength") && value.asText().codePointCount(0, value.asText().length())
                < schema.get("minLength").asInt()) {
                errors.add(at + ": shorter than " + schema.get("minLength"));
            }
            if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
                errors.add(at + ": '" + value.asText() + "' does not match " + schema.get("pattern").asText());
            }
        }
        if (value.isArray()) {
            if (schema.has("minItems") && value.size() < schema.get("minItems").asInt()) {
                errors.add(at + ": fewer than " + schema.get("minItems") + " items");
            }
            if (schema.has("items")) {
                for (int i = 0; i < value.size(); i++) {
                    validate(schema.get("items"), value.get(i), at + "[" + i + "]", errors);
                }
            }
        }
        if (value.isObject()) {
            if (schema.has("required")) {
                for (final JsonNode r : schema.get("required")) {
                    if (!value.has(r.asText())) {
                        errors.add(at + ": missing " + r.asText());
                    }
                }
            }
            final JsonNode props = schema.get("properties");
            for (final Map.Entry<String, JsonNode> e : value.properties()) {
                if (schema.has("propertyNames")) {
                    validate(schema.get("propertyNames"), com.fasterxml.jackson.databind.node.TextNode.valueOf(e.getKey()),
                        at + " key " + e.getKey(), errors);
                }
                if (props != null && props.has(e.getKey())) {
                    validate(props.get(e.getKey()), e.getValue(), at + "." + e.getKey(), errors);
                } else if (schema.has("additionalProperties")) {
                    final JsonNode ap = schema.get("additionalProperties");
                    if (ap.isBoolean()) {
                        if (!ap.asBoolean()) {
                            errors.add(at + ": unknown property " + e.getKey());
                        }
                    } else {
                        validate(ap, e.getValue(), at + "." + e.getKey(), errors);
                    }
                }
            }
        }
        if (schema.has("oneOf")) {
            int passing = 0;
            for (final JsonNode alt : schema.get("oneOf")) {
                final List<String> sub = new ArrayList<>();
                validate(alt, value, at, sub);
                passing += sub.isEmpty() ? 1 : 0;
            }
            if (passing != 1) {
                errors.add(at + ": " + passing + " alternatives of oneOf match, not 1");
            }
        }
    }

    private static boolean typeMatches(final String type, final JsonNode v) {
        switch (type) {
            case "object":
                return v.isObject();
            case "array":
                return v.isArray();
            case "string":
                return v.isTextual();
            case "integer":
                return v.isIntegralNumber();
            case "number":
                return v.isNumber();
            case "boolean":
                return v.isBoolean();
            case "null":
                return v.isNull();
            default:
                throw new IllegalArgumentException("unknown type " + type);
        }
    }

    /**
     * @param ref a local reference {@code #/$defs/name}
     * @return the schema it names
     */
    JsonNode resolve(final String ref) {
        if (!ref.startsWith("#/")) {
            throw new IllegalArgumentException("only local $refs are supported: " + ref);
        }
        final JsonNode target = root.at(ref.substring(1));
        if (target.isMissingNode()) {
            throw new IllegalArgumentException("dangling $ref " + ref);
        }
        return target;
    }
}
