package io.irqsim.guest.scenario;

import io.irqsim.guest.scenario.YamlTree.Node;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hw.files.FileErrors;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.platform.PlatformSpec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads a scenario from YAML (the format is described in {@code docs/scenarios.md}, and as a JSON
 * Schema in {@code docs/scenario.schema.json}, also on the classpath as {@link #SCHEMA_RESOURCE}).
 *
 * <p>Every section is optional and defaults to the same section of
 * {@link Scenario#defaultScenario()}; inside {@code platform}, {@code platform.wiring},
 * {@code firmware} and {@code dom0} each key present replaces the default's value of that key
 * alone. The first problem found ends the load with a {@link ScenarioException} naming the file,
 * line, column and field path; nothing is half-loaded.
 *
 * <p>The checks go past types and ranges to what would make a run meaningless: PCI addresses
 * unique and reachable (a bridge for every bus), every GSI the wiring or the firmware names on an
 * IO-APIC, {@code _PRT} entries naming existing link devices, devices named by {@code dom0},
 * {@code guests} and {@code traffic} present on the platform, a device not both driven by dom0 and
 * passed through, virtual slots 1..31 and unique per guest. Whatever {@link Platform#build} still
 * refuses is reported against the {@code platform} field. The firmware may disagree with the real
 * wiring (trigger, polarity, which GSI): that is a scenario, not an error.
 *
 * <p>This class reads the file and puts the scenario together; {@link ScenarioReader} holds the
 * typed access and error reporting, and {@link PlatformSection} (with {@link FirmwareSection}),
 * {@link DomainSection} and {@link ExpectSection} parse the sections.
 */
public final class ScenarioLoader {

    /** Classpath resource (relative to this class) holding the JSON Schema of the format. */
    public static final String SCHEMA_RESOURCE = "scenario.schema.json";

    /**
     * Largest scenario file read, in bytes (the built-in examples are under 4 KiB): checked before
     * the file is read, so /dev/zero or a 3 GB file costs nothing, and small enough that SnakeYAML's
     * scanner, slower than linear on one huge quoted scalar, stays fast.
     */
    public static final int MAX_FILE_BYTES = 256 << 10;

    private final ScenarioReader r;
    private final Set<String> knownStrategies;
    private final Scenario defaults = Scenario.defaultScenario();

    private ScenarioLoader(final String source, final YamlTree tree, final Set<String> knownStrategies) {
        this.r = new ScenarioReader(source, tree);
        this.knownStrategies = knownStrategies;
    }

    /**
     * Reads and loads a scenario file (UTF-8).
     *
     * @param file the file; errors name it as given
     * @param knownStrategies strategy names the {@code strategy} key may use; {@code null} to accept any
     * @return the scenario
     * @throws ScenarioException if the file cannot be read or is not a valid scenario
     */
    public static Scenario load(final Path file, final Set<String> knownStrategies) {
        final String text;
        try {
            if (Files.isDirectory(file)) {
                throw new ScenarioException(file.toString(), 0, 0, "", "cannot read the file: is a directory", null);
            }
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                throw new ScenarioException(file.toString(), 0, 0, "",
                    "cannot read the file: not a regular file (a device, FIFO or socket)", null);
            }
            final long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ScenarioException(file.toString(), 0, 0, "", "the file is " + size + " bytes; a scenario "
                    + "file may be at most " + MAX_FILE_BYTES + " bytes", null);
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new ScenarioException(file.toString(), 0, 0, "", "cannot read the file: it is not UTF-8 text", e);
        } catch (IOException e) {
            throw new ScenarioException(file.toString(), 0, 0, "", "cannot read the file: " + FileErrors.reason(e), e);
        }
        return parse(text, file.toString(), knownStrategies);
    }

    /**
     * Loads a scenario from YAML text.
     *
     * @param yaml the document
     * @param sourceName the name errors give (a file name); the scenario's default name is its last
     *     path element without the extension
     * @param knownStrategies strategy names the {@code strategy} key may use; {@code null} to accept any
     * @return the scenario
     * @throws ScenarioException if the text is not a valid scenario
     */
    public static Scenario parse(final String yaml, final String sourceName, final Set<String> knownStrategies) {
        if (yaml.length() > MAX_FILE_BYTES) {
            throw new ScenarioException(sourceName, 0, 0, "", "the document is " + yaml.length() + " characters; a "
                + "scenario may be at most " + MAX_FILE_BYTES, null);
        }
        final YamlTree tree = YamlTree.parse(yaml, sourceName);
        if (tree.root == null) {
            throw new ScenarioException(sourceName, 1, 1, "",
                "the file is empty (no YAML document); write {} for the built-in default scenario", null);
        }
        final Scenario scenario = new ScenarioLoader(sourceName, tree, knownStrategies).scenario();
        // the loader's checks say most things in the format's own words; the schema has the last
        // word on shape, types and ranges, so a file the published schema refuses never loads
        ScenarioSchema.check(tree, sourceName);
        return scenario;
    }

    /** @return the JSON Schema (draft 2020-12) of the format */
    public static String jsonSchema() {
        try (InputStream in = ScenarioLoader.class.getResourceAsStream(SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + SCHEMA_RESOURCE + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + SCHEMA_RESOURCE, e);
        }
    }

    /** @return every mapping of the format (path template) and the keys it accepts */
    static Map<String, List<String>> acceptedKeys() {
        return ScenarioKeys.KEYS;
    }

    // ================================================================== the document

    private Scenario scenario() {
        final ScenarioReader.Obj root = r.obj(r.tree().root, ScenarioKeys.ROOT);
        final String name = root.has("name") ? r.nonEmptyString(root.get("name")) : defaultName(r.source());
        final String description = root.has("description") ? r.string(root.get("description")) : "";
        final String namedStrategy = strategy(root.get("strategy"));
        final PlatformSpec platform = new PlatformSection(r).platform(root);
        final DomainSection domains = new DomainSection(r, defaults);
        final Scenario.Dom0Spec dom0 = domains.dom0(root.get("dom0"), platform);
        final List<Scenario.GuestSpec> guests = domains.guests(root.get("guests"), platform, dom0);
        final List<Scenario.TrafficSpec> traffic = domains.traffic(root.get("traffic"), platform);
        final Scenario.Expectations expect = new ExpectSection(r).expect(root.get("expect"));
        // a scenario that names no design but has a PV dom0 runs the PV baseline, not the PVH status quo
        final String strategy = root.get("strategy") == null && dom0.type() == DomainType.PV ? "pv-dom0" : namedStrategy;
        return new Scenario(name, description, platform, dom0, guests, strategy, traffic, expect);
    }

    private static String defaultName(final String sourceName) {
        String s = sourceName;
        final int slash = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
        s = s.substring(slash + 1);
        final int dot = s.lastIndexOf('.');
        if (dot > 0) {
            s = s.substring(0, dot);
        }
        return s.isEmpty() ? "scenario" : s;
    }

    private String strategy(final Node n) {
        if (n == null) {
            return Scenario.DEFAULT_STRATEGY;
        }
        final String s = r.nonEmptyString(n);
        if (knownStrategies != null && !knownStrategies.contains(s)) {
            final List<String> known = new ArrayList<>(new TreeSet<>(knownStrategies));
            throw r.err(n, "unknown strategy '" + s + "'" + ScenarioReader.didYouMean(s, known) + "; known: "
                + String.join(", ", known));
        }
        return s;
    }
}
