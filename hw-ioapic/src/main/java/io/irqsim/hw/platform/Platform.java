package io.irqsim.hw.platform;

import io.irqsim.hw.apic.ApicBus;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.firmware.AcpiTables;
import io.irqsim.hw.firmware.Madt;
import io.irqsim.hw.firmware.MadtIoApic;
import io.irqsim.hw.firmware.MadtLocalApic;
import io.irqsim.hw.firmware.PciLinkDevice;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicModel;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciBridge;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.pci.PciRoot;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.wire.IrqWire;
import io.irqsim.hw.wire.WireKind;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The physical machine assembled from a {@link PlatformSpec}: CPUs with their local APICs on an
 * {@link ApicBus}, IO-APICs fed by {@link IrqWire}s, the PCI hierarchy whose INTx outputs are
 * connected by the real wiring (with the standard swizzle at each bridge), each CPU's view of
 * physical MMIO, and the firmware tables.
 *
 * <p>Each CPU has its own {@link MmioBus}: the IO-APIC windows and PCI BARs are mapped into every
 * CPU's bus, the LAPIC page (at {@link PlatformSpec#lapicAddress()}, 0xFEE00000 unless the firmware moved
 * it) only into its own CPU's.
 */
public final class Platform {

    private final PlatformSpec spec;
    private final VirtualClock clock;
    private final HwTrace trace;
    private final ApicBus apicBus;
    private final List<LocalApic> lapics = new ArrayList<>();
    private final List<MmioBus> cpuBuses = new ArrayList<>();
    private final List<IoApic> ioapics = new ArrayList<>();
    /** The IO-APIC of each GSI (null where none has a pin): asked on every hardware-domain unmask. */
    private IoApic[] ioapicByGsi = new IoApic[0];
    private final List<Long> ioapicAddresses = new ArrayList<>();
    private final IrqWire[] wires;
    private final IrqWire[] isaWires = new IrqWire[16];
    private final PciRoot pci = new PciRoot();
    private final AcpiTables firmware;
    private final List<String> warnings = new ArrayList<>();

    private Platform(final PlatformSpec spec, final VirtualClock clock, final HwTrace trace) {
        this.spec = spec;
        this.clock = clock;
        this.trace = trace;
        this.apicBus = new ApicBus(trace);
        if (spec.cpus().isEmpty()) {
            throw new IllegalArgumentException("a platform needs at least one CPU");
        }
        if (spec.ioapics().isEmpty()) {
            throw new IllegalArgumentException("a platform needs at least one IO-APIC");
        }
        // what Xen refuses at boot first (ioapic_init_mappings), then geometry, in words: MmioBus.map would name
        // only the two devices, and a GSI base near 2^31 would size the wire table past the heap
        final int bogus = MmioLayout.firstBogusIoApicAddress(spec);
        if (bogus >= 0) {
            final PlatformSpec.IoApicSpec s = spec.ioapics().get(bogus);
            throw new IllegalArgumentException(MmioLayout.bogusIoApicMessage(s.id(), s.address()));
        }
        final int pastGsiLimit = MmioLayout.firstIoApicPastGsiLimit(spec);
        if (pastGsiLimit >= 0) {
            throw new IllegalArgumentException(MmioLayout.gsiLimitMessage(spec, pastGsiLimit));
        }
        final MmioLayout.Overlap overlap = MmioLayout.firstOverlap(spec);
        if (overlap != null) {
            throw new IllegalArgumentException(overlap.message());
        }
        buildCpus();
        final int gsis = buildIoApics();
        this.wires = new IrqWire[gsis];
        buildWires();
        buildPci();
        this.firmware = buildFirmware();
    }

    /**
     * Assembles a machine.
     *
     * @param spec the description
     * @param clock virtual time
     * @param trace where hardware events go
     * @return the machine, every IO-APIC entry masked
     * @throws IllegalArgumentException with the reason if the description is inconsistent: among others, an
     *     IO-APIC address Xen calls bogus ({@link MmioLayout#firstBogusIoApicAddress}), a GSI past
     *     {@link MmioLayout#MAX_GSIS} or two MMIO windows that overlap ({@link MmioLayout#firstOverlap})
     */
    public static Platform build(final PlatformSpec spec, final VirtualClock clock, final HwTrace trace) {
        return new Platform(spec, clock, trace);
    }

    private void buildCpus() {
        for (int cpu = 0; cpu < spec.cpus().size(); cpu++) {
            final LocalApic lapic = new LocalApic(cpu, spec.cpus().get(cpu).apicId(), spec.directedEoi(), trace);
            apicBus.attach(lapic);
            lapics.add(lapic);
            final MmioBus bus = new MmioBus(trace);
            bus.map(spec.lapicAddress(), LocalApicRegisters.PAGE_SIZE, lapic);
            cpuBuses.add(bus);
        }
    }

