package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.guest.Timeline;
import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.firmware.AcpiTables;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.pci.PciRoot;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * What the Linux models of dom0 and of an HVM guest share: the PCI devices the kernel sees,
 * {@code pci_enable_device} &rarr; {@code acpi_pci_irq_enable} &rarr; {@code acpi_register_gsi},
 * {@code pci_disable_device} &rarr; {@code acpi_pci_irq_disable} &rarr; {@code acpi_unregister_gsi},
 * {@code request_irq}, {@code free_irq}, {@code disable_irq} / {@code enable_irq}, and interrupt entry (find the irq by vector or pirq, run the flow handler:
 * mask and EOI if there is no action or the irq is disabled, else run its handlers,
 * {@code note_interrupt}, EOI). The architecture half is an {@link IrqBackend}.
 */
public abstract class LinuxKernel implements GuestKernel {

    /** {@code IRQ_NOTCONNECTED} (include/linux/interrupt.h@v6.12): {@code dev->irq} of a pin wired to nothing. */
    public static final int IRQ_NOTCONNECTED = 1 << 31;
    /** {@code PCI_CLASS_STORAGE_IDE}. */
    static final int PCI_CLASS_STORAGE_IDE = 0x0101;

    /** Linux's view of one PCI device ({@code struct pci_dev}, the fields that matter here). */
    public static final class PciDev {
        private final PciFunction function;
        private int irq;
        private boolean irqManaged;
        private int gsi = -1;
        private boolean enabled;
        private boolean msiEnabled;

        PciDev(final PciFunction function) {
            this.function = function;
        }

        /** @return the function */
        public PciFunction function() {
            return function;
        }

        /** @return {@code dev->irq}: what sysfs shows */
        public int irq() {
            return irq;
        }

        /** @return the GSI ACPI gave it, or -1 */
        public int gsi() {
            return gsi;
        }

        /** @return {@code dev->msi_enabled}: {@code dev->irq} is its MSI irq */
        public boolean isMsiEnabled() {
            return msiEnabled;
        }

        void msiEnabled(final int msiIrq) {
            msiEnabled = true;
            irq = msiIrq;
        }

        /** @return whether {@code pci_enable_device} ran and no {@code pci_disable_device} undid it */
        public boolean isEnabled() {
            return enabled;
        }

        /** @return {@code dev->irq_managed}: ACPI registered the GSI and has not unregistered it */
        public boolean isIrqManaged() {
            return irqManaged;
        }
    }

    /** The hypervisor, for hypercalls. */
    protected final Hypervisor xen;
    /** This domain. */
    protected final Domain domain;
    /** The timeline. */
    protected final Timeline log;
    /** Name in the timeline, e.g. "dom0 linux". */
    protected final String actor;
    /** PCI devices the kernel sees. */
    protected final PciRoot pci;
    /** Its ACPI tables. */
    protected final AcpiTables firmware;
    /** Linux irqs. */
    protected final LinuxIrqTable irqs;
    /** ACPI PCI interrupt routing. */
    protected final AcpiPciIrq acpi;
    /** The architecture back end; set at boot. */
    protected IrqBackend backend;
    private final Map<Bdf, PciDev> devs = new LinkedHashMap<>();
    /** Interrupt entry and the flow handlers ({@link FlowHandler}). */
    private final FlowHandler flow = new FlowHandler(this);

    /**
     * @param xen hypervisor
     * @param domain the domain it runs in
     * @param log timeline
     * @param actor timeline name
     * @param pci PCI devices it sees
     * @param firmware ACPI tables it sees
     * @param gsiTop one more than the highest GSI
     */
    protected LinuxKernel(final Hypervisor xen, final Domain domain, final Timeline log, final String actor,
                          final PciRoot pci, final AcpiTables firmware, final int gsiTop) {
        this.xen = xen;
        this.domain = domain;
        this.log = log;
        this.actor = actor;
        this.pci = pci;
        this.firmware = firmware;
        this.irqs = new LinuxIrqTable(firmware.madt(), gsiTop);
        this.acpi = new AcpiPciIrq(pci, firmware, new AcpiPciLink(firmware, true), irqs::hasIoApicPin);
        domain.setKernel(this);
    }

