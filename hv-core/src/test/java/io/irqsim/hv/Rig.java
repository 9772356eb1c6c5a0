package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.hypercall.DomctlOps;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.time.VirtualClock;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A booted machine for tests, and the things a guest kernel does to it: MMIO to the trapped
 * vIO-APIC and vLAPIC of a vCPU, the toolstack's passthrough sequence, trace queries.
 */
public final class Rig implements AutoCloseable {

    /** Vector the test guests program for their passthrough line. */
    public static final int GUEST_VECTOR = 0x51;

    public final Hypervisor xen;
    public final TraceRecorder trace;

    private Rig(final Hypervisor xen, final TraceRecorder trace) {
        this.xen = xen;
        this.trace = trace;
    }

    /**
     * Boots Xen on a machine tracing into a recorder of the caller's choice.
     *
     * @param spec the machine
     * @param config the design
     * @param recorder makes the recorder from the machine's clock
     * @return the rig
     */
    public static Rig boot(final PlatformSpec spec, final XenConfig config,
                           final java.util.function.Function<VirtualClock, TraceRecorder> recorder) {
        final VirtualClock clock = new VirtualClock();
        final TraceRecorder trace = recorder.apply(clock);
        return new Rig(Hypervisor.boot(Platform.build(spec, clock, trace), config, trace), trace);
    }

    /** Releases the trace buffer. */
    @Override
    public void close() {
        trace.close();
    }

    /** @param config the design @return the default platform with Xen booted on it */
    public static Rig boot(final XenConfig config) {
        return boot(DefaultPlatform.spec(), config);
    }

    /** @param spec the machine @param config the design @return Xen booted on it, tracing into memory */
    public static Rig boot(final PlatformSpec spec, final XenConfig config) {
        final VirtualClock clock = new VirtualClock();
        final TraceRecorder trace = TraceRecorder.inMemory(clock, 1 << 12);
        return new Rig(Hypervisor.boot(Platform.build(spec, clock, trace), config, trace), trace);
    }

    /**
     * The default platform with its IO-APIC replaced by one of another version (0x11: no EOI
     * register; Xen still uses directed EOI if the LAPICs offer it, faking the IO-APIC EOI with an
     * edge/level flip, {@code __io_apic_eoi}).
     *
     * @param version IO-APIC version
     * @param directedEoi whether the LAPICs advertise EOI-broadcast suppression
     * @return the description
     */
    public static PlatformSpec defaultPlatformWithIoApicVersion(final int version, final boolean directedEoi) {
        final PlatformSpec d = DefaultPlatform.spec();
        final PlatformSpec.IoApicSpec io = d.ioapics().get(0);
        return new PlatformSpec(List.of(new PlatformSpec.IoApicSpec(io.id(), io.address(), io.gsiBase(), io.pins(),
            version)), d.cpus(), d.pci(), d.intxWiring(), d.isaWiring(), d.firmware(), directedEoi);
    }

    /**
     * A machine on which Xen uses the "new" ack mode: LAPICs without EOI-broadcast suppression
     * ({@code verify_local_APIC} leaves {@code directed_eoi_enabled} false), an 82093AA IO-APIC.
     *
     * @return the description
     */
    public static PlatformSpec newAckPlatform() {
        return defaultPlatformWithIoApicVersion(IoApicRegisters.VERSION_11, false);
    }

    /**
     * The default platform's CPUs, PCI and link devices with other IO-APICs and only the given MADT
     * interrupt source overrides; ISA lines whose GSI none of the IO-APICs has are left unwired.
     *
     * @param ioapics the IO-APICs, in description (MADT) order
     * @param overrides the MADT's interrupt source overrides, in table order
     * @return the description
     */
    public static PlatformSpec defaultPlatformWith(final List<PlatformSpec.IoApicSpec> ioapics,
                                                   final InterruptSourceOverride... overrides) {
        final PlatformSpec d = DefaultPlatform.spec();
        final PlatformSpec.FirmwareSpec fw = d.firmware();
        final List<PlatformSpec.IsaRoute> isa = d.isaWiring().stream()
            .filter(r -> ioapics.stream().anyMatch(io -> r.gsi() >= io.gsiBase() && r.gsi() < io.gsiBase() + io.pins()))
            .toList();
        return new PlatformSpec(ioapics, d.cpus(), d.pci(), d.intxWiring(), isa,
            new PlatformSpec.FirmwareSpec(List.of(overrides), fw.prt(), fw.links(), fw.sciGsi(), fw.pcatCompat()),
            false);
    }

