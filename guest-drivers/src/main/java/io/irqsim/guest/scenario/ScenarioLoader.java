package io.irqsim.guest.scenario;

import com.fasterxml.jackson.core.JsonToken;
import io.irqsim.guest.scenario.YamlTree.Kind;
import io.irqsim.guest.scenario.YamlTree.Node;
import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.ioapic.IoApicModel;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.wire.WireKind;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

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
 */
public final class ScenarioLoader {

    /** Classpath resource (relative to this class) holding the JSON Schema of the format. */
    public static final String SCHEMA_RESOURCE = "scenario.schema.json";

    private static final List<String> PCI_PINS = List.of("none", "INTA", "INTB", "INTC", "INTD");
    private static final List<String> INTX_PINS = List.of("INTA", "INTB", "INTC", "INTD");
    private static final List<String> TRIGGERS = List.of("level", "edge");
    private static final List<String> POLARITIES = List.of("low", "high");
    private static final List<String> WIRE_KINDS = List.of("isa", "pci");
    private static final List<String> DOM0_TYPES = List.of("pv", "pvh");
    private static final List<String> EXPECT_TRIGGERS = List.of("level", "edge", "unset");
    private static final List<String> EXPECT_POLARITIES = List.of("low", "high", "unset");
    private static final Pattern OCTAL = Pattern.compile("[-+]?0[0-7_]+");
    private static final Pattern BUS_KEY = Pattern.compile("[0-9]{1,3}");
    private static final Pattern LINK_NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,3}");
    /** An expected attach outcome; group 1 or 2 is the errno of a failed call. */
    private static final Pattern ATTACH = Pattern.compile(
        "ok|[a-z][a-z0-9_]*:(-E[A-Z0-9]+)|attached, INTx disabled by QEMU \\([a-z][a-z0-9_]*:(-E[A-Z0-9]+)\\)");
    private static final long U32_MAX = 0xFFFF_FFFFL;
    private static final int MAX_VCPUS = DomainConfig.MAX_VCPUS;
    /** Longest virtual time between two interrupts of a traffic entry: 1 s (count x interval fits a long). */
    static final long MAX_INTERVAL_NS = 1_000_000_000L;
    /**
     * Largest scenario file read, in bytes (the built-in examples are under 4 KiB): checked before
     * the file is read, so /dev/zero or a 3 GB file costs nothing, and small enough that SnakeYAML's
     * scanner, slower than linear on one huge quoted scalar, stays fast.
     */
    public static final int MAX_FILE_BYTES = 256 << 10;
    private static final int MAX_APIC_ID = 0xFE;
    private static final int BRIDGE_CLASS = 0x060400;
    private static final int UNCLASSIFIED = 0xFF0000;
    private static final int DEFAULT_PINS = IoApicRegisters.DEFAULT_PINS;
    private static final int DEFAULT_VERSION = IoApicRegisters.VERSION_20;
    private static final int DEFAULT_GUEST_VCPUS = 1;
    private static final int DEFAULT_COUNT = 100;
    private static final long DEFAULT_INTERVAL_NS = 10_000;

    /** The errno names Xen's hypercalls return ({@link Errno#name}), as {@code expect.attach} writes them. */
    static final List<String> ERRNO_NAMES = errnoNames();

    private static List<String> errnoNames() {
        final List<String> out = new ArrayList<>();
        for (int e = 1; e < 4096; e++) {
            final String n = Errno.name(-e);
            if (n.startsWith("-E")) {
                out.add(n);
            }
        }
        return List.copyOf(out);
    }

    private final String source;
    private final YamlTree tree;
    private final Set<String> knownStrategies;
    private final Scenario defaults = Scenario.defaultScenario();

    private ScenarioLoader(final String source, final YamlTree tree, final Set<String> knownStrategies) {
        this.source = source;
        this.tree = tree;
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
                throw new ScenarioException(file.toString(), 0, 0, "", "cannot read the file: it is a directory", null);
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
        } catch (NoSuchFileException e) {
            throw new ScenarioException(file.toString(), 0, 0, "", "cannot read the file: no such file", e);
        } catch (MalformedInputException e) {
            throw new ScenarioException(file.toString(), 0, 0, "", "cannot read the file: it is not UTF-8 text", e);
        } catch (IOException e) {
            throw new ScenarioException(file.toString(), 0, 0, "", "cannot read the file: " + e, e);
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
        final Obj root = obj(tree.root, ScenarioKeys.ROOT);
        final String name = root.has("name") ? nonEmptyString(root.get("name")) : defaultName(source);
        final String description = root.has("description") ? string(root.get("description")) : "";
        final String namedStrategy = strategy(root.get("strategy"));
        final PlatformSpec platform = platform(root);
        final Scenario.Dom0Spec dom0 = dom0(root.get("dom0"), platform);
        final List<Scenario.GuestSpec> guests = guests(root.get("guests"), platform, dom0);
        final List<Scenario.TrafficSpec> traffic = traffic(root.get("traffic"), platform);
        final Scenario.Expectations expect = expect(root.get("expect"));
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
        final String s = nonEmptyString(n);
        if (knownStrategies != null && !knownStrategies.contains(s)) {
            final List<String> known = new ArrayList<>(new TreeSet<>(knownStrategies));
            throw err(n, "unknown strategy '" + s + "'" + didYouMean(s, known) + "; known: "
                + String.join(", ", known));
        }
        return s;
    }

    // ================================================================== platform

    private PlatformSpec platform(final Obj root) {
        final PlatformSpec def = DefaultPlatform.spec();
        final Node pn = root.get("platform");
        final Obj p = pn == null ? null : obj(pn, ScenarioKeys.PLATFORM);
        final List<PlatformSpec.CpuSpec> cpus = p != null && p.has("cpus") ? cpus(p.get("cpus")) : def.cpus();
        final boolean directedEoi = p != null && p.has("directedEoi") ? bool(p.get("directedEoi")) : def.directedEoi();
        final List<PlatformSpec.IoApicSpec> ioapics =
            p != null && p.has("ioapics") ? ioapics(p.get("ioapics")) : def.ioapics();
        final List<PlatformSpec.PciDeviceSpec> pci = p != null && p.has("pci") ? pci(p.get("pci")) : def.pci();
        final Obj w = p != null && p.has("wiring") ? obj(p.get("wiring"), ScenarioKeys.WIRING) : null;
        final Map<Integer, Object[]> kinds = new HashMap<>();
        final List<PlatformSpec.IsaRoute> isa =
            w != null && w.has("isa") ? isa(w.get("isa"), ioapics, kinds) : def.isaWiring();
        final List<PlatformSpec.IntxRoute> intx =
            w != null && w.has("intx") ? intx(w.get("intx"), ioapics, kinds) : def.intxWiring();
        if (w == null || !w.has("isa") || !w.has("intx")) {
            // a defaulted half of the wiring must agree with the given half and the given IO-APICs
            kinds.clear();
            checkWiring(isa, intx, ioapics, kinds);
        }
        final PlatformSpec.FirmwareSpec firmware = firmware(root.get("firmware"), def.firmware(), ioapics);
        final PlatformSpec spec = new PlatformSpec(ioapics, cpus, pci, intx, isa, firmware, directedEoi);
        try {
            Platform.build(spec, new VirtualClock(), HwTrace.NONE);
        } catch (IllegalArgumentException e) {
            final Node at = pn != null ? pn : root.get("firmware") != null ? root.get("firmware") : tree.root;
            throw new ScenarioException(source, at.keyLine, at.keyColumn, "platform",
                "the platform is inconsistent: " + e.getMessage(), e);
        }
        return withAcpidump(root.get("firmware"), spec);
    }

    /** {@code firmware: {acpidump: PATH}}: the machine of a real firmware, the scenario's PCI devices (docs/firmware.md). */
    private PlatformSpec withAcpidump(final Node fn, final PlatformSpec spec) {
        final Obj f = fn == null ? null : obj(fn, ScenarioKeys.FIRMWARE);
        if (f == null || !f.has("acpidump")) {
            return spec;
        }
        final java.nio.file.Path given = java.nio.file.Path.of(nonEmptyString(f.get("acpidump")));
        final java.nio.file.Path parent = java.nio.file.Path.of(source).toAbsolutePath().getParent();
        final java.nio.file.Path dump = given.isAbsolute() || parent == null ? given : parent.resolve(given);
        final Map<String, Long> fields = new HashMap<>();
        if (f.has("fields")) {
            final Node fl = f.get("fields");
            if (fl.kind != Kind.MAP) {
                throw err(fl, "expected a mapping of OperationRegion field paths to values, got " + describe(fl));
            }
            fl.fields.forEach((path, v) -> fields.put(path, integer(v, 0, Long.MAX_VALUE, true)));
        }
        final Map<Integer, Integer> pins = new HashMap<>();
        if (f.has("ioapicPins")) {
            final Node pn = f.get("ioapicPins");
            if (pn.kind != Kind.MAP) {
                throw err(pn, "expected a mapping of IO-APIC id to pin count, got " + describe(pn));
            }
            for (final Map.Entry<String, Node> e : pn.fields.entrySet()) {
                if (!e.getKey().matches("\\d{1,3}")) {
                    throw err(e.getValue(), "'" + e.getKey() + "' is not an IO-APIC id (0..255)");
                }
                pins.put(Integer.parseInt(e.getKey()), int32(e.getValue(), 1, 240, false));
            }
        }
        try {
            final PlatformSpec built = io.irqsim.hw.firmware.acpi.FirmwarePlatform.spec(
                io.irqsim.hw.firmware.acpi.AcpiFirmware.read(dump, fields, pins), spec).spec();
            Platform.build(built, new VirtualClock(), HwTrace.NONE);
            return built;
        } catch (io.irqsim.hw.firmware.acpi.AcpiInputException | IllegalArgumentException e) {
            throw errAt("firmware.acpidump", e.getMessage());
        }
    }

    private List<PlatformSpec.CpuSpec> cpus(final Node n) {
        final List<PlatformSpec.CpuSpec> out = new ArrayList<>();
        if (n.kind == Kind.SCALAR && n.token == JsonToken.VALUE_NUMBER_INT) {
            final int count = int32(n, 1, MAX_APIC_ID + 1, false);
            for (int i = 0; i < count; i++) {
                out.add(new PlatformSpec.CpuSpec(i));
            }
            return out;
        }
        if (n.kind != Kind.LIST) {
            throw err(n, "expected a CPU count or a list of {apicId: N}, got " + describe(n));
        }
        if (n.items.isEmpty()) {
            throw err(n, "a platform needs at least one CPU");
        }
        final Map<Integer, String> seen = new HashMap<>();
        for (final Node item : n.items) {
            final Obj o = obj(item, ScenarioKeys.CPU);
            final Node idNode = o.require("apicId");
            final int id = int32(idNode, 0, MAX_APIC_ID, false);
            final String first = seen.putIfAbsent(id, item.path);
            if (first != null) {
                throw err(idNode, "APIC id " + id + " is already used by " + first);
            }
            out.add(new PlatformSpec.CpuSpec(id));
        }
        return out;
    }

    private List<PlatformSpec.IoApicSpec> ioapics(final Node n) {
        final List<Node> items = list(n);
        if (items.isEmpty()) {
            throw err(n, "a platform needs at least one IO-APIC");
        }
        final List<PlatformSpec.IoApicSpec> out = new ArrayList<>();
        for (final Node item : items) {
            final Obj o = obj(item, ScenarioKeys.IOAPIC);
            final Node idNode = o.require("id");
            final int id = int32(idNode, 0, 15, false);
            final Node addrNode = o.require("address");
            final long address = integer(addrNode, 0, U32_MAX + 1 - IoApicRegisters.WINDOW_SIZE, true);
            final Node baseNode = o.require("gsiBase");
            final int gsiBase = int32(baseNode, 0, Integer.MAX_VALUE - IoApicModel.MAX_PINS, false);
            final int pins = o.has("pins") ? int32(o.get("pins"), 1, IoApicModel.MAX_PINS, false) : DEFAULT_PINS;
            int version = DEFAULT_VERSION;
            if (o.has("version")) {
                final Node v = o.get("version");
                version = int32(v, 0, 0xFF, true);
                if (version != IoApicRegisters.VERSION_11 && version != IoApicRegisters.VERSION_20) {
                    throw err(v, "IO-APIC version " + v.text + " is not modelled; allowed: 0x11 (82093AA, no EOI"
                        + " register), 0x20 (with the EOI register)");
                }
            }
            for (int i = 0; i < out.size(); i++) {
                final PlatformSpec.IoApicSpec other = out.get(i);
                final String otherPath = n.path + "[" + i + "]";
                if (other.id() == id) {
                    throw err(idNode, "IO-APIC id " + id + " is already used by " + otherPath);
                }
                if (address < other.address() + IoApicRegisters.WINDOW_SIZE
                    && other.address() < address + IoApicRegisters.WINDOW_SIZE) {
                    throw err(addrNode, String.format(Locale.ROOT, "0x%x overlaps the register window of %s at 0x%x",
                        address, otherPath, other.address()));
                }
                if (gsiBase < other.gsiBase() + other.pins() && other.gsiBase() < gsiBase + pins) {
                    throw err(baseNode, String.format(Locale.ROOT, "GSIs %d..%d overlap GSIs %d..%d of %s", gsiBase,
                        gsiBase + pins - 1, other.gsiBase(), other.gsiBase() + other.pins() - 1, otherPath));
                }
            }
            out.add(new PlatformSpec.IoApicSpec(id, address, gsiBase, pins, version));
        }
        return out;
    }

    private List<PlatformSpec.PciDeviceSpec> pci(final Node n) {
        final List<Node> items = list(n);
        final List<PlatformSpec.PciDeviceSpec> out = new ArrayList<>();
        final Map<Bdf, String> seen = new HashMap<>();
        final Map<Integer, String> bridgeTo = new HashMap<>();
        for (final Node item : items) {
            final Obj o = obj(item, ScenarioKeys.PCI);
            final Node bdfNode = o.require("bdf");
            final Bdf bdf = bdf(bdfNode);
            final String first = seen.putIfAbsent(bdf, item.path);
            if (first != null) {
                throw err(bdfNode, "duplicate PCI address " + bdf + ": already given by " + first);
            }
            final String name = o.has("name") ? nonEmptyString(o.get("name")) : bdf.toString();
            final Node vendorNode = o.require("vendor");
            final int vendor = int32(vendorNode, 0, 0xFFFF, true);
            if (vendor == 0xFFFF) {
                throw err(vendorNode, "vendor ID 0xffff means 'no device' to PCI configuration reads;"
                    + " use a real vendor ID");
            }
            final int device = int32(o.require("device"), 0, 0xFFFF, true);
            int secondary = -1;
            if (o.has("bridgeTo")) {
                final Node b = o.get("bridgeTo");
                secondary = int32(b, 1, 0xFF, false);
                if (secondary <= bdf.bus()) {
                    throw err(b, "bus " + secondary + " is not above the bridge's own bus " + bdf.bus());
                }
                final String other = bridgeTo.putIfAbsent(secondary, item.path);
                if (other != null) {
                    throw err(b, "bus " + secondary + " is already behind the bridge " + other);
                }
            }
            final boolean bridge = secondary >= 0;
            int classCode = bridge ? BRIDGE_CLASS : UNCLASSIFIED;
            if (o.has("class")) {
                final Node c = o.get("class");
                classCode = int32(c, 0, 0xFFFFFF, true);
                if (bridge && classCode != BRIDGE_CLASS) {
                    throw err(c, String.format(Locale.ROOT,
                        "a PCI-to-PCI bridge has class 0x%06x; leave class out or write 0x060400", BRIDGE_CLASS));
                }
            }
            int pin = 0;
            if (o.has("pin")) {
                final Node pinNode = o.get("pin");
                pin = PCI_PINS.indexOf(choice(pinNode, PCI_PINS));
                if (bridge && pin != 0) {
                    throw err(pinNode, "a PCI-to-PCI bridge has no interrupt pin of its own here: its secondary"
                        + " bus's lines are swizzled onto its slot; write pin: none or leave it out");
                }
            }
            out.add(new PlatformSpec.PciDeviceSpec(name, bdf, vendor, device, classCode, pin, secondary));
        }
        for (int i = 0; i < out.size(); i++) {
            final Bdf bdf = out.get(i).bdf();
            if (bdf.bus() != 0 && !bridgeTo.containsKey(bdf.bus())) {
                throw err(tree.find(n.path + "[" + i + "].bdf"), bdf + " is on bus " + bdf.bus()
                    + ", but no device in platform.pci has bridgeTo: " + bdf.bus());
            }
        }
        return out;
    }

    private List<PlatformSpec.IsaRoute> isa(final Node n, final List<PlatformSpec.IoApicSpec> ioapics,
                                            final Map<Integer, Object[]> kinds) {
        final List<PlatformSpec.IsaRoute> out = new ArrayList<>();
        final Map<Integer, String> seen = new HashMap<>();
        for (final Node item : list(n)) {
            final Obj o = obj(item, ScenarioKeys.ISA);
            final Node irqNode = o.require("irq");
            final int irq = int32(irqNode, 0, 15, false);
            final String first = seen.putIfAbsent(irq, item.path);
            if (first != null) {
                throw err(irqNode, "ISA IRQ " + irq + " is already wired by " + first);
            }
            final int gsi = int32(o.require("gsi"), 0, Integer.MAX_VALUE, false);
            final WireKind kind = o.has("kind") && choice(o.get("kind"), WIRE_KINDS).equals("pci")
                ? WireKind.PCI_INTX : WireKind.ISA;
            out.add(new PlatformSpec.IsaRoute(irq, gsi, kind));
        }
        checkWiring(out, List.of(), ioapics, kinds);
        return out;
    }

    private List<PlatformSpec.IntxRoute> intx(final Node n, final List<PlatformSpec.IoApicSpec> ioapics,
                                              final Map<Integer, Object[]> kinds) {
        final List<PlatformSpec.IntxRoute> out = new ArrayList<>();
        final Map<Integer, String> seen = new HashMap<>();
        for (final Node item : list(n)) {
            final Obj o = obj(item, ScenarioKeys.INTX);
            final int slot = int32(o.require("slot"), 0, 31, false);
            final Node pinNode = o.require("pin");
            final int pin = INTX_PINS.indexOf(choice(pinNode, INTX_PINS)) + 1;
            final String first = seen.putIfAbsent(slot * 8 + pin, item.path);
            if (first != null) {
                throw err(pinNode, "slot " + slot + " " + INTX_PINS.get(pin - 1) + " is already wired by " + first);
            }
            final int gsi = int32(o.require("gsi"), 0, Integer.MAX_VALUE, false);
            final WireKind kind = o.has("kind") && choice(o.get("kind"), WIRE_KINDS).equals("isa")
                ? WireKind.ISA : WireKind.PCI_INTX;
            out.add(new PlatformSpec.IntxRoute(slot, pin, gsi, kind));
        }
        checkWiring(List.of(), out, ioapics, kinds);
        return out;
    }

    /**
     * The checks {@code Platform.buildWires} makes, but with a field path: every GSI on an IO-APIC,
     * and one electrical kind per GSI. {@code kinds} maps a GSI to {kind, path} of its first user.
     */
    private void checkWiring(final List<PlatformSpec.IsaRoute> isa, final List<PlatformSpec.IntxRoute> intx,
                             final List<PlatformSpec.IoApicSpec> ioapics, final Map<Integer, Object[]> kinds) {
        for (int i = 0; i < isa.size(); i++) {
            final String path = "platform.wiring.isa[" + i + "]";
            claim(isa.get(i).gsi(), isa.get(i).kind(), path, ioapics, kinds);
        }
        for (int i = 0; i < intx.size(); i++) {
            final String path = "platform.wiring.intx[" + i + "]";
            claim(intx.get(i).gsi(), intx.get(i).kind(), path, ioapics, kinds);
        }
    }

    private void claim(final int gsi, final WireKind kind, final String path,
                       final List<PlatformSpec.IoApicSpec> ioapics, final Map<Integer, Object[]> kinds) {
        final String problem = gsiProblem(gsi, ioapics);
        if (problem != null) {
            throw errAt(path + ".gsi", problem);
        }
        final Object[] first = kinds.putIfAbsent(gsi, new Object[] {kind, path});
        if (first != null && first[0] != kind) {
            throw errAt(path + ".gsi", "GSI " + gsi + " is already wired to " + first[1] + " as " + kindName(
                (WireKind) first[0]) + " line, and this is " + kindName(kind) + " line; one GSI's line has one"
                + " electrical kind (isa: active-high, pci: shared active-low)");
        }
    }

    private static String kindName(final WireKind kind) {
        return kind == WireKind.ISA ? "an ISA (active-high)" : "a PCI (shared active-low)";
    }

    private static String gsiProblem(final long gsi, final List<PlatformSpec.IoApicSpec> ioapics) {
        final StringBuilder ranges = new StringBuilder();
        for (final PlatformSpec.IoApicSpec io : ioapics) {
            if (gsi >= io.gsiBase() && gsi < io.gsiBase() + io.pins()) {
                return null;
            }
            ranges.append(ranges.length() == 0 ? "" : ", ").append(io.gsiBase()).append("..")
                .append(io.gsiBase() + io.pins() - 1);
        }
        return "GSI " + gsi + " is not on any IO-APIC (the IO-APICs have GSIs " + ranges + ")";
    }

    // ================================================================== firmware

    private PlatformSpec.FirmwareSpec firmware(final Node n, final PlatformSpec.FirmwareSpec def,
                                               final List<PlatformSpec.IoApicSpec> ioapics) {
        final Obj f = n == null ? null : obj(n, ScenarioKeys.FIRMWARE);
        final List<InterruptSourceOverride> overrides = f != null && f.has("overrides")
            ? overrides(f.get("overrides")) : def.overrides();
        final List<PlatformSpec.LinkSpec> links = f != null && f.has("links") ? links(f.get("links")) : def.links();
        final Map<Integer, List<PrtEntry>> prt = f != null && f.has("prt") ? prt(f.get("prt"), links) : def.prt();
        int sciGsi = def.sciGsi();
        if (f != null && f.has("sciGsi")) {
            sciGsi = int32(f.get("sciGsi"), 0, Integer.MAX_VALUE, false);
        }
        // every GSI the firmware names must exist: a lie about trigger, polarity or routing is a
        // scenario, a GSI no IO-APIC has is a mistake (or a defaulted section that does not fit)
        for (int i = 0; i < overrides.size(); i++) {
            checkGsi(overrides.get(i).gsi(), "firmware.overrides[" + i + "].gsi", ioapics);
        }
        for (int i = 0; i < links.size(); i++) {
            final PlatformSpec.LinkSpec l = links.get(i);
            if (l.extended()) {
                for (int j = 0; j < l.possible().size(); j++) {
                    checkGsi(l.possible().get(j), "firmware.links[" + i + "].possible[" + j + "]", ioapics);
                }
            }
        }
        for (final Map.Entry<Integer, List<PrtEntry>> e : new TreeMap<>(prt).entrySet()) {
            final String bus = prtPath(f, e.getKey());
            for (int i = 0; i < e.getValue().size(); i++) {
                final PrtEntry entry = e.getValue().get(i);
                if (!entry.isLink()) {
                    checkGsi(entry.sourceIndex(), bus + "[" + i + "].gsi", ioapics);
                } else if (links.stream().noneMatch(l -> l.name().equals(entry.source()))) {
                    throw errAt(bus + "[" + i + "].link", noSuchLink(entry.source(), links));
                }
            }
        }
        checkGsi(sciGsi, "firmware.sciGsi", ioapics);
        return new PlatformSpec.FirmwareSpec(overrides, prt, links, sciGsi);
    }

    /** The path of bus {@code bus}'s {@code _PRT}: the key as the file writes it, if it does. */
    private String prtPath(final Obj f, final int bus) {
        final Node prt = f != null && f.has("prt") ? f.get("prt") : null;
        if (prt != null && prt.kind == Kind.MAP) {
            for (final String key : prt.fields.keySet()) {
                if (BUS_KEY.matcher(key).matches() && Integer.parseInt(key) == bus) {
                    return "firmware.prt." + key;
                }
            }
        }
        return "firmware.prt." + bus;
    }

    private void checkGsi(final long gsi, final String path, final List<PlatformSpec.IoApicSpec> ioapics) {
        final String problem = gsiProblem(gsi, ioapics);
        if (problem != null) {
            throw errAt(path, problem);
        }
    }

    private static String noSuchLink(final String name, final List<PlatformSpec.LinkSpec> links) {
        return "no link device named '" + name + "'" + didYouMean(name, linkNames(links)) + "; "
            + (links.isEmpty() ? "firmware.links is empty" : "firmware.links has " + String.join(", ", linkNames(links)));
    }

    private static List<String> linkNames(final List<PlatformSpec.LinkSpec> links) {
        final List<String> names = new ArrayList<>();
        links.forEach(l -> names.add(l.name()));
        return names;
    }

    private List<InterruptSourceOverride> overrides(final Node n) {
        final List<InterruptSourceOverride> out = new ArrayList<>();
        final Map<Integer, String> seen = new HashMap<>();
        for (final Node item : list(n)) {
            final Obj o = obj(item, ScenarioKeys.OVERRIDE);
            final Node irqNode = o.require("irq");
            final int irq = int32(irqNode, 0, 15, false);
            final String first = seen.putIfAbsent(irq, item.path);
            if (first != null) {
                throw err(irqNode, "ISA IRQ " + irq + " already has an override: " + first);
            }
            final int gsi = int32(o.require("gsi"), 0, Integer.MAX_VALUE, false);
            final IrqTrigger trigger = o.has("trigger") ? trigger(o.get("trigger")) : null;
            final IrqPolarity polarity = o.has("polarity") ? polarity(o.get("polarity")) : null;
            out.add(InterruptSourceOverride.of(irq, gsi, trigger, polarity));
        }
        return out;
    }

    private List<PlatformSpec.LinkSpec> links(final Node n) {
        final List<PlatformSpec.LinkSpec> out = new ArrayList<>();
        final Map<String, String> seen = new HashMap<>();
        for (final Node item : list(n)) {
            final Obj o = obj(item, ScenarioKeys.LINK);
            final Node nameNode = o.require("name");
            final String name = string(nameNode);
            if (!LINK_NAME.matcher(name).matches()) {
                throw err(nameNode, "'" + name + "' is not an ACPI name: 1..4 characters A-Z, 0-9, _, not starting"
                    + " with a digit, e.g. LNKA");
            }
            final String first = seen.putIfAbsent(name, item.path);
            if (first != null) {
                throw err(nameNode, "a link device named " + name + " is already given by " + first);
            }
            final boolean extended = !o.has("extended") || bool(o.get("extended"));
            final Node possibleNode = o.require("possible");
            final List<Node> possibleItems = list(possibleNode);
            if (possibleItems.isEmpty()) {
                throw err(possibleNode, "_PRS must list at least one interrupt");
            }
            final List<Integer> possible = new ArrayList<>();
            for (final Node p : possibleItems) {
                final int irq = int32(p, 0, Integer.MAX_VALUE, false);
                if (!extended && irq > 15) {
                    throw err(p, irq + " does not fit an IRQ descriptor (extended: false holds ISA IRQs 0..15);"
                        + " use extended: true for GSIs");
                }
                if (possible.contains(irq)) {
                    throw err(p, irq + " is listed twice");
                }
                possible.add(irq);
            }
            final IrqTrigger trigger = o.has("trigger") ? trigger(o.get("trigger")) : IrqTrigger.LEVEL;
            final IrqPolarity polarity = o.has("polarity") ? polarity(o.get("polarity")) : IrqPolarity.ACTIVE_LOW;
            final boolean shareable = !o.has("shareable") || bool(o.get("shareable"));
            int current = 0;
            if (o.has("current")) {
                final Node c = o.get("current");
                current = int32(c, 0, Integer.MAX_VALUE, false);
                if (current != 0 && !possible.contains(current)) {
                    throw err(c, current + " is not in possible " + possible + " (0 = disabled)");
                }
            }
            out.add(new PlatformSpec.LinkSpec(name, possible, trigger, polarity, shareable, extended, current));
        }
        return out;
    }

    private Map<Integer, List<PrtEntry>> prt(final Node n, final List<PlatformSpec.LinkSpec> links) {
        if (n.kind != Kind.MAP) {
            throw err(n, "expected a mapping from bus number to a list of _PRT entries, got " + describe(n));
        }
        final Map<Integer, List<PrtEntry>> out = new LinkedHashMap<>();
        final Map<Integer, String> buses = new HashMap<>();
        for (final Map.Entry<String, Node> e : n.fields.entrySet()) {
            final Node busNode = e.getValue();
            if (!BUS_KEY.matcher(e.getKey()).matches() || Integer.parseInt(e.getKey()) > 0xFF) {
                throw errKey(busNode, "'" + e.getKey() + "' is not a bus number: the keys of prt are decimal bus"
                    + " numbers 0..255");
            }
            final int bus = Integer.parseInt(e.getKey());
            final String first = buses.putIfAbsent(bus, busNode.path);
            if (first != null) {
                throw errKey(busNode, "bus " + bus + " already has a _PRT: " + first);
            }
            final List<PrtEntry> entries = new ArrayList<>();
            final Map<Integer, String> seen = new HashMap<>();
            for (final Node item : list(busNode)) {
                final Obj o = obj(item, ScenarioKeys.PRT_ENTRY);
                final int device = int32(o.require("device"), 0, 31, false);
                final Node pinNode = o.require("pin");
                final int pin = INTX_PINS.indexOf(choice(pinNode, INTX_PINS));
                final String other = seen.putIfAbsent(device * 4 + pin, item.path);
                if (other != null) {
                    throw err(pinNode, "device " + device + " " + INTX_PINS.get(pin) + " already has an entry: "
                        + other);
                }
                if (o.has("link") == o.has("gsi")) {
                    throw err(item, o.has("link") ? "give either link or gsi, not both"
                        : "missing 'link' (a link device name) or 'gsi' (a hard-wired GSI)");
                }
                if (o.has("link")) {
                    final Node linkNode = o.get("link");
                    final String link = string(linkNode);
                    if (links.stream().noneMatch(l -> l.name().equals(link))) {
                        throw err(linkNode, noSuchLink(link, links));
                    }
                    entries.add(PrtEntry.toLink(device, pin, link));
                } else {
                    entries.add(PrtEntry.toGsi(device, pin, int32(o.get("gsi"), 0, Integer.MAX_VALUE, false)));
                }
            }
            out.put(bus, entries);
        }
        return out;
    }

    private IrqTrigger trigger(final Node n) {
        return choice(n, TRIGGERS).equals("level") ? IrqTrigger.LEVEL : IrqTrigger.EDGE;
    }

    private IrqPolarity polarity(final Node n) {
        return choice(n, POLARITIES).equals("low") ? IrqPolarity.ACTIVE_LOW : IrqPolarity.ACTIVE_HIGH;
    }

    // ================================================================== domains and traffic

    private Scenario.Dom0Spec dom0(final Node n, final PlatformSpec platform) {
        final Scenario.Dom0Spec def = defaults.dom0();
        final Obj o = n == null ? null : obj(n, ScenarioKeys.DOM0);
        final DomainType type = o != null && o.has("type")
            ? (choice(o.get("type"), DOM0_TYPES).equals("pv") ? DomainType.PV : DomainType.PVH) : def.type();
        final int vcpus = o != null && o.has("vcpus") ? int32(o.get("vcpus"), 1, MAX_VCPUS, false) : def.vcpus();
        final List<Bdf> drivers = new ArrayList<>();
        if (o != null && o.has("drivers")) {
            for (final Node d : list(o.get("drivers"))) {
                drivers.add(bdf(d));
            }
        } else {
            drivers.addAll(def.drivers());
        }
        for (int i = 0; i < drivers.size(); i++) {
            final String path = "dom0.drivers[" + i + "]";
            final PlatformSpec.PciDeviceSpec dev = device(drivers.get(i), path, platform);
            if (dev.isBridge() || dev.interruptPin() == 0) {
                throw errAt(path, drivers.get(i) + " (" + dev.name() + ") " + (dev.isBridge()
                    ? "is a PCI-to-PCI bridge" : "has no interrupt pin") + "; dom0.drivers lists devices whose"
                    + " driver requests their INTx interrupt");
            }
            final int first = drivers.indexOf(drivers.get(i));
            if (first < i) {
                throw errAt(path, drivers.get(i) + " is already listed as dom0.drivers[" + first + "]");
            }
        }
        return new Scenario.Dom0Spec(type, vcpus, drivers);
    }

    private List<Scenario.GuestSpec> guests(final Node n, final PlatformSpec platform, final Scenario.Dom0Spec dom0) {
        final List<Scenario.GuestSpec> out = new ArrayList<>();
        if (n == null) {
            out.addAll(defaults.guests());
        } else {
            final Map<String, String> names = new HashMap<>();
            for (final Node item : list(n)) {
                final Obj o = obj(item, ScenarioKeys.GUEST);
                final Node nameNode = o.require("name");
                final String name = nonEmptyString(nameNode);
                final String first = names.putIfAbsent(name, item.path);
                if (first != null) {
                    throw err(nameNode, "a guest named '" + name + "' is already given by " + first);
                }
                final int vcpus = o.has("vcpus") ? int32(o.get("vcpus"), 1, MAX_VCPUS, false) : DEFAULT_GUEST_VCPUS;
                final List<Scenario.PassthroughSpec> pt = new ArrayList<>();
                if (o.has("passthrough")) {
                    for (final Node d : list(o.get("passthrough"))) {
                        final Obj po = obj(d, ScenarioKeys.PASSTHROUGH);
                        final Bdf bdf = bdf(po.require("device"));
                        final int slot = int32(po.require("slot"), 1, 31, false);
                        pt.add(new Scenario.PassthroughSpec(bdf, slot));
                    }
                }
                out.add(new Scenario.GuestSpec(name, vcpus, pt));
            }
        }
        final Map<Bdf, String> passed = new HashMap<>();
        for (int g = 0; g < out.size(); g++) {
            final Map<Integer, String> slots = new HashMap<>();
            final List<Scenario.PassthroughSpec> pt = out.get(g).passthrough();
            for (int i = 0; i < pt.size(); i++) {
                final String path = "guests[" + g + "].passthrough[" + i + "]";
                final Bdf bdf = pt.get(i).device();
                final PlatformSpec.PciDeviceSpec dev = device(bdf, path + ".device", platform);
                if (dev.isBridge()) {
                    throw errAt(path + ".device", bdf + " (" + dev.name() + ") is a PCI-to-PCI bridge; pass through"
                        + " the devices behind it");
                }
                final String first = passed.putIfAbsent(bdf, path);
                if (first != null) {
                    throw errAt(path + ".device", bdf + " is already passed through by " + first);
                }
                final int driver = dom0.drivers().indexOf(bdf);
                if (driver >= 0) {
                    final String dom0Path = "dom0.drivers[" + driver + "]";
                    throw errAt(first(path + ".device", dom0Path), bdf + " is both passed through (" + path
                        + ") and driven by dom0 (" + dom0Path + "); a device dom0's own driver claims cannot be"
                        + " given to pciback");
                }
                final String slotUser = slots.putIfAbsent(pt.get(i).virtualSlot(), path);
                if (slotUser != null) {
                    throw errAt(path + ".slot", "virtual slot " + pt.get(i).virtualSlot() + " is already used by "
                        + slotUser + " in the same guest");
                }
            }
        }
        return out;
    }

    private List<Scenario.TrafficSpec> traffic(final Node n, final PlatformSpec platform) {
        final List<Scenario.TrafficSpec> out = new ArrayList<>();
        if (n == null) {
            out.addAll(defaults.traffic());
        } else {
            for (final Node item : list(n)) {
                final Obj o = obj(item, ScenarioKeys.TRAFFIC);
                final Bdf bdf = bdf(o.require("device"));
                final int count = o.has("count") ? int32(o.get("count"), 0, Integer.MAX_VALUE, false) : DEFAULT_COUNT;
                final long interval = o.has("intervalNs") ? integer(o.get("intervalNs"), 0, MAX_INTERVAL_NS, false)
                    : DEFAULT_INTERVAL_NS;
                out.add(new Scenario.TrafficSpec(bdf, count, interval));
            }
        }
        final Map<Bdf, String> seen = new HashMap<>();
        for (int i = 0; i < out.size(); i++) {
            final String path = "traffic[" + i + "].device";
            final Bdf bdf = out.get(i).device();
            final PlatformSpec.PciDeviceSpec dev = device(bdf, path, platform);
            if (dev.isBridge() || dev.interruptPin() == 0) {
                throw errAt(path, bdf + " (" + dev.name() + ") " + (dev.isBridge() ? "is a PCI-to-PCI bridge"
                    : "has no interrupt pin (pin: none)") + ": it cannot raise INTx interrupts");
            }
            final String first = seen.putIfAbsent(bdf, "traffic[" + i + "]");
            if (first != null) {
                throw errAt(path, "traffic for " + bdf + " is already given by " + first
                    + "; one entry per device");
            }
        }
        return out;
    }

    private PlatformSpec.PciDeviceSpec device(final Bdf bdf, final String path, final PlatformSpec platform) {
        for (final PlatformSpec.PciDeviceSpec d : platform.pci()) {
            if (d.bdf().equals(bdf)) {
                return d;
            }
        }
        final StringBuilder known = new StringBuilder();
        for (final PlatformSpec.PciDeviceSpec d : platform.pci()) {
            known.append(known.length() == 0 ? "" : ", ").append(d.bdf()).append(" (").append(d.name()).append(')');
        }
        throw errAt(path, bdf + " is not in platform.pci; the platform has " + (known.length() == 0 ? "no devices"
            : known));
    }

    private Scenario.Expectations expect(final Node n) {
        if (n == null) {
            return Scenario.Expectations.NONE;
        }
        final Obj o = obj(n, ScenarioKeys.EXPECT);
        String attach = null;
        if (o.has("attach")) {
            final Node a = o.get("attach");
            attach = string(a);
            final java.util.regex.Matcher m = ATTACH.matcher(attach);
            if (!m.matches()) {
                throw err(a, "'" + attach + "' is neither ok nor CALL:-ERRNO (e.g. irq_permission:-EPERM) nor 'attached, INTx"
                    + " disabled by QEMU (CALL:-ERRNO)'");
            }
            final String errno = m.group(1) != null ? m.group(1) : m.group(2);
            if (errno != null && !ERRNO_NAMES.contains(errno)) {
                throw err(a, "unknown errno " + errno + didYouMean(errno, ERRNO_NAMES) + "; Xen returns "
                    + String.join(", ", ERRNO_NAMES));
            }
        }
        final Long delivered = o.has("delivered") ? integer(o.get("delivered"), 0, Long.MAX_VALUE, false) : null;
        final Long spurious = o.has("spurious") ? integer(o.get("spurious"), 0, Long.MAX_VALUE, false) : null;
        final Boolean bound = o.has("boundToDom0") ? bool(o.get("boundToDom0")) : null;
        final String trigger = o.has("physicalTrigger") ? choice(o.get("physicalTrigger"), EXPECT_TRIGGERS) : null;
        final String polarity = o.has("physicalPolarity")
            ? choice(o.get("physicalPolarity"), EXPECT_POLARITIES) : null;
        return new Scenario.Expectations(attach, delivered, spurious, bound, trigger, polarity);
    }

    // ================================================================== typed access

    /** A mapping whose keys have been checked against {@link ScenarioKeys}. */
    private final class Obj {
        private final Node node;
        private final List<String> keys;

        Obj(final Node node, final String template) {
            this.node = node;
            this.keys = ScenarioKeys.of(template);
        }

        Node get(final String key) {
            if (!keys.contains(key)) {
                throw new IllegalStateException("loader reads key '" + key + "' not declared in ScenarioKeys");
            }
            return node.fields.get(key);
        }

        boolean has(final String key) {
            return get(key) != null;
        }

        Node require(final String key) {
            final Node v = get(key);
            if (v == null) {
                throw err(node, "missing required key '" + key + "'");
            }
            return v;
        }
    }

    private Obj obj(final Node n, final String template) {
        if (n.kind != Kind.MAP) {
            throw err(n, "expected a mapping (key: value), got " + describe(n));
        }
        final List<String> keys = ScenarioKeys.of(template);
        for (final Map.Entry<String, Node> e : n.fields.entrySet()) {
            if (!keys.contains(e.getKey())) {
                throw errKey(e.getValue(), "unknown key '" + e.getKey() + "'" + didYouMean(e.getKey(), keys)
                    + "; allowed here: " + String.join(", ", keys));
            }
        }
        return new Obj(n, template);
    }

    private List<Node> list(final Node n) {
        if (n.kind != Kind.LIST) {
            throw err(n, "expected a list, got " + describe(n));
        }
        return n.items;
    }

    private String string(final Node n) {
        if (n.kind != Kind.SCALAR || n.token != JsonToken.VALUE_STRING) {
            throw err(n, "expected a string, got " + describe(n) + (n.kind == Kind.SCALAR && !n.isNull()
                ? " (quote it to make it a string)" : ""));
        }
        return n.text;
    }

    private String nonEmptyString(final Node n) {
        final String s = string(n);
        if (s.isBlank()) {
            throw err(n, "must not be empty");
        }
        return s;
    }

    private boolean bool(final Node n) {
        if (n.kind == Kind.SCALAR && n.token == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (n.kind == Kind.SCALAR && n.token == JsonToken.VALUE_FALSE) {
            return false;
        }
        throw err(n, "expected true or false, got " + describe(n));
    }

    private String choice(final Node n, final List<String> allowed) {
        if (n.kind != Kind.SCALAR || n.token != JsonToken.VALUE_STRING) {
            throw err(n, "expected one of " + String.join(", ", allowed) + ", got " + describe(n));
        }
        if (!allowed.contains(n.text)) {
            throw err(n, "unknown value '" + n.text + "'" + didYouMean(n.text, allowed) + "; allowed: "
                + String.join(", ", allowed));
        }
        return n.text;
    }

    private Bdf bdf(final Node n) {
        if (n.kind != Kind.SCALAR || (n.token != JsonToken.VALUE_STRING && n.token != JsonToken.VALUE_NUMBER_FLOAT)) {
            throw err(n, "expected a PCI address BB:DD.F such as \"00:03.0\", got " + describe(n));
        }
        // an unquoted 00:03.0 is a YAML 1.1 sexagesimal float: its text is what counts
        try {
            return Bdf.parse(n.text);
        } catch (IllegalArgumentException e) {
            throw err(n, e.getMessage());
        }
    }

    private int int32(final Node n, final int min, final int max, final boolean hex) {
        return (int) integer(n, min, max, hex);
    }

    private long integer(final Node n, final long min, final long max, final boolean hex) {
        if (n.kind != Kind.SCALAR || n.token != JsonToken.VALUE_NUMBER_INT) {
            throw err(n, "expected an integer, got " + describe(n));
        }
        if (OCTAL.matcher(n.text).matches()) {
            throw err(n, "'" + n.text + "' has a leading zero, which YAML reads as octal (" + n.number
                + "); write it without the zero, or in hex as 0x...");
        }
        final BigInteger v = n.number instanceof BigInteger ? (BigInteger) n.number
            : BigInteger.valueOf(n.number.longValue());
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw err(n, n.text + " is out of range: " + rangeText(min, max, hex));
        }
        return v.longValue();
    }

    private static String rangeText(final long min, final long max, final boolean hex) {
        if (max == Integer.MAX_VALUE || max == Long.MAX_VALUE) {
            return "must be " + (min == 0 ? "0 or more" : "at least " + min);
        }
        return hex ? String.format(Locale.ROOT, "must be 0x%x..0x%x", min, max) : "must be " + min + ".." + max;
    }

    private static String describe(final Node n) {
        if (n.kind == Kind.MAP) {
            return "a mapping";
        }
        if (n.kind == Kind.LIST) {
            return "a list";
        }
        switch (n.token) {
            case VALUE_NULL:
                return "an empty value";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "the boolean " + n.text;
            case VALUE_NUMBER_INT:
                return "the integer " + n.text;
            case VALUE_NUMBER_FLOAT:
                return "the number " + n.text;
            default:
                return "the string '" + n.text + "'";
        }
    }

    // ================================================================== errors

    private ScenarioException err(final Node n, final String message) {
        return new ScenarioException(source, n.line, n.column, n.path, message, null);
    }

    private ScenarioException errKey(final Node n, final String message) {
        return new ScenarioException(source, n.keyLine, n.keyColumn, n.path, message, null);
    }

    /** The first of the paths the file gives, else the first. */
    private String first(final String... paths) {
        for (final String p : paths) {
            if (tree.find(p) != null) {
                return p;
            }
        }
        return paths[0];
    }

    /**
     * An error at a field path that may be a built-in default the file does not give: then it is
     * placed at the {@code platform} key when the error concerns a default the file's platform does
     * not fit, or else at the nearest enclosing key the file gives, and says which default it is.
     */
    private ScenarioException errAt(final String path, final String message) {
        final Node n = tree.find(path);
        if (n != null) {
            return err(n, message);
        }
        String absent = path;
        String parent = parent(path);
        while (parent != null && tree.find(parent) == null) {
            absent = parent;
            parent = parent(parent);
        }
        Node at = parent == null ? tree.root : tree.find(parent);
        if (at == tree.root && tree.find("platform") != null) {
            at = tree.find("platform");
        }
        return new ScenarioException(source, at.keyLine, at.keyColumn, path, message + " (" + absent
            + " is the built-in default: the file does not give it)", null);
    }

    private static String parent(final String path) {
        if (path.isEmpty()) {
            return null;
        }
        final int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        return cut < 0 ? "" : path.substring(0, cut);
    }

    // ================================================================== did you mean

    /**
     * @param given what the file says
     * @param candidates valid values
     * @return {@code " (did you mean 'x'?)"} for the closest near miss, or empty
     */
    static String didYouMean(final String given, final List<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        final String g = given.toLowerCase(Locale.ROOT);
        for (final String c : candidates) {
            final String lc = c.toLowerCase(Locale.ROOT);
            int d = distance(g, lc);
            if (d > Math.min(3, Math.max(1, Math.max(g.length(), lc.length()) / 3))) {
                final boolean prefix = Math.min(g.length(), lc.length()) >= 3 && (g.startsWith(lc) || lc.startsWith(g));
                if (!prefix) {
                    continue;
                }
                d = Math.abs(g.length() - lc.length());
            }
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best == null || best.equals(given) ? "" : " (did you mean '" + best + "'?)";
    }

    /** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions. */
    private static int distance(final String a, final String b) {
        final int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                final int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
