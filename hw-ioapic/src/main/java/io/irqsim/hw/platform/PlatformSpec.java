package io.irqsim.hw.platform;

import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.ioapic.IoApicModel;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.wire.WireKind;

import java.util.List;
import java.util.Map;

/**
 * A description of a machine, from which {@link Platform#build} assembles it: the interrupt
 * controllers and CPUs, the PCI topology, the <em>real</em> wiring of interrupt lines, and,
 * separately, what the firmware tables claim (which may disagree with the wiring).
 *
 * @param ioapics the IO-APICs
 * @param cpus the CPUs
 * @param pci PCI functions (bridges and endpoints)
 * @param intxWiring real wiring of the root bus: which GSI each (slot, INTx pin) line reaches
 * @param isaWiring real wiring of ISA IRQ lines
 * @param firmware what ACPI says
 * @param directedEoi whether the LAPICs advertise EOI-broadcast suppression (version bit 24)
 * @param lapicAddress the physical address of every CPU's local APIC page (4 KiB aligned; 0xFEE00000
 *     unless firmware moved it: {@link io.irqsim.hw.firmware.acpi.MadtReader.Madt#lapicAddress})
 * @param apicv whether the CPUs have Intel APICv: the VMX controls APIC-register virtualization,
 *     virtual-interrupt delivery and virtualize x2APIC mode, which every APICv part has together. No
 *     register model changes with it; a hypervisor tells its HVM guests (Xen: CPUID leaf 0x40000x04)
 */