    private int buildIoApics() {
        int gsis = 0;
        final List<PlatformSpec.IoApicSpec> sorted = new ArrayList<>(spec.ioapics());
        sorted.sort(Comparator.comparingInt(PlatformSpec.IoApicSpec::gsiBase));
        int nextFree = 0;
        for (final PlatformSpec.IoApicSpec s : sorted) {
            if (s.gsiBase() < nextFree) {
                throw new IllegalArgumentException(String.format(
                    "IO-APIC id %d: GSI range %d..%d overlaps the IO-APIC below it", s.id(), s.gsiBase(),
                    s.gsiBase() + s.pins() - 1));
            }
            nextFree = s.gsiBase() + s.pins();
        }
        for (int i = 0; i < spec.ioapics().size(); i++) {
            final PlatformSpec.IoApicSpec s = spec.ioapics().get(i);
            final IoApic io = new IoApic("ioapic" + i,
                new IoApicModel(s.version(), s.pins(), 8, true).withIdBits(s.idBits()), s.id(), s.gsiBase(), apicBus,
                clock, trace);
            apicBus.addEoiListener(io);
            for (final MmioBus bus : cpuBuses) {
                bus.map(s.address(), IoApicRegisters.WINDOW_SIZE, io);
            }
            ioapics.add(io);
            ioapicAddresses.add(s.address());
            gsis = Math.max(gsis, s.gsiBase() + s.pins());
        }
        ioapicByGsi = IoApic.byGsi(ioapics);
        return gsis;
    }

    private void buildWires() {
        final WireKind[] kinds = new WireKind[wires.length];
        final String[] why = new String[wires.length];
        for (final PlatformSpec.IsaRoute r : spec.isaWiring()) {
            if (r.irq() < 0 || r.irq() > 15) {
                throw new IllegalArgumentException("ISA IRQ " + r.irq() + " is not 0..15");
            }
            checkGsi(r.gsi(), "ISA IRQ " + r.irq());
            claim(kinds, why, r.gsi(), r.kind(), "ISA IRQ " + r.irq());
        }
        for (final PlatformSpec.IntxRoute r : spec.intxWiring()) {
            if (r.pin() < 1 || r.pin() > 4 || r.slot() < 0 || r.slot() > 31) {
                throw new IllegalArgumentException("INTx wiring entry slot " + r.slot() + " pin " + r.pin()
                    + ": slot must be 0..31 and pin 1..4");
            }
            checkGsi(r.gsi(), "slot " + r.slot() + " INT" + (char) ('A' + r.pin() - 1));
            claim(kinds, why, r.gsi(), r.kind(), "PCI slot " + r.slot());
        }
        for (int gsi = 0; gsi < wires.length; gsi++) {
            final IoApic io = ioapicForGsi(gsi);
            if (io == null) {
                continue;
            }
            // unused inputs: ISA lines below 16, pulled-up PCI lines above
            final WireKind kind = kinds[gsi] != null ? kinds[gsi] : gsi < 16 ? WireKind.ISA : WireKind.PCI_INTX;
            final IrqWire w = new IrqWire("gsi" + gsi, kind);
            w.connect(io, gsi - io.gsiBase());
            wires[gsi] = w;
        }
        for (final PlatformSpec.IsaRoute r : spec.isaWiring()) {
            isaWires[r.irq()] = wires[r.gsi()];
        }
    }

    private void checkGsi(final int gsi, final String what) {
        if (gsi < 0 || gsi >= wires.length || ioapicForGsi(gsi) == null) {
            throw new IllegalArgumentException(what + " is wired to GSI " + gsi + ", which no IO-APIC has");
        }
    }

    private static void claim(final WireKind[] kinds, final String[] why, final int gsi, final WireKind kind,
                              final String by) {
        if (kinds[gsi] != null && kinds[gsi] != kind) {
            throw new IllegalArgumentException("GSI " + gsi + " is wired to both " + why[gsi] + " (" + kinds[gsi]
                + ") and " + by + " (" + kind + ")");
        }
        kinds[gsi] = kind;
        why[gsi] = by;
    }