    /** @return the boot vCPU */
    public final Vcpu cpu() {
        return domain.vcpu(0);
    }

    /** Enables the boot vCPU's LAPIC (SVR software enable, spurious vector 0xFF). */
    protected final void enableLapic() {
        if (cpu().vlapic() != null) {
            cpu().mmioWrite(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.SVR, 4,
                LocalApicRegisters.SVR_ENABLE | 0xFF);
        }
    }

    /**
     * @param bdf address
     * @return Linux's state for the device, created on first use, or {@code null} if the kernel does not see it
     */
    public final PciDev dev(final Bdf bdf) {
        final PciFunction f = pci.function(bdf);
        if (f == null) {
            return null;
        }
        return devs.computeIfAbsent(bdf, b -> new PciDev(f));
    }

    /**
     * {@code pci_enable_device} (drivers/pci/pci.c@v6.12): memory decode on, and I/O decode for a
     * device with an I/O BAR ({@code pci_enable_resources}, drivers/pci/setup-res.c@v6.12), then
     * {@code pcibios_enable_device} (arch/x86/pci/common.c@v6.12) &rarr; {@code acpi_pci_irq_enable}.
     * Simplified: the enable count is a flag (one enable, one disable).
     *
     * @param bdf the device
     * @return 0 or a negative errno
     */
    public final int pciEnableDevice(final Bdf bdf) {
        final PciDev d = dev(bdf);
        if (d == null) {
            return -Errno.ENODEV;
        }
        final int cmd = d.function().configRead(PciConfigRegisters.COMMAND, 2);
        d.function().configWrite(PciConfigRegisters.COMMAND, 2, cmd | PciConfigRegisters.COMMAND_MEMORY
            | (hasIoBar(d.function()) ? PciConfigRegisters.COMMAND_IO : 0));
        d.enabled = true;
        return acpiPciIrqEnable(d);
    }

