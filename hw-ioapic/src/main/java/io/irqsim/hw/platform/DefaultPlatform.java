package io.irqsim.hw.platform;

import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.wire.WireKind;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The built-in machine every command uses when no scenario names another:
 * <ul>
 *   <li>one IO-APIC (id 2, version 0x20, 24 pins, at 0xFEC00000, GSI base 0) and two CPUs (APIC ids 0, 1);</li>
 *   <li>ISA IRQs wired to GSI of the same number except IRQ0 (the PIT), which is wired to GSI 2;
 *       the MADT says so with an override IRQ0&rarr;GSI2, and a second one makes IRQ9 (the ACPI SCI)
 *       level/active-low, a shared active-low line;</li>
 *   <li>the MADT's flags say {@code PCAT_COMPAT} (dual 8259s installed), as a PC's do;</li>
 *   <li>{@code 00:03.0} a NIC-like test device, INTA through link device {@code LNKA} (_PRS {16},
 *       level, active-low, shared) to GSI 16;</li>
 *   <li>{@code 00:04.0} and {@code 00:05.0}, two devices whose INTA share GSI 17 (a hard-wired _PRT entry);</li>
 *   <li>{@code 00:1e.0} a PCI-to-PCI bridge to bus 1, whose slot's INTA..INTD reach GSI 20..23, and
 *       behind it {@code 01:02.0} with INTA, which the swizzle puts on the bridge's INTC: GSI 22.
 *       Bus 1 has no _PRT, so an OS must swizzle too.</li>
 * </ul>
 */
public final class DefaultPlatform {

    /** The NIC-like test device. */
    public static final Bdf NIC = new Bdf(0, 3, 0);
    /** First device on the shared GSI. */
    public static final Bdf SHARED_A = new Bdf(0, 4, 0);
    /** Second device on the shared GSI. */
    public static final Bdf SHARED_B = new Bdf(0, 5, 0);
    /** The PCI-to-PCI bridge. */
    public static final Bdf BRIDGE = new Bdf(0, 0x1e, 0);
    /** The device behind the bridge. */
    public static final Bdf BEHIND_BRIDGE = new Bdf(1, 2, 0);
    /** The GSI the NIC's INTA reaches. */
    public static final int NIC_GSI = 16;
    /** The GSI the two sharing devices reach. */
    public static final int SHARED_GSI = 17;
    /** The GSI the device behind the bridge reaches (bridge slot 0x1e INTC). */
    public static final int BEHIND_BRIDGE_GSI = 22;

    private DefaultPlatform() {
    }

    /** @return the description */
    public static PlatformSpec spec() {
        final List<PlatformSpec.IsaRoute> isa = new ArrayList<>();
        isa.add(new PlatformSpec.IsaRoute(0, 2, WireKind.ISA));
        for (int irq = 1; irq < 16; irq++) {
            if (irq == 2) {
                continue; // the cascade: on an APIC system IRQ2 has no line of its own
            }
            isa.add(new PlatformSpec.IsaRoute(irq, irq, irq == 9 ? WireKind.PCI_INTX : WireKind.ISA));
        }
        final List<PlatformSpec.IntxRoute> intx = List.of(
            new PlatformSpec.IntxRoute(3, 1, NIC_GSI),
            new PlatformSpec.IntxRoute(4, 1, SHARED_GSI),
            new PlatformSpec.IntxRoute(5, 1, SHARED_GSI),
            new PlatformSpec.IntxRoute(0x1e, 1, 20),
            new PlatformSpec.IntxRoute(0x1e, 2, 21),
            new PlatformSpec.IntxRoute(0x1e, 3, BEHIND_BRIDGE_GSI),
            new PlatformSpec.IntxRoute(0x1e, 4, 23));
        final List<PlatformSpec.PciDeviceSpec> pci = List.of(
            new PlatformSpec.PciDeviceSpec("host", new Bdf(0, 0, 0), 0x8086, 0x1237, 0x060000, 0, -1),
            new PlatformSpec.PciDeviceSpec("nic", NIC, 0x8086, 0x100e, 0x020000, 1, -1),
            new PlatformSpec.PciDeviceSpec("ahci", SHARED_A, 0x8086, 0x2922, 0x010601, 1, -1),
            new PlatformSpec.PciDeviceSpec("uhci", SHARED_B, 0x8086, 0x2934, 0x0c0300, 1, -1),
            new PlatformSpec.PciDeviceSpec("bridge", BRIDGE, 0x8086, 0x244e, 0x060400, 0, 1),
            new PlatformSpec.PciDeviceSpec("nic1", BEHIND_BRIDGE, 0x8086, 0x10d3, 0x020000, 1, -1));
        final PlatformSpec.FirmwareSpec fw = new PlatformSpec.FirmwareSpec(
            List.of(InterruptSourceOverride.of(0, 2, null, null),
                InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)),
            Map.of(0, List.of(
                PrtEntry.toLink(3, 0, "LNKA"),
                PrtEntry.toGsi(4, 0, SHARED_GSI),
                PrtEntry.toGsi(5, 0, SHARED_GSI),
                PrtEntry.toGsi(0x1e, 0, 20),
                PrtEntry.toGsi(0x1e, 1, 21),
                PrtEntry.toGsi(0x1e, 2, BEHIND_BRIDGE_GSI),
                PrtEntry.toGsi(0x1e, 3, 23))),
            List.of(new PlatformSpec.LinkSpec("LNKA", List.of(NIC_GSI), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW,
                true, true, NIC_GSI)),
            9,
            true); // MADT flags: PCAT_COMPAT, a PC with dual 8259s
        return new PlatformSpec(
            List.of(new PlatformSpec.IoApicSpec(2, IoApicRegisters.DEFAULT_BASE, 0, IoApicRegisters.DEFAULT_PINS,
                IoApicRegisters.VERSION_20)),
            List.of(new PlatformSpec.CpuSpec(0), new PlatformSpec.CpuSpec(1)),
            pci, intx, isa, fw, true);
    }
}