    private void buildPci() {
        final List<PlatformSpec.PciDeviceSpec> sorted = new ArrayList<>(spec.pci());
        sorted.sort(Comparator.comparingInt((PlatformSpec.PciDeviceSpec d) -> d.bdf().bus())
            .thenComparing(PlatformSpec.PciDeviceSpec::bdf));
        for (final PlatformSpec.PciDeviceSpec d : sorted) {
            final PciFunction f = d.isBridge()
                ? new PciBridge(d.bdf(), d.name(), d.vendorId(), d.deviceId(), d.secondaryBus(), trace)
                : new PciFunction(d.bdf(), d.name(), d.vendorId(), d.deviceId(), d.classCode(), d.interruptPin(), trace);
            pci.add(f);
        }
        for (final PciFunction f : pci.functions()) {
            if (f.interruptPin() == 0) {
                continue;
            }
            final int[] root = rootSlotAndPin(f);
            final int gsi = realGsi(root[0], root[1]);
            if (gsi < 0) {
                warnings.add(String.format(Locale.ROOT, "%s INT%c reaches root slot %d INT%c, which is wired to no GSI:"
                    + " its interrupts go nowhere", f.bdf(), 'A' + f.interruptPin() - 1, root[0], 'A' + root[1] - 1));
                continue;
            }
            f.connectIntx(wires[gsi]);
        }
    }

    /**
     * The root-bus slot and pin a function's INTx line physically reaches, swizzling at each bridge.
     *
     * @param f a function with an interrupt pin
     * @return {slot, pin} on bus 0
     */
    public int[] rootSlotAndPin(final PciFunction f) {
        int pin = f.interruptPin();
        Bdf at = f.bdf();
        while (at.bus() != 0) {
            pin = PciBridge.swizzle(at.device(), pin);
            final PciBridge bridge = pci.bridgeFor(at.bus());
            at = bridge.bdf();
        }
        return new int[] {at.device(), pin};
    }

    private int realGsi(final int slot, final int pin) {
        for (final PlatformSpec.IntxRoute r : spec.intxWiring()) {
            if (r.slot() == slot && r.pin() == pin) {
                return r.gsi();
            }
        }
        return -1;
    }

    private AcpiTables buildFirmware() {
        final PlatformSpec.FirmwareSpec fw = spec.firmware();
        final List<MadtLocalApic> madtCpus = new ArrayList<>();
        for (int i = 0; i < spec.cpus().size(); i++) {
            madtCpus.add(new MadtLocalApic(i, spec.cpus().get(i).apicId(), true));
        }
        final List<MadtIoApic> madtIo = new ArrayList<>();
        for (final PlatformSpec.IoApicSpec s : spec.ioapics()) {
            madtIo.add(new MadtIoApic(s.id(), s.address(), s.gsiBase()));
        }
        final List<PciLinkDevice> links = new ArrayList<>();
        for (final PlatformSpec.LinkSpec l : fw.links()) {
            links.add(new PciLinkDevice(l.name(), l.possible(), l.trigger(), l.polarity(), l.shareable(),
                l.extended(), l.current()));
        }
        return new AcpiTables(new Madt(fw.pcatCompat(), madtCpus, madtIo, fw.overrides()), fw.prt(), links,
            fw.sciGsi());
    }

    // ---------------------------------------------------------------- queries

    /** @return the description this machine was built from */
    public PlatformSpec spec() {
        return spec;
    }

    /** @return virtual time */
    public VirtualClock clock() {
        return clock;
    }

    /** @return the trace sink hardware events go to */
    public HwTrace trace() {
        return trace;
    }

    /** @return the APIC bus */
    public ApicBus apicBus() {
        return apicBus;
    }

    /** @return where each CPU sees its local APIC page */
    public long lapicAddress() {
        return spec.lapicAddress();
    }

    /** @return number of CPUs */
    public int cpuCount() {
        return lapics.size();
    }

    /**
     * @param cpu CPU index
     * @return its local APIC
     */
    public LocalApic lapic(final int cpu) {
        return lapics.get(cpu);
    }

    /**
     * @param cpu CPU index
     * @return the physical address space as that CPU sees it
     */
    public MmioBus bus(final int cpu) {
        return cpuBuses.get(cpu);
    }

    /** @return the IO-APICs in description order */
    public List<IoApic> ioapics() {
        return List.copyOf(ioapics);
    }

    /**
     * @param index IO-APIC index
     * @return its MMIO base address
     */
    public long ioapicAddress(final int index) {
        return ioapicAddresses.get(index);
    }

    /**
     * @param gsi a GSI
     * @return the IO-APIC with a pin for it, or {@code null}
     */
    public IoApic ioapicForGsi(final int gsi) {
        final IoApic[] byGsi = ioapicByGsi;
        return gsi >= 0 && gsi < byGsi.length ? byGsi[gsi] : null;
    }

    /**
     * The index of an IO-APIC in description order, without copying the list as
     * {@code ioapics().indexOf(io)} would (allocation-free, for hot paths).
     *
     * @param io an IO-APIC
     * @return its index, or -1 if it is not one of this machine's
     */
    public int ioapicIndex(final IoApic io) {
        return ioapics.indexOf(io);
    }

    /** @return one more than the highest GSI any IO-APIC has */
    public int gsiCount() {
        return wires.length;
    }

