package io.irqsim.guest.linux;

import io.irqsim.guest.Timeline;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;

/**
 * An HVM guest's path when Xen offers {@code XENFEAT_hvm_pirqs} and Linux has its vector callback
 * ({@code pci_xen_hvm_init}, arch/x86/pci/xen.c@v6.12): {@code acpi_register_gsi} becomes
 * {@code acpi_register_gsi_xen_hvm}, which asks Xen for the pirq behind the GSI with
 * {@code PHYSDEVOP_map_pirq(DOMID_SELF)} (any pirq; Xen answers with the passthrough pirq bound to
 * that GSI, see {@code physdev_hvm_map_pirq}) and binds it to an irq numbered like the GSI. There is
 * no {@code PHYSDEVOP_setup_gsi} and the guest never programs its vIO-APIC pin for it: the
 * interrupt arrives as a pirq event and is completed with {@code PHYSDEVOP_eoi}.
 * {@code acpi_unregister_gsi} does nothing ({@code __acpi_unregister_gsi} is NULL). MSIs are pirqs
 * too ({@code xen_setup_pci_msi}) unless Xen reports APIC access virtualization
 * ({@code xen_hvm_msi_init}, {@link #xenPciMsi}); then they stay native, and this back end hands
 * the irqs without a pirq to the LAPIC side ({@link NativeIoApicBackend}).
 *
 * <p>Simplified: the event reaches the kernel directly; the callback vector that carries it
 * through the vLAPIC ({@code HVM_PARAM_CALLBACK_IRQ}) is not modelled.
 */
public final class XenHvmPirqBackend extends XenPirqBackend {

    private final boolean xenPciMsi;
    /** The chips of the irqs that are not pirqs: native MSIs, when {@link #xenPciMsi} is false. */
    private final NativeIoApicBackend nativeChips;

    /**
     * @param xen the hypervisor (hypercalls)
     * @param dom this guest
     * @param irqs the irq table
     * @param log timeline
     * @param actor name in the timeline
     * @param xenPciMsi what {@code xen_hvm_msi_init} decided: MSIs as pirqs, or native when Xen
     *     reports APIC virtualization
     * @param nativeChips the LAPIC side, for irqs that arrive by vector (native MSIs)
     */
    public XenHvmPirqBackend(final Hypervisor xen, final Domain dom, final LinuxIrqTable irqs, final Timeline log,
                             final String actor, final boolean xenPciMsi, final NativeIoApicBackend nativeChips) {
        super(xen, dom, irqs, log, actor);
        this.xenPciMsi = xenPciMsi;
        this.nativeChips = nativeChips;
    }

    /**
     * An irq that is no pirq (a native MSI, whose chip is the PCI-MSI one over the vector domain) runs
     * the native edge flow; a pirq the Xen one ({@link XenPirqBackend#acksBeforeHandlers}).
     */
    @Override
    public boolean acksBeforeHandlers(final LinuxIrq irq) {
        return irq.pirq() < 0 ? nativeChips.acksBeforeHandlers(irq) : super.acksBeforeHandlers(irq);
    }

    /**
     * A native MSI's chip (PCI-MSI over the vector domain) has no {@code irq_disable}: the disable is
     * lazy and the next MSI's {@code handle_edge_irq} masks it; a pirq's channel is masked at once
     * ({@link XenPirqBackend#disable}). The other chip operations of a native MSI never reach a back
     * end ({@link LinuxKernel#startIrq}, {@link IrqManage}, the flow's mask use {@link PciMsi}).
     */
    @Override
    public void disable(final LinuxIrq irq) {
        if (irq.pirq() >= 0) {
            super.disable(irq);
        }
    }

    /**
     * A native MSI is sent again by the vector domain's IPI, a pirq by the xen-pirq chip's
     * {@code retrigger_dynirq} ({@link XenPirqBackend#retrigger}).
     */
    @Override
    public boolean retrigger(final LinuxIrq irq) {
        return irq.pirq() < 0 ? nativeChips.retrigger(irq) : super.retrigger(irq);
    }

    /** A native MSI's {@code IRQ_LEVEL} is the native chips'; a pirq irq has none ({@link XenPirqBackend}). */
    @Override
    public boolean settingsIsLevel(final LinuxIrq irq) {
        return irq.pirq() < 0 ? nativeChips.settingsIsLevel(irq) : super.settingsIsLevel(irq);
    }

    /**
     * A vector taken through the vLAPIC is EOI'd there: one with no irq ({@code common_interrupt}'s
     * {@code apic_eoi}, arch/x86/kernel/irq.c@v6.12) or a native MSI's (also its {@code irq_ack},
     * {@code apic_ack_edge}, which the default {@link #ack} reaches through here); a pirq is ended
     * with {@code eoi_pirq}.
     */
    @Override
    public void eoi(final LinuxIrq irq, final int vector) {
        if (irq == null ? vector >= 0 : irq.pirq() < 0) {
            nativeChips.eoi(irq, vector);
        } else {
            super.eoi(irq, vector);
        }
    }

    /**
     * {@code xen_hvm_msi_init} (arch/x86/pci/xen.c@v6.12, the {@code apic_post_init} hook
     * {@code pci_xen_hvm_init} sets): Xen's MSI ops only when the hypervisor leaf does not report
     * APIC virtualization; otherwise MSIs stay native and go through the vLAPIC.
     */
    @Override
    public boolean xenPciMsi() {
        return xenPciMsi;
    }

    /** {@code acpi_register_gsi_xen_hvm} (arch/x86/pci/xen.c@v6.12): {@code xen_register_pirq(gsi, trigger, false)}. */
    @Override
    public int registerGsi(final int gsi, final boolean level, final boolean activeLow) {
        return registered(gsi, level, activeLow, registerPirq("acpi_register_gsi_xen_hvm", gsi, -1, level, activeLow));
    }

    /** {@code pci_xen_hvm_init} leaves {@code __acpi_unregister_gsi} NULL: nothing happens. */
    @Override
    public void unregisterGsi(final int gsi) {
        // arch/x86/pci/xen.c@v6.12 pci_xen_hvm_init: __acpi_unregister_gsi = NULL
    }

    @Override
    public String describe() {
        return "Xen HVM pirqs (XENFEAT_hvm_pirqs)";
    }
}