    /** pci_enable_resources (drivers/pci/setup-res.c@v6.12) turns I/O decode on for a device with an I/O BAR. */
    private static boolean hasIoBar(final io.irqsim.hw.pci.PciFunction f) {
        for (int i = 0; i < 6; i++) {
            if (f.barSize(i) > 0 && (f.configRead(PciConfigRegisters.BAR0 + 4 * i, 4) & 1) != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code pci_set_master} (drivers/pci/pci.c@v6.12 {@code __pci_set_master}): sets
     * {@code PCI_COMMAND_MASTER} if clear. A device's MSI is a memory write it issues, so drivers
     * that use MSI call it.
     *
     * @param bdf the device
     */
    public final void pciSetMaster(final Bdf bdf) {
        final PciDev d = dev(bdf);
        if (d == null) {
            return;
        }
        final int cmd = d.function().configRead(PciConfigRegisters.COMMAND, 2);
        if ((cmd & PciConfigRegisters.COMMAND_MASTER) == 0) {
            d.function().configWrite(PciConfigRegisters.COMMAND, 2, cmd | PciConfigRegisters.COMMAND_MASTER);
        }
    }

    /**
     * {@code pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSI)} (drivers/pci/msi/api.c@v6.12): one MSI
     * vector, {@link PciMsi#enable}.
     *
     * @param bdf the device
     * @return the number of vectors (1), or a negative errno
     */
    public final int pciAllocIrqVectorsMsi(final Bdf bdf) {
        final PciDev d = dev(bdf);
        return d == null ? -Errno.ENODEV : PciMsi.enable(this, d);
    }

    /**
     * {@code pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSIX)} (drivers/pci/msi/api.c@v6.12): one MSI-X
     * vector, {@link PciMsix#enable}.
     *
     * @param bdf the device
     * @return the number of vectors (1), or a negative errno
     */
    public final int pciAllocIrqVectorsMsix(final Bdf bdf) {
        final PciDev d = dev(bdf);
        return d == null ? -Errno.ENODEV : PciMsix.enable(this, d);
    }

    /**
     * {@code pci_disable_device} (drivers/pci/pci.c@v6.12) when it drops the last enable:
     * {@code do_pci_disable_device} clears bus mastering (memory decode stays on), then
     * {@code pcibios_disable_device} (arch/x86/pci/common.c@v6.12) &rarr; {@code acpi_pci_irq_disable}.
     *
     * @param bdf the device
     */
    public final void pciDisableDevice(final Bdf bdf) {
        final PciDev d = dev(bdf);
        if (d == null || !d.enabled) {
            return;
        }
        final int cmd = d.function().configRead(PciConfigRegisters.COMMAND, 2);
        if ((cmd & PciConfigRegisters.COMMAND_MASTER) != 0) {
            d.function().configWrite(PciConfigRegisters.COMMAND, 2, cmd & ~PciConfigRegisters.COMMAND_MASTER);
        }
        d.enabled = false;
        acpiPciIrqDisable(d);
    }

    /**
     * {@code acpi_pci_irq_disable} (drivers/acpi/pci_irq.c@v6.12): only for a device whose GSI ACPI
     * registered ({@code irq_managed}, {@code irq > 0}); looks the {@code _PRT} entry up again,
     * releases the link ({@code acpi_pci_link_free_irq}) or takes the entry's GSI, then
     * {@code acpi_unregister_gsi} and {@code irq_managed = 0}. {@code dev->irq} keeps its number.
     * The suspend / runtime-PM early returns are not modelled.
     *
     * @param d the device
     */
    public final void acpiPciIrqDisable(final PciDev d) {
        final PciFunction f = d.function();
        final int pin = f.interruptPin();
        if (pin == 0 || !d.irqManaged || d.irq <= 0) {
            return;
        }
        final AcpiPciIrq.Lookup l = acpi.lookup(f, pin);
        if (l == null) {
            return;
        }
        final int gsi = l.entry().isLink() ? acpi.links().freeIrq(l.entry().source()) : l.entry().sourceIndex();
        log.log(actor, "%s: PCI INT%c disabled", f.bdf(), pinName(pin));
        if (gsi >= 0) {
            backend.unregisterGsi(gsi);
            d.irqManaged = false;
        }
    }

    /**
     * {@code acpi_pci_irq_enable} (drivers/acpi/pci_irq.c@v6.12): nothing for a device without a
     * pin or whose irq ACPI already manages; the {@code _PRT} entry (through bridges) and its link;
     * with no entry, an IDE controller in legacy mode is left alone, then an interrupt line of
     * 0xff means "not connected" ({@code acpi_pci_irq_valid}: {@code dev->irq = IRQ_NOTCONNECTED}),
     * else {@code acpi_isa_register_gsi} tries the line as an ISA IRQ; with a GSI,
     * {@code acpi_register_gsi}, and {@code dev->irq} is the irq it returns.
     *
     * @param d the device
     * @return 0 or a negative errno from registering the GSI
     */
    public final int acpiPciIrqEnable(final PciDev d) {
        final PciFunction f = d.function();
        final int pin = f.interruptPin();
        if (pin == 0) {
            return 0;
        }
        if (d.irqManaged && d.irq > 0) {
            log.log(actor, "acpi_pci_irq_enable %s: IRQ %d already set up, nothing to do", f.bdf(), d.irq);
            return 0;
        }
        final boolean hasEntry = acpi.lookup(f, pin) != null;
        final int classCode = f.configRead(PciConfigRegisters.REVISION_ID, 4) >>> 8;
        if (!hasEntry && classCode >> 8 == PCI_CLASS_STORAGE_IDE && (classCode & 0x05) == 0) {
            log.log(actor, "%s: IDE controller in legacy mode: its IRQs 14/15 are not PCI's", f.bdf());
            return 0;
        }
        final AcpiPciIrq.Routing r = hasEntry ? acpi.resolve(f) : null;
        if (r == null && f.interruptLine() == 0xFF) {
            d.irq = IRQ_NOTCONNECTED;
            log.log(actor, "%s: PCI INT%c: not connected", f.bdf(), pinName(pin));
            xen.trace().event(GuestEvent.PCI_IRQ_ENABLE, f.bdf().sbdf(), -1, 0);
            return 0;
        }
        if (r == null) {
            final int isaGsi = acpi.isaFallbackGsi(f, irqs.nrLegacyIrqs());
            if (isaGsi >= 0) {
                backend.registerGsi(isaGsi, true, true);
                log.log(actor, "%s: PCI INT%c: no _PRT entry, using the ISA IRQ %d from the interrupt line", f.bdf(),
                    pinName(pin), f.interruptLine());
            } else {
                log.log(actor, "%s: PCI INT%c: no GSI", f.bdf(), pinName(pin));
            }
            xen.trace().event(GuestEvent.PCI_IRQ_ENABLE, f.bdf().sbdf(), -1, d.irq);
            return 0;
        }
        final int irq = backend.registerGsi(r.gsi(), r.trigger() == IrqTrigger.LEVEL, r.polarity() == IrqPolarity.ACTIVE_LOW);
        xen.trace().event(GuestEvent.PCI_IRQ_ENABLE, f.bdf().sbdf(), r.gsi(), irq);
        if (irq < 0) {
            log.log(actor, "%s: PCI INT%c: failed to register GSI %d: %s", f.bdf(), pinName(pin), r.gsi(),
                Errno.name(irq));
            return irq;
        }
        d.irq = irq;
        d.irqManaged = true;
        d.gsi = r.gsi();
        log.log(actor, "%s: PCI INT%c%s -> %sGSI %d (%s, %s) -> IRQ %d", f.bdf(), pinName(pin),
            r.prtBus() != f.bdf().bus() ? String.format(" (swizzled to %02x:%02x INT%c)", r.prtBus(), r.prtDevice(),
                pinName(r.prtPin())) : "",
            r.link().isEmpty() ? "" : "Link [" + r.link() + "] -> ", r.gsi(), r.trigger().label(), r.polarity().label(),
            irq);
        return 0;
    }

    /**
     * {@code irq_startup} (kernel/irq/chip.c@v6.12) of an irq not started: the disable depth to 0 and
     * the irq marked started before the chip starts it ({@code irq_enable} clears
     * {@code IRQD_IRQ_DISABLED} before it unmasks, so an interrupt the unmask lets through finds the
     * irq enabled), then the chip's startup ({@link IrqBackend#startup}: unmask the pin, or bind the
     * Xen pirq's event channel); a native MSI irq, activated when it was allocated, is unmasked
     * ({@code pci_msi_unmask_irq}, and an MSI-X entry's vector control). From {@code request_irq}'s
     * first handler, and from {@code enable_irq} at depth 1 on an irq the last {@code free_irq}
     * shut down. {@code __irq_startup} marks the irq started whatever the chip's startup returned,
     * and {@code check_irq_resend} follows either way; every chip irqsim models returns 0 (the
     * xen-pirq one too when Xen refuses the bind).
     *
     * @param d the irq
     * @return the chip's startup result
     */
    final int startIrq(final LinuxIrq d) {
        return withInterruptsOff(() -> {
            d.setStarted(true);
            d.setDisableDepth(0);
            final int rc = d.isNativeMsi() ? 0 : backend.startup(d);
            if (d.isNativeMsi()) {
                PciMsi.unmask(this, d);
            }
            IrqResend.checkIrqResend(this, d);  // irq_startup(desc, IRQ_RESEND, ...)
            return rc;
        });
    }

    /**
     * Runs {@code body} as the kernel runs the work it does under an irq descriptor's lock taken
     * with {@code raw_spin_lock_irqsave} ({@code __setup_irq}, {@code enable_irq};
     * kernel/irq/manage.c@v6.12): vCPU 0 takes no interrupt until the body is done, then takes
     * whatever came meanwhile.
     * So an interrupt an unmask lets through is taken after {@code check_irq_resend}, into which a
     * retrigger of the same event merges.
     *
     * @param body the work
     * @return what the body returned
     */
    final int withInterruptsOff(final IntSupplier body) {
        final Vcpu c = cpu();
        c.block();
        final int rc;
        try {
            rc = body.getAsInt();
        } finally {
            c.unblock();
        }
        xen.drain();
        return rc;
    }

    /**
     * {@code irq_enable} (kernel/irq/chip.c@v6.12) of a started irq: the chip's {@code irq_enable}
     * ({@link IrqBackend#enable}: unmask the pin, or a Xen pirq's {@code enable_pirq}); a native MSI
     * or MSI-X irq is unmasked ({@code pci_msi_unmask_irq}, {@link PciMsi#unmask}), the MSI-X entry
     * the flow handler masked included.
     *
     * @param d the irq
     */
    final void irqEnable(final LinuxIrq d) {
        if (d.isNativeMsi()) {
            if (d.isMasked()) {         // unmask_irq: only an irq marked IRQD_IRQ_MASKED
                PciMsi.unmask(this, d);
            }
        } else {
            backend.enable(d);
        }
    }

    /**
     * {@code mask_irq} (kernel/irq/chip.c@v6.12): the chip's {@code irq_mask}, the PCI-MSI chip's
     * for a native MSI ({@code pci_msi_mask_irq}, {@link PciMsi#mask}), else the back end's
     * ({@link IrqBackend#mask}: the IO-APIC pin, or a Xen pirq's channel).
     *
     * @param d the irq
     */
    final void irqMask(final LinuxIrq d) {
        if (d.isNativeMsi()) {
            PciMsi.mask(this, d);
        } else {
            backend.mask(d);
        }
    }

    /**
     * {@code request_irq} &rarr; {@code __setup_irq} (kernel/irq/manage.c@v6.12): adds a handler;
     * the first one runs {@code irq_startup(desc, IRQ_RESEND, IRQ_START_COND)}
     * (kernel/irq/chip.c@v6.12): the depth to 0 and, on an irq not started, the chip's startup
     * ({@link #startIrq}); on one already started ({@code enable_irq} restarted it after the last
     * {@code free_irq}) {@link #irqEnable} and {@code check_irq_resend} ({@link IrqResend}), so an
     * interrupt that came while it had no action is sent again. A shared one adds its handler only.
     *
     * @param irq Linux irq
     * @param name handler name
     * @param handler the handler
     * @return 0 or a negative errno
     */
    public final int requestIrq(final int irq, final String name, final IrqHandler handler) {
        final LinuxIrq d = irqs.byIrq(irq);
        int rc = 0;
        if (d == null) {
            rc = -Errno.EINVAL;
        } else {
            final boolean first = d.handlers().isEmpty();
            d.handlers().add(handler);
            d.names().add(name);
            if (first && d.isStarted()) {
                withInterruptsOff(() -> {
                    d.setDisableDepth(0);
                    irqEnable(d);
                    IrqResend.checkIrqResend(this, d);
                    return 0;
                });
            } else if (first) {
                startIrq(d);    // __setup_irq does not look at irq_startup's result
            }
        }
        xen.trace().event(GuestEvent.REQUEST_IRQ, irq, d == null ? -1 : d.gsi(), rc);
        log.log(actor, "request_irq(%d, \"%s\") = %s", irq, name, Errno.name(rc));
        return rc;
    }

    /**
     * {@code free_irq} (kernel/irq/manage.c@v6.12), {@link IrqManage#freeIrq}: removes the handler;
     * the last one shuts the irq down (a Xen pirq's event channel is closed, {@code shutdown_pirq}).
     *
     * @param irq Linux irq
     * @param handler the handler {@link #requestIrq} added (its {@code dev_id})
     * @return the handler's name, or {@code null} if the irq has no such handler
     */
    public final String freeIrq(final int irq, final IrqHandler handler) {
        return IrqManage.freeIrq(this, irq, handler);
    }

    /**
     * {@code disable_irq} (kernel/irq/manage.c@v6.12), {@link IrqManage#disableIrq}: nests; the first
     * runs the chip's {@code irq_disable} (a Xen pirq's channel is masked, {@code disable_pirq}).
     *
     * @param irq Linux irq
     * @return 0, or -EINVAL for an irq that does not exist
     */
    public final int disableIrq(final int irq) {
        return IrqManage.disableIrq(this, irq);
    }

    /**
     * {@code enable_irq} (kernel/irq/manage.c@v6.12), {@link IrqManage#enableIrq}: undoes one
     * {@link #disableIrq}; the last one enables the irq (a Xen pirq's channel is unmasked,
     * {@code enable_pirq}).
     *
     * @param irq Linux irq
     * @return 0, or -EINVAL for an irq that does not exist or is not disabled ("Unbalanced enable")
     */
    public final int enableIrq(final int irq) {
        return IrqManage.enableIrq(this, irq);
    }

    @Override
    public final void interrupt(final Vcpu vcpu, final int vector) {
        flow.dispatch(vcpu, irqs.byVector(vector), vector);
    }

    @Override
    public final void pirqEvent(final Vcpu vcpu, final int pirq) {
        final LinuxIrq d = irqs.byPirq(pirq);
        if (d == null) {
            domain.clearPirqEvent(pirq); // no irq behind the port (not reached: free_irq closes the channel)
        }
        flow.dispatch(vcpu, d, -1);
    }

    /** The xen-pirq chip clears a pirq event's pending bit in its ack or EOI ({@code event_handler_exit}). */
    @Override
    public final boolean clearsPirqEventInItsChip() {
        return true;
    }

    /** @return interrupts with no irq behind their vector */
    public final long spuriousVectors() {
        return flow.spuriousVectors();
    }

    /**
     * Interrupts this kernel took that nobody claimed: vectors with no irq behind them, and irqs
     * whose handlers all answered "not mine" or that had none ({@code note_interrupt}'s count).
     * On a line shared between domains each domain counts the interrupts of the others' devices.
     *
     * @return that count
     */
    public final long unhandledInterrupts() {
        long n = flow.spuriousVectors();
        for (final LinuxIrq d : irqs.all()) {
            n += d.unhandledCount();
        }
        return n;
    }

    /** @return the irq table */
    public final LinuxIrqTable irqs() {
        return irqs;
    }

    /** @return the ACPI tables the kernel was given (its MADT, {@code _PRT}s, link devices, SCI) */
    public final AcpiTables firmware() {
        return firmware;
    }

    /** @return ACPI PCI routing */
    public final AcpiPciIrq acpi() {
        return acpi;
    }

    /** @return the architecture back end */
    public final IrqBackend backend() {
        return backend;
    }

    /** @return the domain */
    public final Domain domain() {
        return domain;
    }

    /** @return the PCI devices the kernel sees */
    public final PciRoot pci() {
        return pci;
    }

    /** @return the timeline */
    public final Timeline timeline() {
        return log;
    }

    /** @return the timeline name */
    public final String actor() {
        return actor;
    }

    /** @return the hypervisor */
    public final Hypervisor xen() {
        return xen;
    }

    static char pinName(final int pin) {
        return (char) ('A' + pin - 1);
    }
}