    /**
     * @param gsi a GSI
     * @return the wire feeding it, or {@code null}
     */
    public IrqWire wire(final int gsi) {
        return gsi >= 0 && gsi < wires.length ? wires[gsi] : null;
    }

    /**
     * @param irq ISA IRQ
     * @return the wire that ISA line really is, or {@code null} if it is not wired
     */
    public IrqWire isaWire(final int irq) {
        return irq >= 0 && irq < 16 ? isaWires[irq] : null;
    }

    /** @return the PCI hierarchy */
    public PciRoot pci() {
        return pci;
    }

    /** @return what the firmware says */
    public AcpiTables firmware() {
        return firmware;
    }

    /** @return problems found while wiring (a PCI line wired nowhere, ...) */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /**
     * Programs a memory BAR and maps the device behind it into every CPU's address space, as
     * firmware does at boot.
     *
     * @param f the function
     * @param bar BAR number
     * @param address the address to assign: 32-bit and aligned to the BAR's size (PCI 3.0 6.2.5.1)
     * @throws IllegalArgumentException if the BAR has no device, the address is one the BAR cannot
     *     hold, or the window overlaps a mapped range; nothing is changed then
     */
    public void assignBar(final PciFunction f, final int bar, final long address) {
        final MmioDevice device = f.barDevice(bar);
        final long size = f.barSize(bar);
        if (device == null || size == 0) {
            throw new IllegalArgumentException(f.bdf() + " BAR" + bar + " has no device behind it");
        }
        if ((f.configRead(PciConfigRegisters.BAR0 + 4 * bar, 4) & 1) != 0) {
            throw new IllegalArgumentException(f.bdf() + " BAR" + bar + " is an I/O BAR, not memory: it has no MMIO window");
        }
        if (address < 0 || address + size > 0x1_0000_0000L || (address & (size - 1)) != 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                "%s BAR%d: address 0x%x is not a 32-bit address aligned to the BAR size 0x%x",
                f.bdf(), bar, address, size));
        }
        // map first: an overlap is refused before the BAR is changed
        for (int i = 0; i < cpuBuses.size(); i++) {
            try {
                cpuBuses.get(i).map(address, size, device);
            } catch (IllegalArgumentException e) {
                for (int j = 0; j < i; j++) {
                    cpuBuses.get(j).unmap(address);
                }
                throw e;
            }
        }
        f.configWrite(PciConfigRegisters.BAR0 + 4 * bar, 4, (int) address);
    }

    /**
     * A one-screen description of the machine: CPUs, IO-APICs, PCI functions with the GSI their
     * INTx really reaches, and what the firmware says.
     *
     * @return text
     */
    public String describe() {
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format("CPUs: %d (APIC ids", lapics.size()));
        for (final LocalApic l : lapics) {
            sb.append(' ').append(l.apicId());
        }
        sb.append(String.format("), local APIC page at 0x%x%n", spec.lapicAddress()));
        for (int i = 0; i < ioapics.size(); i++) {
            final IoApic io = ioapics.get(i);
            sb.append(String.format("IO-APIC %d: id %d, version 0x%x, %d pins, GSI %d-%d, at 0x%x%n", i, io.id(),
                io.model().version(), io.pins(), io.gsiBase(), io.gsiBase() + io.pins() - 1, ioapicAddresses.get(i)));
        }
        sb.append("PCI:\n");
        for (final PciFunction f : pci.functions()) {
            sb.append(String.format("  %s %-8s [%04x:%04x] class %06x", f.bdf(), f.name(), f.vendorId(),
                f.deviceId(), f.classCode()));
            if (f.isBridge()) {
                sb.append(String.format(" bridge to bus %d", ((PciBridge) f).secondaryBus()));
            } else if (f.interruptPin() != 0) {
                sb.append(String.format(" INT%c -> %s", 'A' + f.interruptPin() - 1,
                    f.intxWire() == null ? "(not wired)" : f.intxWire().name()));
            }
            sb.append('\n');
        }
        sb.append("Firmware: ");
        firmware.madt().overrides().forEach(o -> sb.append(String.format("ISO IRQ%d->GSI%d %s/%s; ", o.source(),
            o.gsi(), o.trigger().label(), o.polarity().label())));
        firmware.links().forEach(l -> sb.append(l).append("; "));
        sb.append("SCI GSI ").append(firmware.sciGsi()).append('\n');
        for (final String w : warnings) {
            sb.append("warning: ").append(w).append('\n');
        }
        return sb.toString();
    }

    /**
     * Whether every IO-APIC entry is in its reset state (masked, nothing else set).
     *
     * @return {@code true} if so
     */
    public boolean allEntriesReset() {
        for (final IoApic io : ioapics) {
            for (int pin = 0; pin < io.pins(); pin++) {
                if (io.rte(pin) != Rte.RESET) {
                    return false;
                }
            }
        }
        return true;
    }
}
