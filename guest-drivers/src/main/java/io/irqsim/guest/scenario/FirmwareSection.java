package io.irqsim.guest.scenario;

import io.irqsim.guest.scenario.YamlTree.Kind;
import io.irqsim.guest.scenario.YamlTree.Node;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The {@code firmware} section of a scenario: the firmware's view of the machine
 * {@link PlatformSection} builds (MADT interrupt source overrides, ACPI PCI link devices,
 * {@code _PRT}, the SCI), checked so that every GSI it names is on an IO-APIC and every
 * {@code _PRT} entry names an existing link device; or a real {@code acpidump} in its place.
 */
final class FirmwareSection {

    private static final List<String> INTX_PINS = PlatformSection.INTX_PINS;
    private static final List<String> TRIGGERS = List.of("level", "edge");
    private static final List<String> POLARITIES = List.of("low", "high");
    private static final Pattern BUS_KEY = Pattern.compile("[0-9]{1,3}");
    private static final Pattern LINK_NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,3}");

    private final ScenarioReader r;

    FirmwareSection(final ScenarioReader r) {
        this.r = r;
    }

    /**
     * {@code firmware:} overrides, link devices, {@code _PRT} and the SCI, each GSI checked against the
     * machine's IO-APICs; a key left out keeps the default platform's.
     */
    PlatformSpec.FirmwareSpec firmware(final Node n, final PlatformSpec.FirmwareSpec def,
                                               final List<PlatformSpec.IoApicSpec> ioapics) {
        final ScenarioReader.Obj f = n == null ? null : r.obj(n, ScenarioKeys.FIRMWARE);
        final List<InterruptSourceOverride> overrides = f != null && f.has("overrides")
            ? overrides(f.get("overrides")) : def.overrides();
        final List<PlatformSpec.LinkSpec> links = f != null && f.has("links") ? links(f.get("links")) : def.links();
        final Map<Integer, List<PrtEntry>> prt = f != null && f.has("prt") ? prt(f.get("prt"), links) : def.prt();
        int sciGsi = def.sciGsi();
        if (f != null && f.has("sciGsi")) {
            sciGsi = r.int32(f.get("sciGsi"), 0, Integer.MAX_VALUE, false);
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
                    throw r.errAt(bus + "[" + i + "].link", noSuchLink(entry.source(), links));
                }
            }
        }
        checkGsi(sciGsi, "firmware.sciGsi", ioapics);
        // no scenario key for the MADT's PCAT_COMPAT flag: the default platform's (set) is kept
        return new PlatformSpec.FirmwareSpec(overrides, prt, links, sciGsi, def.pcatCompat());
    }

    /** The path of bus {@code bus}'s {@code _PRT}: the key as the file writes it, if it does. */
    private String prtPath(final ScenarioReader.Obj f, final int bus) {
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
        final String problem = PlatformSection.gsiProblem(gsi, ioapics);
        if (problem != null) {
            throw r.errAt(path, problem);
        }
    }

    private static String noSuchLink(final String name, final List<PlatformSpec.LinkSpec> links) {
        return "no link device named '" + name + "'" + ScenarioReader.didYouMean(name, linkNames(links)) + "; "
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
        for (final Node item : r.list(n)) {
            final ScenarioReader.Obj o = r.obj(item, ScenarioKeys.OVERRIDE);
            final Node irqNode = o.require("irq");
            final int irq = r.int32(irqNode, 0, 15, false);
            final String first = seen.putIfAbsent(irq, item.path);
            if (first != null) {
                throw r.err(irqNode, "ISA IRQ " + irq + " already has an override: " + first);
            }
            final int gsi = r.int32(o.require("gsi"), 0, Integer.MAX_VALUE, false);
            final IrqTrigger trigger = o.has("trigger") ? trigger(o.get("trigger")) : null;
            final IrqPolarity polarity = o.has("polarity") ? polarity(o.get("polarity")) : null;
            out.add(InterruptSourceOverride.of(irq, gsi, trigger, polarity));
        }
        return out;
    }

    private List<PlatformSpec.LinkSpec> links(final Node n) {
        final List<PlatformSpec.LinkSpec> out = new ArrayList<>();
        final Map<String, String> seen = new HashMap<>();
        for (final Node item : r.list(n)) {
            final ScenarioReader.Obj o = r.obj(item, ScenarioKeys.LINK);
            final Node nameNode = o.require("name");
            final String name = r.string(nameNode);
            if (!LINK_NAME.matcher(name).matches()) {
                throw r.err(nameNode, "'" + name + "' is not an ACPI name: 1..4 characters A-Z, 0-9, _, not starting"
                    + " with a digit, e.g. LNKA");
            }
            final String first = seen.putIfAbsent(name, item.path);
            if (first != null) {
                throw r.err(nameNode, "a link device named " + name + " is already given by " + first);
            }
            final boolean extended = !o.has("extended") || r.bool(o.get("extended"));
            final Node possibleNode = o.require("possible");
            final List<Node> possibleItems = r.list(possibleNode);
            if (possibleItems.isEmpty()) {
                throw r.err(possibleNode, "_PRS must list at least one interrupt");
            }
            final List<Integer> possible = new ArrayList<>();
            for (final Node p : possibleItems) {
                final int irq = r.int32(p, 0, Integer.MAX_VALUE, false);
                if (!extended && irq > 15) {
                    throw r.err(p, irq + " does not fit an IRQ descriptor (extended: false holds ISA IRQs 0..15);"
                        + " use extended: true for GSIs");
                }
                if (possible.contains(irq)) {
                    throw r.err(p, irq + " is listed twice");
                }
                possible.add(irq);
            }
            final IrqTrigger trigger = o.has("trigger") ? trigger(o.get("trigger")) : IrqTrigger.LEVEL;
            final IrqPolarity polarity = o.has("polarity") ? polarity(o.get("polarity")) : IrqPolarity.ACTIVE_LOW;
            final boolean shareable = !o.has("shareable") || r.bool(o.get("shareable"));
            int current = 0;
            if (o.has("current")) {
                final Node c = o.get("current");
                current = r.int32(c, 0, Integer.MAX_VALUE, false);
                if (current != 0 && !possible.contains(current)) {
                    throw r.err(c, current + " is not in possible " + possible + " (0 = disabled)");
                }
            }
            out.add(new PlatformSpec.LinkSpec(name, possible, trigger, polarity, shareable, extended, current));
        }
        return out;
    }

    private Map<Integer, List<PrtEntry>> prt(final Node n, final List<PlatformSpec.LinkSpec> links) {
        if (n.kind != Kind.MAP) {
            throw r.err(n, "expected a mapping from bus number to a list of _PRT entries, got " + ScenarioReader.describe(n));
        }
        final Map<Integer, List<PrtEntry>> out = new LinkedHashMap<>();
        final Map<Integer, String> buses = new HashMap<>();
        for (final Map.Entry<String, Node> e : n.fields.entrySet()) {
            final Node busNode = e.getValue();
            if (!BUS_KEY.matcher(e.getKey()).matches() || Integer.parseInt(e.getKey()) > 0xFF) {
                throw r.errKey(busNode, "'" + e.getKey() + "' is not a bus number: the keys of prt are decimal bus"
                    + " numbers 0..255");
            }
            final int bus = Integer.parseInt(e.getKey());
            final String first = buses.putIfAbsent(bus, busNode.path);
            if (first != null) {
                throw r.errKey(busNode, "bus " + bus + " already has a _PRT: " + first);
            }
            final List<PrtEntry> entries = new ArrayList<>();
            final Map<Integer, String> seen = new HashMap<>();
            for (final Node item : r.list(busNode)) {
                final ScenarioReader.Obj o = r.obj(item, ScenarioKeys.PRT_ENTRY);
                final int device = r.int32(o.require("device"), 0, 31, false);
                final Node pinNode = o.require("pin");
                final int pin = INTX_PINS.indexOf(r.choice(pinNode, INTX_PINS));
                final String other = seen.putIfAbsent(device * 4 + pin, item.path);
                if (other != null) {
                    throw r.err(pinNode, "device " + device + " " + INTX_PINS.get(pin) + " already has an entry: "
                        + other);
                }
                if (o.has("link") == o.has("gsi")) {
                    throw r.err(item, o.has("link") ? "give either link or gsi, not both"
                        : "missing 'link' (a link device name) or 'gsi' (a hard-wired GSI)");
                }
                if (o.has("link")) {
                    final Node linkNode = o.get("link");
                    final String link = r.string(linkNode);
                    if (links.stream().noneMatch(l -> l.name().equals(link))) {
                        throw r.err(linkNode, noSuchLink(link, links));
                    }
                    entries.add(PrtEntry.toLink(device, pin, link));
                } else {
                    entries.add(PrtEntry.toGsi(device, pin, r.int32(o.get("gsi"), 0, Integer.MAX_VALUE, false)));
                }
            }
            out.put(bus, entries);
        }
        return out;
    }

    private IrqTrigger trigger(final Node n) {
        return r.choice(n, TRIGGERS).equals("level") ? IrqTrigger.LEVEL : IrqTrigger.EDGE;
    }

    private IrqPolarity polarity(final Node n) {
        return r.choice(n, POLARITIES).equals("low") ? IrqPolarity.ACTIVE_LOW : IrqPolarity.ACTIVE_HIGH;
    }

    /** {@code firmware: {acpidump: PATH}}: the machine of a real firmware, the scenario's PCI devices (docs/firmware.md). */
    PlatformSpec withAcpidump(final Node fn, final PlatformSpec spec) {
        final ScenarioReader.Obj f = fn == null ? null : r.obj(fn, ScenarioKeys.FIRMWARE);
        if (f == null || !f.has("acpidump")) {
            return spec;
        }
        final java.nio.file.Path given = java.nio.file.Path.of(r.nonEmptyString(f.get("acpidump")));
        final java.nio.file.Path parent = java.nio.file.Path.of(r.source()).toAbsolutePath().getParent();
        final java.nio.file.Path dump = given.isAbsolute() || parent == null ? given : parent.resolve(given);
        final Map<String, Long> fields = new HashMap<>();
        if (f.has("fields")) {
            final Node fl = f.get("fields");
            if (fl.kind != Kind.MAP) {
                throw r.err(fl, "expected a mapping of OperationRegion field paths to values, got " + ScenarioReader.describe(fl));
            }
            fl.fields.forEach((path, v) -> fields.put(path, r.integer(v, 0, Long.MAX_VALUE, true)));
        }
        final Map<Integer, Integer> pins = new HashMap<>();
        if (f.has("ioapicPins")) {
            final Node pn = f.get("ioapicPins");
            if (pn.kind != Kind.MAP) {
                throw r.err(pn, "expected a mapping of IO-APIC id to pin count, got " + ScenarioReader.describe(pn));
            }
            for (final Map.Entry<String, Node> e : pn.fields.entrySet()) {
                if (!e.getKey().matches("\\d{1,3}")) {
                    throw r.err(e.getValue(), "'" + e.getKey() + "' is not an IO-APIC id (0..255)");
                }
                pins.put(Integer.parseInt(e.getKey()), r.int32(e.getValue(), 1, 240, false));
            }
        }
        try {
            final PlatformSpec built = io.irqsim.hw.firmware.acpi.FirmwarePlatform.spec(
                io.irqsim.hw.firmware.acpi.AcpiFirmware.read(dump, fields, pins), spec).spec();
            Platform.build(built, new VirtualClock(), HwTrace.NONE);
            return built;
        } catch (io.irqsim.hw.firmware.acpi.AcpiInputException | IllegalArgumentException e) {
            throw r.errAt("firmware.acpidump", e.getMessage());
        }
    }
}
