package io.irqsim.guest.scenario;

import com.fasterxml.jackson.core.JsonToken;
import io.irqsim.guest.scenario.YamlTree.Kind;
import io.irqsim.guest.scenario.YamlTree.Node;
import io.irqsim.hw.ioapic.IoApicModel;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.MmioLayout;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.wire.WireKind;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code platform} section of a scenario, and with {@link FirmwareSection} the
 * {@code firmware} section, into one {@link PlatformSpec}: the machine (CPUs, IO-APICs, PCI devices
 * and bridges, the real interrupt wiring) and the firmware's view of it, checked for what would
 * make a run meaningless: unique reachable PCI addresses, every GSI on an IO-APIC, one electrical
 * kind per GSI, MMIO windows that do not overlap ({@link MmioLayout}); the platform built once so
 * that what {@link Platform} still refuses is reported here.
 */
final class PlatformSection {

    private static final List<String> PCI_PINS = List.of("none", "INTA", "INTB", "INTC", "INTD");
    /** The INTx pins, INTA..INTD, as a scenario names them (also {@code firmware.prt}'s). */
    static final List<String> INTX_PINS = List.of("INTA", "INTB", "INTC", "INTD");
    private static final List<String> WIRE_KINDS = List.of("isa", "pci");
    private static final long U32_MAX = 0xFFFF_FFFFL;
    private static final int MAX_APIC_ID = 0xFE;
    private static final int BRIDGE_CLASS = 0x060400;
    private static final int UNCLASSIFIED = 0xFF0000;
    private static final int DEFAULT_PINS = IoApicRegisters.DEFAULT_PINS;
    private static final int DEFAULT_VERSION = IoApicRegisters.VERSION_20;

    private final ScenarioReader r;

    PlatformSection(final ScenarioReader r) {
        this.r = r;
    }

    PlatformSpec platform(final ScenarioReader.Obj root) {
        final PlatformSpec def = DefaultPlatform.spec();
        final Node pn = root.get("platform");
        final ScenarioReader.Obj p = pn == null ? null : r.obj(pn, ScenarioKeys.PLATFORM);
        final List<PlatformSpec.CpuSpec> cpus = p != null && p.has("cpus") ? cpus(p.get("cpus")) : def.cpus();
        final boolean directedEoi = p != null && p.has("directedEoi") ? r.bool(p.get("directedEoi")) : def.directedEoi();
        final boolean apicv = p != null && p.has("apicv") ? r.bool(p.get("apicv")) : def.apicv();
        final List<PlatformSpec.IoApicSpec> ioapics =
            p != null && p.has("ioapics") ? ioapics(p.get("ioapics")) : def.ioapics();
        final List<PlatformSpec.PciDeviceSpec> pci = p != null && p.has("pci") ? pci(p.get("pci")) : def.pci();
        final ScenarioReader.Obj w = p != null && p.has("wiring") ? r.obj(p.get("wiring"), ScenarioKeys.WIRING) : null;
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
        final FirmwareSection fw = new FirmwareSection(r);
        final PlatformSpec.FirmwareSpec firmware = fw.firmware(root.get("firmware"), def.firmware(), ioapics);
        final PlatformSpec spec = new PlatformSpec(ioapics, cpus, pci, intx, isa, firmware, directedEoi)
            .withApicv(apicv);
        checkLayout(spec);
        try {
            Platform.build(spec, new VirtualClock(), HwTrace.NONE);
        } catch (IllegalArgumentException e) {
            final Node at = pn != null ? pn : root.get("firmware") != null ? root.get("firmware") : r.tree().root;
            throw new ScenarioException(r.source(), at.keyLine, at.keyColumn, "platform",
                "the platform is inconsistent: " + e.getMessage(), e);
        }
        return fw.withAcpidump(root.get("firmware"), spec);
    }