    /**
     * The default platform plus a second IO-APIC (id 3, 16 pins, at 0xFEC20000) whose GSI base
     * leaves a hole above the first one's 24 pins.
     *
     * @param secondGsiBase GSI base of the second IO-APIC (24 for no hole)
     * @return the description
     */
    public static PlatformSpec defaultPlatformWithSecondIoApic(final int secondGsiBase) {
        final PlatformSpec d = DefaultPlatform.spec();
        final List<PlatformSpec.IoApicSpec> ioapics = new ArrayList<>(d.ioapics());
        ioapics.add(new PlatformSpec.IoApicSpec(3, 0xFEC2_0000L, secondGsiBase, 16, IoApicRegisters.VERSION_20));
        return new PlatformSpec(ioapics, d.cpus(), d.pci(), d.intxWiring(), d.isaWiring(), d.firmware(),
            d.directedEoi());
    }

    // ---------------------------------------------------------------- domains

    /** @return a privileged PVH hardware domain with 2 vCPUs */
    public Domain pvhDom0() {
        return xen.createDomain(DomainConfig.dom0(DomainType.PVH, 2));
    }

    /** @return a privileged PV hardware domain with 1 vCPU */
    public Domain pvDom0() {
        return xen.createDomain(DomainConfig.dom0(DomainType.PV, 1));
    }

    /** @param name name @return an unprivileged HVM guest with an IOMMU context */
    public Domain hvmGuest(final String name) {
        return xen.createDomain(DomainConfig.hvmGuest(name, 1));
    }

    // ---------------------------------------------------------------- guest MMIO

    /** @return where Xen maps an HVM guest's vIO-APIC, and the default platform's IO-APIC */
    public static long defaultVioapicBase() {
        return IoApicRegisters.DEFAULT_BASE;
    }

    /** Writes a whole RTE as Linux's {@code __ioapic_write_entry} does: high dword, then low dword. */
    public static void writeRte(final Vcpu v, final long base, final int pin, final long rte) {
        writeRteHigh(v, base, pin, Rte.high(rte));
        writeRteLow(v, base, pin, Rte.low(rte));
    }

    /** {@link #writeRte} at the default vIO-APIC address. */
    public static void writeRte(final Vcpu v, final int pin, final long rte) {
        writeRte(v, IoApicRegisters.DEFAULT_BASE, pin, rte);
    }

    /** Writes the low dword of an RTE (IOREGSEL = 0x10 + 2n, then IOWIN). */
    public static void writeRteLow(final Vcpu v, final long base, final int pin, final int low) {
        v.mmioWrite(base + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblLow(pin));
        v.mmioWrite(base + IoApicRegisters.IOWIN, 4, low & 0xFFFF_FFFFL);
    }

    /** {@link #writeRteLow} at the default vIO-APIC address. */
    public static void writeRteLow(final Vcpu v, final int pin, final int low) {
        writeRteLow(v, IoApicRegisters.DEFAULT_BASE, pin, low);
    }

    /** Writes the high dword of an RTE (IOREGSEL = 0x11 + 2n, then IOWIN). */
    public static void writeRteHigh(final Vcpu v, final long base, final int pin, final int high) {
        v.mmioWrite(base + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblHigh(pin));
        v.mmioWrite(base + IoApicRegisters.IOWIN, 4, high & 0xFFFF_FFFFL);
    }

    /** Reads an RTE through IOREGSEL/IOWIN. */
    public static long readRte(final Vcpu v, final long base, final int pin) {
        v.mmioWrite(base + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblLow(pin));
        final long low = v.mmioRead(base + IoApicRegisters.IOWIN, 4);
        v.mmioWrite(base + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblHigh(pin));
        return low | (v.mmioRead(base + IoApicRegisters.IOWIN, 4) << 32);
    }

    /** Reads an indirect vIO-APIC register through IOREGSEL/IOWIN. */
    public static long readIndirect(final Vcpu v, final long base, final int index) {
        v.mmioWrite(base + IoApicRegisters.IOREGSEL, 4, index);
        return v.mmioRead(base + IoApicRegisters.IOWIN, 4);
    }

