package io.irqsim.guest.linux;

import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hw.firmware.AcpiTables;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.Madt;
import io.irqsim.hw.firmware.MadtIoApic;
import io.irqsim.hw.firmware.MadtLocalApic;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.ioapic.IoApicRegisters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ACPI tables an HVM guest boots with (Xen's hvmloader, {@code tools/firmware/hvmloader}):
 * a MADT that says {@code PCAT_COMPAT}, one LAPIC per vCPU with APIC id 2n, one IO-APIC (id 0, 0xFEC00000, GSI base 0), the override
 * IRQ0&rarr;GSI2 and the SCI (GSI 9, level, active-low), and an APIC-mode {@code _PRT} that sends
 * device d's INTx to GSI ((d&lt;&lt;2) + (d&gt;&gt;3) + intx) mod 32 + 16, the same function Xen uses
 * ({@code hvm_pci_intx_gsi}, xen/arch/x86/include/asm/hvm/irq.h@RELEASE-4.18.0).
 */
public final class HvmFirmware {

    /** The SCI's GSI in an HVM guest. */
    public static final int SCI_GSI = 9;

    private HvmFirmware() {
    }

    /**
     * @param vcpus number of vCPUs
     * @return the tables
     */
    public static AcpiTables tables(final int vcpus) {
        final List<MadtLocalApic> cpus = new ArrayList<>();
        for (int i = 0; i < vcpus; i++) {
            cpus.add(new MadtLocalApic(i, 2 * i, true));
        }
        // construct_madt (tools/libacpi/build.c@RELEASE-4.20.0) sets the flags to PCAT_COMPAT
        final Madt madt = new Madt(true, cpus, List.of(new MadtIoApic(0, IoApicRegisters.DEFAULT_BASE, 0)),
            List.of(InterruptSourceOverride.of(0, 2, null, null),
                InterruptSourceOverride.of(SCI_GSI, SCI_GSI, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)));
        final List<PrtEntry> prt = new ArrayList<>();
        for (int dev = 1; dev < 32; dev++) {
            for (int intx = 0; intx < 4; intx++) {
                prt.add(PrtEntry.toGsi(dev, intx, HvmIrq.pciIntxGsi(dev, intx)));
            }
        }
        return new AcpiTables(madt, Map.of(0, prt), List.of(), SCI_GSI);
    }
}