    /**
     * Where the MMIO windows sit ({@link MmioLayout}): an IO-APIC's register window on another IO-APIC's,
     * the local APIC page or the PCI BAR window; BAR slots running into the local APIC page. Refused at
     * the IO-APIC's address, or at the PCI device whose BAR slot is in the way when the file gives no
     * IO-APICs (the PCI list outgrew the BAR window), with both ranges named.
     */
    private void checkLayout(final PlatformSpec spec) {
        final MmioLayout.Overlap o = MmioLayout.firstOverlap(spec);
        if (o == null) {
            return;
        }
        final MmioLayout.Window w = o.window();
        String path = w.kind() == MmioLayout.Kind.IOAPIC
            ? "platform.ioapics[" + w.index() + "].address" : "platform.pci[" + w.index() + "]";
        if (w.kind() == MmioLayout.Kind.IOAPIC && o.other().kind() == MmioLayout.Kind.BAR
            && r.tree().find("platform.ioapics") == null) {
            path = "platform.pci[" + o.other().index() + "]";
        }
        throw r.errAt(path, o.message());
    }

    private List<PlatformSpec.CpuSpec> cpus(final Node n) {
        final List<PlatformSpec.CpuSpec> out = new ArrayList<>();
        if (n.kind == Kind.SCALAR && n.token == JsonToken.VALUE_NUMBER_INT) {
            final int count = r.int32(n, 1, MAX_APIC_ID + 1, false);
            for (int i = 0; i < count; i++) {
                out.add(new PlatformSpec.CpuSpec(i));
            }
            return out;
        }
        if (n.kind != Kind.LIST) {
            throw r.err(n, "expected a CPU count or a list of {apicId: N}, got " + ScenarioReader.describe(n));
        }
        if (n.items.isEmpty()) {
            throw r.err(n, "a platform needs at least one CPU");
        }
        final Map<Integer, String> seen = new HashMap<>();
        for (final Node item : n.items) {
            final ScenarioReader.Obj o = r.obj(item, ScenarioKeys.CPU);
            final Node idNode = o.require("apicId");
            final int id = r.int32(idNode, 0, MAX_APIC_ID, false);
            final String first = seen.putIfAbsent(id, item.path);
            if (first != null) {
                throw r.err(idNode, "APIC id " + id + " is already used by " + first);
            }
            out.add(new PlatformSpec.CpuSpec(id));
        }
        return out;
    }