public record PlatformSpec(List<IoApicSpec> ioapics, List<CpuSpec> cpus, List<PciDeviceSpec> pci,
                           List<IntxRoute> intxWiring, List<IsaRoute> isaWiring, FirmwareSpec firmware,
                           boolean directedEoi, long lapicAddress, boolean apicv) {

    /**
     * Copies the lists.
     *
     * @throws IllegalArgumentException if the local APIC address is not page-aligned or negative
     */
    public PlatformSpec {
        ioapics = List.copyOf(ioapics);
        cpus = List.copyOf(cpus);
        pci = List.copyOf(pci);
        intxWiring = List.copyOf(intxWiring);
        isaWiring = List.copyOf(isaWiring);
        if (lapicAddress < 0 || (lapicAddress & (LocalApicRegisters.PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException(String.format("local APIC address 0x%x is not a 4 KiB page",
                lapicAddress));
        }
    }

    /**
     * A machine whose local APICs sit at the architectural default, 0xFEE00000.
     *
     * @param ioapics the IO-APICs
     * @param cpus the CPUs
     * @param pci PCI functions
     * @param intxWiring real wiring of the root bus
     * @param isaWiring real wiring of ISA IRQ lines
     * @param firmware what ACPI says
     * @param directedEoi whether the LAPICs advertise EOI-broadcast suppression
     */
    public PlatformSpec(final List<IoApicSpec> ioapics, final List<CpuSpec> cpus, final List<PciDeviceSpec> pci,
                        final List<IntxRoute> intxWiring, final List<IsaRoute> isaWiring, final FirmwareSpec firmware,
                        final boolean directedEoi) {
        this(ioapics, cpus, pci, intxWiring, isaWiring, firmware, directedEoi, LocalApicRegisters.DEFAULT_BASE, false);
    }

    /**
     * A machine without APICv (an AMD host, or Intel without it), the default.
     *
     * @param ioapics the IO-APICs
     * @param cpus the CPUs
     * @param pci PCI functions
     * @param intxWiring real wiring of the root bus
     * @param isaWiring real wiring of ISA IRQ lines
     * @param firmware what ACPI says
     * @param directedEoi whether the LAPICs advertise EOI-broadcast suppression
     * @param lapicAddress the local APIC page's physical address
     */
    public PlatformSpec(final List<IoApicSpec> ioapics, final List<CpuSpec> cpus, final List<PciDeviceSpec> pci,
                        final List<IntxRoute> intxWiring, final List<IsaRoute> isaWiring, final FirmwareSpec firmware,
                        final boolean directedEoi, final long lapicAddress) {
        this(ioapics, cpus, pci, intxWiring, isaWiring, firmware, directedEoi, lapicAddress, false);
    }

    /**
     * @param withApicv whether the CPUs have APICv
     * @return this machine with or without it
     */
    public PlatformSpec withApicv(final boolean withApicv) {
        return new PlatformSpec(ioapics, cpus, pci, intxWiring, isaWiring, firmware, directedEoi, lapicAddress,
            withApicv);
    }

    /**
     * An IO-APIC.
     *
     * @param id IOAPICID (0..15; 0..255 with an 8-bit ID)
     * @param address MMIO base
     * @param gsiBase GSI of pin 0
     * @param pins pin count
     * @param version 0x11 or 0x20
     * @param idBits width of its IOAPICID register: 4 (bits 27:24, the 82093AA and ICH parts) or 8
     *     (bits 31:24: {@link io.irqsim.hw.ioapic.IoApicModel#withIdBits})
     */
    public record IoApicSpec(int id, long address, int gsiBase, int pins, int version, int idBits) {

        /**
         * An IO-APIC with the 4-bit IOAPICID.
         *
         * @param id IOAPICID (0..15)
         * @param address MMIO base
         * @param gsiBase GSI of pin 0
         * @param pins pin count
         * @param version 0x11 or 0x20
         */
        public IoApicSpec(final int id, final long address, final int gsiBase, final int pins, final int version) {
            this(id, address, gsiBase, pins, version, IoApicModel.ID_BITS_4);
        }

        /**
         * The IOAPICID width of an IO-APIC that firmware (a MADT, or a scenario's
         * {@code platform.ioapics[].id}) gives {@code id}: the 4 bits of the 82093AA and the ICH
         * parts (irqsim's usual IO-APIC) while the id fits them, else 8, the width Linux and Xen
         * declare ({@code union IO_APIC_reg_00}, {@code ID:8}). Neither kernel reprograms such an
         * id: Xen's {@code mp_register_ioapic} ({@code xen/arch/x86/mpparse.c@RELEASE-4.20.0}) takes
         * the MADT's id as it is except on a pre-xAPIC Intel CPU, and Linux's 64-bit
         * {@code io_apic_unique_id} (arch/x86/kernel/apic/io_apic.c@v6.12) keeps an id no other
         * IO-APIC has without reading the register. A part whose firmware wrote 25 into it therefore
         * holds 25; only a narrower profile than the firmware's choice would lose bits, so the 8-bit
         * one is picked per IO-APIC, and the machines whose ids fit 4 bits keep the part they had.
         *
         * @param id the I/O APIC id (8 bits)
         * @return 4 or 8
         */
        public static int idBitsFor(final int id) {
            return id <= IoApicRegisters.ID_MASK ? IoApicModel.ID_BITS_4 : IoApicModel.ID_BITS_8;
        }
    }

    /**
     * A CPU.
     *
     * @param apicId its local APIC ID
     */
    public record CpuSpec(int apicId) {
    }

    /**
     * A PCI function.
     *
     * @param name short name, e.g. {@code "nic"}
     * @param bdf address
     * @param vendorId vendor ID
     * @param deviceId device ID
     * @param classCode 24-bit class code
     * @param interruptPin 0 (none) or 1..4 (INTA..INTD)
     * @param secondaryBus for a PCI-to-PCI bridge, the bus behind it; -1 for an endpoint
     */
    public record PciDeviceSpec(String name, Bdf bdf, int vendorId, int deviceId, int classCode,
                                int interruptPin, int secondaryBus) {

        /** @return whether this is a bridge */
        public boolean isBridge() {
            return secondaryBus >= 0;
        }
    }

    /**
     * Real wiring of one root-bus INTx line.
     *
     * @param slot device number on bus 0
     * @param pin 1..4 (INTA..INTD)
     * @param gsi the IO-APIC input it reaches
     * @param kind the line's electrical kind as the IO-APIC sees it: {@link WireKind#PCI_INTX} (shared,
     *     active-low), or {@link WireKind#ISA} (active-high: a chipset that inverts the PIRQ line)
     */
    public record IntxRoute(int slot, int pin, int gsi, WireKind kind) {

        /**
         * A standard PCI line: shared, open-drain, active-low.
         *
         * @param slot device number on bus 0
         * @param pin 1..4
         * @param gsi GSI
         */
        public IntxRoute(final int slot, final int pin, final int gsi) {
            this(slot, pin, gsi, WireKind.PCI_INTX);
        }
    }

    /**
     * Real wiring of one ISA IRQ line.
     *
     * @param irq ISA IRQ 0..15
     * @param gsi the IO-APIC input it reaches
     * @param kind the line's electrical kind ({@link WireKind#ISA}, or {@link WireKind#PCI_INTX} for
     *     a shared active-low line such as the ACPI SCI)
     */
    public record IsaRoute(int irq, int gsi, WireKind kind) {
    }

    /**
     * A PCI interrupt link device as firmware describes it.
     *
     * @param name ACPI name
     * @param possible {@code _PRS}
     * @param trigger descriptor trigger
     * @param polarity descriptor polarity
     * @param shareable descriptor sharing flag
     * @param extended Extended Interrupt descriptor (GSIs) rather than an IRQ descriptor
     * @param current boot {@code _CRS} (0 = disabled)
     */
    public record LinkSpec(String name, List<Integer> possible, IrqTrigger trigger, IrqPolarity polarity,
                           boolean shareable, boolean extended, int current) {
    }

    /**
     * What the ACPI tables say. The MADT's LAPIC and IO-APIC entries follow the hardware; its
     * overrides, the {@code _PRT}s and the link devices are free to be wrong.
     *
     * @param overrides MADT interrupt source overrides
     * @param prt {@code _PRT} per bus number
     * @param links link devices
     * @param sciGsi FADT SCI interrupt
     * @param pcatCompat the MADT's {@code PCAT_COMPAT} flag (dual 8259s installed)
     */
    public record FirmwareSpec(List<InterruptSourceOverride> overrides, Map<Integer, List<PrtEntry>> prt,
                               List<LinkSpec> links, int sciGsi, boolean pcatCompat) {

        /** Copies the collections. */
        public FirmwareSpec {
            overrides = List.copyOf(overrides);
            prt = Map.copyOf(prt);
            links = List.copyOf(links);
        }
    }
}
