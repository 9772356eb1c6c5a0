package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.firmware.AcpiTables;
import io.irqsim.hw.ioapic.Rte;

/**
 * The native x86 path a PVH dom0 and an HVM guest take. {@code acpi_register_gsi_ioapic}
 * (arch/x86/kernel/acpi/boot.c@v6.12) maps the GSI to a Linux irq; {@code mp_irqdomain_alloc}
 * (arch/x86/kernel/apic/io_apic.c@v6.12) only prepares the routing entry in memory
 * ({@code mp_preconfigure_entry}: trigger, polarity, masked if level, vector 0, destination 0)
 * and writes nothing to the IO-APIC. The vector is assigned and the entry written at activation
 * ({@code mp_irqdomain_activate} &rarr; {@code ioapic_configure_entry}), which {@code request_irq}
 * does before it unmasks. The handler's completion is {@code ioapic_ack_level}: a LAPIC EOI, and if
 * the LAPIC's TMR does not show the vector as level, an IO-APIC EOI by the edge switch.
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
        for (final IoApicDriver.Chip c : ioapic.chips()) {
            irqs.registerIoApic(c.gsiBase(), c.pins());
        }
    }

    /**
     * {@code acpi_register_gsi_ioapic} (arch/x86/kernel/acpi/boot.c@v6.12) &rarr;
     * {@code mp_map_gsi_to_irq(gsi, IOAPIC_MAP_ALLOC)} (arch/x86/kernel/apic/io_apic.c@v6.12):
     * {@code -ENODEV} for a GSI no IO-APIC has; allocates the irq on first use, with the entry
     * {@code mp_preconfigure_entry} prepares; an irq that is already mapped keeps its trigger and
     * polarity, and a registration asking for others gets {@code -EBUSY} ({@code mp_check_pin_attr};
     * with a PIC, its "first user may reprogram an ISA irq" case is this model's first use, since
     * irqsim pre-allocates the boot entries only without one, {@link #setupIoApicIrqs}). Every
     * successful call takes a reference
     * ({@code data->count++}). Nothing is written to the IO-APIC.
     */
    @Override
    public int registerGsi(final int gsi, final boolean level, final boolean activeLow) {
        if (ioapic.chipFor(gsi) == null) {
            return -Errno.ENODEV; // mp_find_ioapic(gsi) < 0
        }
        final LinuxIrq d = irqs.mapGsi(gsi);
        if (d.mapCount() == 0 && !d.isActivated()) {
            d.configure(level, activeLow);
            d.setEntry(Rte.of(0, Rte.DM_FIXED, false, activeLow, level, level, 0));
        } else if (d.isLevel() != level || d.isActiveLow() != activeLow) {
            cpu.domain().host().trace().event(GuestEvent.REGISTER_GSI, gsi, (level ? 2 : 0) | (activeLow ? 1 : 0),
                -Errno.EBUSY);
            return -Errno.EBUSY; // mp_check_pin_attr: no reference taken
        }
        d.setMapCount(d.mapCount() + 1);
        cpu.domain().host().trace().event(GuestEvent.REGISTER_GSI, gsi, (level ? 2 : 0) | (activeLow ? 1 : 0), d.irq());
        return d.irq();
    }

    /**
     * {@code setup_IO_APIC_irqs} (arch/x86/kernel/apic/io_apic.c@v6.12) in a kernel without a PIC:
     * each pin of the first IO-APIC with an MP entry ({@link MpIrqEntries}) is mapped at boot with the
     * entry's trigger and polarity and keeps that reference. With {@code nr_legacy_irqs()} 0,
     * {@code mp_check_pin_attr} lets no first user reprogram it, so a later registration with other
     * attributes gets {@code -EBUSY}. With a PIC the kernel maps the ISA irqs the same way, but their
     * first user may reprogram them, which this model's first use already is; nothing is done then.
     *
     * @param firmware the ACPI tables the kernel booted with
     */
    public void setupIoApicIrqs(final AcpiTables firmware) {
        if (irqs.nrLegacyIrqs() != 0 || ioapic.chips().isEmpty()) {
            return;
        }
        final IoApicDriver.Chip first = ioapic.chips().get(0);
        for (int gsi = first.gsiBase(); gsi < first.gsiBase() + first.pins(); gsi++) {
            final int attrs = MpIrqEntries.attributes(firmware, gsi, irqs::hasIoApicPin);
            if (attrs < 0) {
                continue;
            }
            final boolean level = (attrs & MpIrqEntries.LEVEL) != 0;
            final boolean activeLow = (attrs & MpIrqEntries.ACTIVE_LOW) != 0;
            final LinuxIrq d = irqs.mapGsi(gsi);
            d.configure(level, activeLow);
            d.setEntry(Rte.of(0, Rte.DM_FIXED, false, activeLow, level, level, 0));
            d.setMapCount(d.mapCount() + 1);
        }
    }

    /**
     * {@code acpi_unregister_gsi_ioapic} &rarr; {@code mp_unmap_irq}
     * (arch/x86/kernel/apic/io_apic.c@v6.12): drops a reference; the last one frees the irq
     * ({@code irq_domain_free_irqs}; {@code mp_irqdomain_free} writes nothing to the IO-APIC). ISA
     * irqs ({@code isa_irq}, only below {@code nr_legacy_irqs()}) are never freed.
     */
    @Override
    public void unregisterGsi(final int gsi) {
        final LinuxIrq d = irqs.byGsi(gsi);
        if (d == null || d.irq() < irqs.nrLegacyIrqs()) {
            return;
        }
        d.setMapCount(d.mapCount() - 1);
        if (d.mapCount() <= 0) {
            irqs.free(d);
        }
    }

    /**
     * {@code request_irq}'s {@code irq_activate} &rarr; {@code mp_irqdomain_activate} &rarr;
     * {@code ioapic_configure_entry} (vector and destination filled in, whole entry written, still
     * masked if level), then {@code irq_startup} &rarr; {@code unmask_ioapic_irq}.
     */
    @Override
    public int startup(final LinuxIrq irq) {
        activate(irq);
        unmask(irq);
        return 0;
    }

    private void activate(final LinuxIrq irq) {
        if (irq.isActivated()) {
            return;
        }
        final long e = irq.entry();
        irq.setEntry(Rte.of(irqs.assignVector(irq), Rte.DM_FIXED, false, Rte.isActiveLow(e), Rte.isLevel(e),
            Rte.isMasked(e), cpu.vlapic().apicId()));
        irq.setActivated(true);
        ioapic.writeEntry(irq.gsi(), irq.entry());
    }

    /**
     * {@code unmask_irq} &rarr; {@code unmask_ioapic_irq} &rarr; {@code io_apic_modify_irq}
     * (arch/x86/kernel/apic/io_apic.c@v6.12): clears the mask bit of the cached entry and writes its
     * low dword, whatever the vector in it.
     */
    private void unmask(final LinuxIrq irq) {
        irq.setEntry(Rte.withMask(irq.entry(), false));
        irq.setMasked(false);
        ioapic.writeLow(irq.gsi(), irq.entry());
    }

    /**
     * {@code irq_enable} (kernel/irq/chip.c@v6.12) on the IO-APIC chip, which has no
     * {@code irq_enable}: {@code unmask_irq}, which unmasks the pin only if the irq is masked (a lazy
     * {@code disable_irq} leaves it unmasked unless an interrupt came meanwhile).
     */
    @Override
    public void enable(final LinuxIrq irq) {
        if (irq.isMasked()) {
            unmask(irq);
        }
    }

    /**
     * {@code mask_irq} &rarr; {@code mask_ioapic_irq} &rarr; {@code io_apic_modify_irq}
     * (arch/x86/kernel/apic/io_apic.c@v6.12): sets the mask bit of the cached entry, writes its low
     * dword.
     */
    @Override
    public void mask(final LinuxIrq irq) {
        irq.setEntry(Rte.withMask(irq.entry(), true));
        irq.setMasked(true);
        ioapic.writeLow(irq.gsi(), irq.entry());
    }

    /**
     * The flow an edge irq gets: {@code handle_edge_irq} (kernel/irq/chip.c@v6.12), for an edge
     * IO-APIC pin ({@code mp_register_handler}, arch/x86/kernel/apic/io_apic.c@v6.12) and for every
     * native MSI ({@code x86_init_dev_msi_info}, arch/x86/kernel/apic/msi.c@v6.12). Both chips'
     * {@code irq_ack} is {@code irq_chip_ack_parent}, which reaches the vector domain's
     * {@code apic_ack_edge} ({@link #ack}), before the handlers run; nothing is EOI'd after them.
     * A level pin takes {@code handle_fasteoi_irq}: {@link #eoi} after the handlers.
     */
    @Override
    public boolean acksBeforeHandlers(final LinuxIrq irq) {
        return !irq.isLevel();
    }

    /**
     * {@code apic_ack_edge} &rarr; {@code apic_ack_irq} &rarr; {@code apic_eoi}
     * (arch/x86/kernel/apic/vector.c@v6.12): the LAPIC EOI, and no more ({@code irq_complete_move}
     * and {@code irq_move_irq} have nothing to do: irqsim never moves an irq between CPUs).
     */
    @Override
    public void ack(final LinuxIrq irq) {
        apicEoi();
    }

    /** {@code apic_eoi} (arch/x86/include/asm/apic.h@v6.12): the EOI register written in xAPIC mode. */
    private void apicEoi() {
        cpu.mmioWrite(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.EOI, 4, 0);
    }

    /**
     * The IO-APIC and PCI-MSI chips' {@code irq_retrigger}, {@code irq_chip_retrigger_hierarchy}, ends
     * at the vector domain's {@code apic_retrigger_irq} (arch/x86/kernel/apic/vector.c@v6.12): an IPI
     * with the irq's vector to the CPU it targets ({@code default_send_IPI_single_phys} &rarr;
     * {@code __default_send_IPI_dest_field}, arch/x86/kernel/apic/ipi.c@v6.12): ICR read until idle,
     * ICR2 the destination APIC ID, ICR the vector, fixed, physical. irqsim's irqs target the boot
     * vCPU.
     */
    @Override
    public boolean retrigger(final LinuxIrq irq) {
        final long base = LocalApicRegisters.DEFAULT_BASE;
        cpu.mmioRead(base + LocalApicRegisters.ICR_LOW, 4);
        cpu.mmioWrite(base + LocalApicRegisters.ICR_HIGH, 4, (long) cpu.vlapic().apicId() << 24);
        cpu.mmioWrite(base + LocalApicRegisters.ICR_LOW, 4, irq.vector());
        return true;
    }

    /**
     * {@code ioapic_ack_level} (arch/x86/kernel/apic/io_apic.c@v6.12): LAPIC EOI; if the TMR bit of
     * the vector is clear for a level irq, {@code eoi_ioapic_pin} by the edge switch.
     */
    @Override
    public void eoi(final LinuxIrq irq, final int vector) {
        apicEoi();
        if (irq != null && irq.isLevel() && vector >= 0) {
            final long tmr = cpu.mmioRead(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.TMR + (vector >>> 5) * 0x10, 4);
            if ((tmr & (1L << (vector & 31))) == 0) {
                ioapic.eoiByEdgeSwitch(irq.gsi());
            }
        }
    }

    /**
     * The RFC patch's {@code unmask_irq(irq_to_desc(dev->irq))} (kernel/irq/chip.c@v6.12
     * {@code unmask_irq}): on an irq that was never requested, so never activated, it writes the
     * low dword of the entry {@code mp_preconfigure_entry} prepared, vector 0 included. Xen's vLAPIC
     * drops vectors below 16 ({@code vlapic_set_irq}, xen/arch/x86/hvm/vlapic.c@RELEASE-4.18.0), so
     * dom0 never sees the interrupt and never EOIs it.
     *
     * @param irq the irq
     */
    public void unmaskWithoutHandler(final LinuxIrq irq) {
        if (irq.isMasked()) {
            unmask(irq);
        }
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