    private List<PlatformSpec.IoApicSpec> ioapics(final Node n) {
        final List<Node> items = r.list(n);
        if (items.isEmpty()) {
            throw r.err(n, "a platform needs at least one IO-APIC");
        }
        final List<PlatformSpec.IoApicSpec> out = new ArrayList<>();
        for (final Node item : items) {
            final ScenarioReader.Obj o = r.obj(item, ScenarioKeys.IOAPIC);
            final Node idNode = o.require("id");
            final int id = r.int32(idNode, 0, 0xFF, false);
            final Node addrNode = o.require("address");
            final long address = r.integer(addrNode, 0, U32_MAX + 1 - IoApicRegisters.WINDOW_SIZE, true);
            if (MmioLayout.bogusIoApicAddress(address)) {
                // the same ioapic_init_mappings check Xen makes of the MADT's IO-APICs (xen/arch/x86/io_apic.c)
                throw r.err(addrNode, MmioLayout.bogusIoApicMessage(id, address));
            }
            final Node baseNode = o.require("gsiBase");
            final int gsiBase = r.int32(baseNode, 0, MmioLayout.MAX_GSIS - 1, false);
            final Node pinsNode = o.has("pins") ? o.get("pins") : null;
            final int pins = pinsNode != null ? r.int32(pinsNode, 1, IoApicModel.MAX_PINS, false) : DEFAULT_PINS;
            if (gsiBase + pins > MmioLayout.MAX_GSIS) {
                throw r.err(pinsNode != null ? pinsNode : baseNode, String.format(Locale.ROOT, "GSIs %d..%d go past"
                    + " GSI %d: irqsim models at most %d GSIs, Xen's default max_gsi_irqs (it ignores the GSIs above)",
                    gsiBase, gsiBase + pins - 1, MmioLayout.MAX_GSIS - 1, MmioLayout.MAX_GSIS));
            }
            int version = DEFAULT_VERSION;
            if (o.has("version")) {
                final Node v = o.get("version");
                version = r.int32(v, 0, 0xFF, true);
                if (version != IoApicRegisters.VERSION_11 && version != IoApicRegisters.VERSION_20) {
                    throw r.err(v, "IO-APIC version " + v.text + " is not modelled; allowed: 0x11 (82093AA, no EOI"
                        + " register), 0x20 (with the EOI register)");
                }
            }
            if (!IoApicModel.idBitsFit(version, PlatformSpec.IoApicSpec.idBitsFor(id))) {
                throw r.err(idNode, "IO-APIC id " + id + " does not fit the 4-bit IOAPICID of an 82093AA (version"
                    + " 0x11); give an id up to 15, or version 0x20");
            }
            for (int i = 0; i < out.size(); i++) {
                final PlatformSpec.IoApicSpec other = out.get(i);
                final String otherPath = n.path + "[" + i + "]";
                if (other.id() == id) {
                    throw r.err(idNode, "IO-APIC id " + id + " is already used by " + otherPath);
                }
                if (address < other.address() + IoApicRegisters.WINDOW_SIZE
                    && other.address() < address + IoApicRegisters.WINDOW_SIZE) {
                    throw r.err(addrNode, String.format(Locale.ROOT, "IO-APIC id %d's register window 0x%08x-0x%08x"
                        + " overlaps IO-APIC id %d's register window 0x%08x-0x%08x (%s)", id, address,
                        address + IoApicRegisters.WINDOW_SIZE - 1, other.id(), other.address(),
                        other.address() + IoApicRegisters.WINDOW_SIZE - 1, otherPath));
                }
                if (gsiBase < other.gsiBase() + other.pins() && other.gsiBase() < gsiBase + pins) {
                    throw r.err(baseNode, String.format(Locale.ROOT, "GSIs %d..%d overlap GSIs %d..%d of %s", gsiBase,
                        gsiBase + pins - 1, other.gsiBase(), other.gsiBase() + other.pins() - 1, otherPath));
                }
            }
            out.add(new PlatformSpec.IoApicSpec(id, address, gsiBase, pins, version,
                PlatformSpec.IoApicSpec.idBitsFor(id)));
        }
        return out;
    }

    private List<PlatformSpec.PciDeviceSpec> pci(final Node n) {
        final List<Node> items = r.list(n);
        final List<PlatformSpec.PciDeviceSpec> out = new ArrayList<>();
        final Map<Bdf, String> seen = new HashMap<>();
        final Map<Integer, String> bridgeTo = new HashMap<>();
        for (final Node item : items) {
            final ScenarioReader.Obj o = r.obj(item, ScenarioKeys.PCI);
            final Node bdfNode = o.require("bdf");
            final Bdf bdf = r.bdf(bdfNode);
            final String first = seen.putIfAbsent(bdf, item.path);
            if (first != null) {
                throw r.err(bdfNode, "duplicate PCI address " + bdf + ": already given by " + first);
            }
            final String name = o.has("name") ? r.nonEmptyString(o.get("name")) : bdf.toString();
            final Node vendorNode = o.require("vendor");
            final int vendor = r.int32(vendorNode, 0, 0xFFFF, true);
            if (vendor == 0xFFFF) {
                throw r.err(vendorNode, "vendor ID 0xffff means 'no device' to PCI configuration reads;"
                    + " use a real vendor ID");
            }
            final int device = r.int32(o.require("device"), 0, 0xFFFF, true);
            int secondary = -1;
            if (o.has("bridgeTo")) {
                final Node b = o.get("bridgeTo");
                secondary = r.int32(b, 1, 0xFF, false);
                if (secondary <= bdf.bus()) {
                    throw r.err(b, "bus " + secondary + " is not above the bridge's own bus " + bdf.bus());
                }
                final String other = bridgeTo.putIfAbsent(secondary, item.path);
                if (other != null) {
                    throw r.err(b, "bus " + secondary + " is already behind the bridge " + other);
                }
            }
            final boolean bridge = secondary >= 0;
            int classCode = bridge ? BRIDGE_CLASS : UNCLASSIFIED;
            if (o.has("class")) {
                final Node c = o.get("class");
                classCode = r.int32(c, 0, 0xFFFFFF, true);
                if (bridge && classCode != BRIDGE_CLASS) {
                    throw r.err(c, String.format(Locale.ROOT,
                        "a PCI-to-PCI bridge has class 0x%06x; leave class out or write 0x060400", BRIDGE_CLASS));
                }
            }
            int pin = 0;
            if (o.has("pin")) {
                final Node pinNode = o.get("pin");
                pin = PCI_PINS.indexOf(r.choice(pinNode, PCI_PINS));
                if (bridge && pin != 0) {
                    throw r.err(pinNode, "a PCI-to-PCI bridge has no interrupt pin of its own here: its secondary"
                        + " bus's lines are swizzled onto its slot; write pin: none or leave it out");
                }
            }
            out.add(new PlatformSpec.PciDeviceSpec(name, bdf, vendor, device, classCode, pin, secondary));
        }
        for (int i = 0; i < out.size(); i++) {
            final Bdf bdf = out.get(i).bdf();
            if (bdf.bus() != 0 && !bridgeTo.containsKey(bdf.bus())) {
                throw r.err(r.tree().find(n.path + "[" + i + "].bdf"), bdf + " is on bus " + bdf.bus()
                    + ", but no device in platform.pci has bridgeTo: " + bdf.bus());
            }
        }
        return out;
    }