    /** Software-enables the vCPU's vLAPIC (SVR 0x1FF), as every OS does at boot. */
    public static void enableVlapic(final Vcpu v) {
        v.mmioWrite(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.SVR, 4, 0x1FF);
    }

    /** The guest's EOI write to its vLAPIC. */
    public static void lapicEoi(final Vcpu v) {
        v.mmioWrite(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.EOI, 4, 0);
    }

    /** A level, active-low, fixed, physical-destination-0 entry: what Linux programs for a PCI INTx line. */
    public static long pciLevelLow(final int vector, final boolean masked) {
        return Rte.of(vector, Rte.DM_FIXED, false, true, true, masked, 0);
    }

    // ---------------------------------------------------------------- the Xen 4.20 passthrough sequence

    /**
     * What pciback, QEMU and libxl do in Xen 4.20 to pass a device's INTx from a PVH dom0 to an HVM
     * guest (spec D3(d)): {@code PHYSDEVOP_setup_gsi} (level, low), {@code map_pirq(domU, gsi, -1)},
     * {@code gsi_permission}, {@code assign_device}, {@code bind_pt_irq}. Then the guest enables its
     * vLAPIC and programs the guest GSI of its virtual device unmasked, level, with
     * {@link #GUEST_VECTOR}.
     *
     * @param dom0 the hardware domain
     * @param domu the guest
     * @param bdf the device
     * @param gsi its physical GSI
     * @param vdev the virtual slot in the guest
     * @return the guest's pirq
     */
    public int passThrough(final Domain dom0, final Domain domu, final Bdf bdf, final int gsi, final int vdev) {
        final int setup = xen.physdev().setupGsi(dom0, gsi, 1, 1);
        if (setup != 0 && setup != -Errno.EEXIST) {
            throw new AssertionError("setup_gsi: " + Errno.name(setup));
        }
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, gsi, -1);
        assertEquals(0, xen.physdev().mapPirq(dom0, map), "map_pirq");
        assertEquals(0, xen.domctl().gsiPermission(dom0, domu.id(), gsi, DomctlOps.GSI_GRANT), "gsi_permission");
        assertEquals(0, xen.domctl().assignDevice(dom0, domu.id(), bdf), "assign_device");
        assertEquals(0, xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, vdev, 0)), "bind_pt_irq");
        final Vcpu v = domu.vcpu(0);
        enableVlapic(v);
        writeRte(v, io.irqsim.hv.domain.HvmIrq.pciIntxGsi(vdev, 0), pciLevelLow(GUEST_VECTOR, false));
        return map.pirq;
    }

    /** Attaches a kernel whose interrupt handler is {@code handler}. */
    public static void onInterrupt(final Domain d, final BiConsumer<Vcpu, Integer> handler) {
        d.setKernel(new GuestKernel() {
            @Override
            public void interrupt(final Vcpu vcpu, final int vector) {
                handler.accept(vcpu, vector);
            }
        });
    }

    // ---------------------------------------------------------------- machine

    /** @return the first physical IO-APIC */
    public IoApic phys() {
        return xen.platform().ioapics().get(0);
    }

    /** @param gsi GSI on the first IO-APIC @return its physical RTE as stored */
    public long physRte(final int gsi) {
        return phys().rte(gsi);
    }

    /** @return every physical RTE of the first IO-APIC */
    public long[] physTable() {
        final long[] t = new long[phys().pins()];
        for (int pin = 0; pin < t.length; pin++) {
            t[pin] = phys().rte(pin);
        }
        return t;
    }

    /** @param bdf a device @return it */
    public PciFunction device(final Bdf bdf) {
        return xen.platform().pci().function(bdf);
    }

    // ---------------------------------------------------------------- trace

    /** @return every record so far */
    public List<TraceRecord> records() {
        return trace.reader().records();
    }

    /** @param event code @return the records with that code */
    public List<TraceRecord> records(final int event) {
        final List<TraceRecord> out = new ArrayList<>();
        for (final TraceRecord r : records()) {
            if (r.event() == event) {
                out.add(r);
            }
        }
        return out;
    }

    /** @param event code @return how many records have it */
    public int count(final int event) {
        return records(event).size();
    }
}
