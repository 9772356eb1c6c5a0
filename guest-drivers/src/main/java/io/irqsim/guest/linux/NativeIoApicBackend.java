package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.apic.LocalApicRegisters;

/**
 * The native x86 path a PVH dom0 and an HVM guest take ({@code acpi_register_gsi_ioapic},
 * {@code arch/x86/kernel/acpi/boot.c}): map the GSI to a Linux irq, program the IO-APIC entry
 * with the ACPI trigger/polarity, leave it masked; {@code request_irq} unmasks it; the handler's
 * completion is a LAPIC EOI ({@code ioapic_ack_level}: if the LAPIC's TMR does not show the
 * vector as level, Linux also EOIs the IO-APIC pin by the edge switch).
 * No hypercall is involved: Xen learns everything from trapped IO-APIC writes.
 */
public final class NativeIoApicBackend implements IrqBackend {

    private final Vcpu cpu;
    private final IoApicDriver ioapic;
    private final LinuxIrqTable irqs;

    /**
     * @param cpu the boot vCPU (interrupts are targeted at it)
     * @param ioapic the IO-APIC driver, already set up
     * @param irqs the irq table
     */
    public NativeIoApicBackend(final Vcpu cpu, final IoApicDriver ioapic, final LinuxIrqTable irqs) {
        this.cpu = cpu;
        this.ioapic = ioapic;
        this.irqs = irqs;
    }

    @Override
    public int registerGsi(final int gsi, final boolean level, final boolean activeLow) {
        if (ioapic.chipFor(gsi) == null) {
            return -io.irqsim.hv.Errno.EINVAL;
        }
        final LinuxIrq d = irqs.mapGsi(gsi);
        if (d.vector() < 0) {
            d.configure(level, activeLow);
            ioapic.configure(gsi, irqs.assignVector(d), level, activeLow, cpu.vlapic().apicId());
        }
        cpu.domain().host().trace().event(GuestEvent.REGISTER_GSI, gsi, (level ? 2 : 0) | (activeLow ? 1 : 0), d.irq());
        return d.irq();
    }

    @Override
    public int startup(final LinuxIrq irq) {
        ioapic.unmask(irq.gsi());
        return 0;
    }

    @Override
    public void eoi(final LinuxIrq irq, final int vector) {
        cpu.mmioWrite(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.EOI, 4, 0);
        if (irq != null && irq.isLevel() && vector >= 0) {
            final long tmr = cpu.mmioRead(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.TMR + (vector >>> 5) * 0x10, 4);
            if ((tmr & (1L << (vector & 31))) == 0) {
                ioapic.eoiByEdgeSwitch(irq.gsi());
            }
        }
    }

    /**
     * The RFC patch's {@code unmask_irq(irq_to_desc(dev->irq))}: unmasks the pin without a handler.
     *
     * @param irq the irq
     */
    public void unmaskWithoutHandler(final LinuxIrq irq) {
        ioapic.unmask(irq.gsi());
        irq.setStarted(true);
    }

    /** @return the IO-APIC driver */
    public IoApicDriver ioapic() {
        return ioapic;
    }

    @Override
    public String describe() {
        return "native IO-APIC";
    }
}