    private List<PlatformSpec.IsaRoute> isa(final Node n, final List<PlatformSpec.IoApicSpec> ioapics,
                                            final Map<Integer, Object[]> kinds) {
        final List<PlatformSpec.IsaRoute> out = new ArrayList<>();
        final Map<Integer, String> seen = new HashMap<>();
        for (final Node item : r.list(n)) {
            final ScenarioReader.Obj o = r.obj(item, ScenarioKeys.ISA);
            final Node irqNode = o.require("irq");
            final int irq = r.int32(irqNode, 0, 15, false);
            final String first = seen.putIfAbsent(irq, item.path);
            if (first != null) {
                throw r.err(irqNode, "ISA IRQ " + irq + " is already wired by " + first);
            }
            final int gsi = r.int32(o.require("gsi"), 0, Integer.MAX_VALUE, false);
            final WireKind kind = o.has("kind") && r.choice(o.get("kind"), WIRE_KINDS).equals("pci")
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
        for (final Node item : r.list(n)) {
            final ScenarioReader.Obj o = r.obj(item, ScenarioKeys.INTX);
            final int slot = r.int32(o.require("slot"), 0, 31, false);
            final Node pinNode = o.require("pin");
            final int pin = INTX_PINS.indexOf(r.choice(pinNode, INTX_PINS)) + 1;
            final String first = seen.putIfAbsent(slot * 8 + pin, item.path);
            if (first != null) {
                throw r.err(pinNode, "slot " + slot + " " + INTX_PINS.get(pin - 1) + " is already wired by " + first);
            }
            final int gsi = r.int32(o.require("gsi"), 0, Integer.MAX_VALUE, false);
            final WireKind kind = o.has("kind") && r.choice(o.get("kind"), WIRE_KINDS).equals("isa")
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
            throw r.errAt(path + ".gsi", problem);
        }
        final Object[] first = kinds.putIfAbsent(gsi, new Object[] {kind, path});
        if (first != null && first[0] != kind) {
            throw r.errAt(path + ".gsi", "GSI " + gsi + " is already wired to " + first[1] + " as " + kindName(
                (WireKind) first[0]) + " line, and this is " + kindName(kind) + " line; one GSI's line has one"
                + " electrical kind (isa: active-high, pci: shared active-low)");
        }
    }

    private static String kindName(final WireKind kind) {
        return kind == WireKind.ISA ? "an ISA (active-high)" : "a PCI (shared active-low)";
    }

    /** @return why {@code gsi} is on no IO-APIC of {@code ioapics} (their ranges named), or null */
    static String gsiProblem(final long gsi, final List<PlatformSpec.IoApicSpec> ioapics) {
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
}
