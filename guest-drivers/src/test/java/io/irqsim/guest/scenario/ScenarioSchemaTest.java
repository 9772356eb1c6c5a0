package io.irqsim.guest.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.irqsim.hw.pci.Bdf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static io.irqsim.guest.scenario.ScenarioFiles.STRATEGIES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JSON Schema and the loader describe the same format: same keys in the same places, the
 * docs copy and the classpath copy identical, every example valid against both.
 */
class ScenarioSchemaTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    private static byte[] resourceBytes(final String name) throws IOException {
        try (InputStream in = ScenarioLoader.class.getResourceAsStream(name)) {
            assertNotNull(in, name + " on the classpath");
            return in.readAllBytes();
        }
    }

    static JsonNode schema() throws IOException {
        return JSON.readTree(resourceBytes(ScenarioLoader.SCHEMA_RESOURCE));
    }

    static List<String> examples() {
        return ScenarioFiles.EXAMPLES;
    }

    @Test
    void docsCopyAndClasspathCopyAreIdentical() throws IOException {
        final byte[] docs = Files.readAllBytes(ScenarioFiles.root().resolve("docs/scenario.schema.json"));
        assertArrayEquals(docs, resourceBytes(ScenarioLoader.SCHEMA_RESOURCE),
            "docs/scenario.schema.json and guest-drivers/src/main/resources/io/irqsim/guest/scenario/"
                + "scenario.schema.json must be the same file");
        assertEquals(new String(docs, StandardCharsets.UTF_8), ScenarioLoader.jsonSchema());
    }

    @Test
    void schemaIsDraft202012() throws IOException {
        assertEquals("https://json-schema.org/draft/2020-12/schema", schema().get("$schema").asText());
    }

    /** Every key the loader accepts is a schema property in the same place, and vice versa. */
    @Test
    void schemaPropertiesAreExactlyTheKeysTheLoaderAccepts() throws IOException {
        final JsonNode schema = schema();
        final Map<String, Set<String>> fromSchema = new TreeMap<>();
        walk(schema, schema, "", fromSchema);
        final Map<String, Set<String>> fromLoader = new TreeMap<>();
        ScenarioLoader.acceptedKeys().forEach((template, keys) -> fromLoader.put(template, new TreeSet<>(keys)));
        assertEquals(fromLoader, fromSchema);
    }

    /** Mappings that list their keys must refuse others, as the loader does. */
    @Test
    void everySchemaObjectWithPropertiesForbidsOtherProperties() throws IOException {
        final List<String> open = new ArrayList<>();
        forEachSchema(schema(), "$", (node, at) -> {
            if (node.has("properties") && !(node.has("additionalProperties")
                && node.get("additionalProperties").isBoolean() && !node.get("additionalProperties").asBoolean())) {
                open.add(at);
            }
        });
        assertEquals(List.of(), open);
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everyExampleIsValidAgainstTheSchema(final String name) throws IOException {
        final String text = Files.readString(ScenarioFiles.example(name));
        ScenarioSchema.check(YamlTree.parse(text, name), name);
    }

    @Test
    void theEveryKeyFileUsesEveryKeyLoadsAndIsValid() throws IOException {
        final String text = new String(resourceBytes("every-key.yaml"), StandardCharsets.UTF_8);
        // uses every key
        final Map<String, Set<String>> used = new TreeMap<>();
        collectKeys(YAML.readTree(text), "", used);
        final Map<String, Set<String>> accepted = new TreeMap<>();
        ScenarioLoader.acceptedKeys().forEach((template, keys) -> accepted.put(template, new TreeSet<>(keys)));
        // firmware.acpidump replaces the machine with a real dump's: FirmwareScenarioTest covers it, fields, ioapicPins
        accepted.get("firmware").removeAll(Set.of("acpidump", "fields", "ioapicPins"));
        assertEquals(accepted, used);
        // is valid for the schema and for the loader, and the loader read what it says
        ScenarioSchema.check(YamlTree.parse(text, "every-key.yaml"), "every-key.yaml");
        final Scenario s = ScenarioLoader.parse(text, "every-key.yaml", STRATEGIES);
        assertEquals("every-key", s.name());
        assertEquals(2, s.platform().ioapics().size());
        assertEquals(0x11, s.platform().ioapics().get(0).version());
        assertFalse(s.platform().directedEoi());
        assertTrue(s.platform().apicv());
        assertEquals(2, s.platform().cpus().get(1).apicId());
        assertEquals(1, s.platform().pci().get(3).secondaryBus());
        assertEquals(2, s.platform().pci().get(2).interruptPin());
        assertEquals(9, s.platform().firmware().sciGsi());
        assertEquals(4, s.dom0().vcpus());
        assertEquals(List.of(new Bdf(0, 4, 0)), s.dom0().drivers());
        assertEquals(6, s.guests().get(0).passthrough().get(1).virtualSlot());
        assertEquals(List.of(new Scenario.VfioUserSpec("/run/irqsim/dev.sock", 7, 4,
            io.irqsim.guest.linux.PciIrqMode.MSI)), s.guests().get(0).vfioUser());
        assertEquals(5000, s.traffic().get(0).intervalNs());
        assertEquals(new Scenario.Expectations("ok", 10L, 0L, false, "level", "low"), s.expect());
    }

    private static String refusal(final String yaml) {
        try {
            ScenarioSchema.check(YamlTree.parse(yaml, "t.yaml"), "t.yaml");
            return null;
        } catch (final ScenarioException e) {
            return e.getMessage();
        }
    }

    @Test
    void theValidatorRejectsWhatTheSchemaForbids() {
        for (final String bad : List.of("colour: red\n",
            "platform: {pci: [{bdf: \"00:03.0\", vendor: 1, device: 2, pin: INTE}]}",
            "guests: [{name: a, passthrough: [{device: \"00:03.0\", slot: 32}]}]",
            "firmware: {prt: {0: [{device: 3, pin: INTA, link: LNKA, gsi: 16}]}}",
            "firmware: {prt: {bus0: []}}",
            "platform: {cpus: 0}",
            "expect: {attach: EPERM}",
            "expect: {attach: \"irq_permission:-EFOO\"}",
            "dom0: {vcpus: 65}",
            "traffic: [{device: \"00:03.0\", intervalNs: 0x7fffffffffffffff}]")) {
            assertNotNull(refusal(bad), bad);
        }
        assertNull(refusal("platform: {cpus: [{apicId: 3}]}"));
        assertNull(refusal("{}"));
        assertNull(refusal("dom0: {vcpus: 64}"));
    }

    /** The schema carries the domain's limits: one number, checked here against the code that enforces it. */
    @Test
    void theSchemaCarriesTheDomainLimits() throws IOException {
        final JsonNode defs = schema().get("$defs");
        assertEquals(io.irqsim.hv.domain.DomainConfig.MAX_VCPUS, defs.get("vcpus").get("maximum").asInt());
        final JsonNode traffic = schema().at("/properties/traffic/items/properties/intervalNs");
        assertEquals(DomainSection.MAX_INTERVAL_NS, traffic.get("maximum").asLong());
        final String attach = schema().at("/properties/expect/properties/attach/pattern").asText();
        // both forms (a failed call, and QEMU's failed call that only disabled INTx) list the same names
        final java.util.regex.Matcher m = Pattern.compile("-\\(([A-Z0-9|]+)\\)").matcher(attach);
        int forms = 0;
        while (m.find()) {
            final List<String> names = new ArrayList<>();
            for (final String n : m.group(1).split("\\|")) {
                names.add("-" + n);
            }
            assertEquals(ExpectSection.ERRNO_NAMES, names, "the errno names the schema allows are the ones Xen returns");
            forms++;
        }
        assertEquals(2, forms, attach);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Collects {template -> property names} the way {@link ScenarioKeys} names mappings: list items
     * add {@code []}, free-keyed mapping values add {@code .*}, alternatives keep the template.
     */
    private static void walk(final JsonNode root, final JsonNode node, final String template,
                             final Map<String, Set<String>> out) {
        JsonNode s = node;
        while (s.has("$ref")) {
            s = root.at(s.get("$ref").asText().substring(1));
        }
        if (s.has("properties")) {
            final Set<String> keys = out.computeIfAbsent(template, t -> new TreeSet<>());
            for (final Map.Entry<String, JsonNode> e : s.get("properties").properties()) {
                keys.add(e.getKey());
                walk(root, e.getValue(), template.isEmpty() ? e.getKey() : template + "." + e.getKey(), out);
            }
        }
        if (s.has("items")) {
            walk(root, s.get("items"), template + "[]", out);
        }
        if (s.has("additionalProperties") && s.get("additionalProperties").isObject()) {
            walk(root, s.get("additionalProperties"), template + ".*", out);
        }
        for (final String alt : List.of("oneOf", "anyOf", "allOf")) {
            if (s.has(alt)) {
                s.get(alt).forEach(a -> walk(root, a, template, out));
            }
        }
    }

    /** The same templates, for a document. */
    private static void collectKeys(final JsonNode doc, final String template, final Map<String, Set<String>> out) {
        if (doc.isObject()) {
            final boolean freeKeys = template.equals("firmware.prt");
            for (final Map.Entry<String, JsonNode> e : doc.properties()) {
                if (freeKeys) {
                    collectKeys(e.getValue(), template + ".*", out);
                } else {
                    out.computeIfAbsent(template, t -> new TreeSet<>()).add(e.getKey());
                    collectKeys(e.getValue(), template.isEmpty() ? e.getKey() : template + "." + e.getKey(), out);
                }
            }
        } else if (doc.isArray()) {
            doc.forEach(item -> collectKeys(item, template + "[]", out));
        }
    }

    private interface Visitor {
        void visit(JsonNode schema, String at);
    }

    private static void forEachSchema(final JsonNode node, final String at, final Visitor v) {
        if (node.isObject()) {
            v.visit(node, at);
            for (final Map.Entry<String, JsonNode> e : node.properties()) {
                if (!e.getKey().equals("enum") && !e.getKey().equals("examples")) {
                    forEachSchema(e.getValue(), at + "/" + e.getKey(), v);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                forEachSchema(node.get(i), at + "/" + i, v);
            }
        }
    }
}
