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
 * {@code acpi_unregister_gsi} does nothing ({@code __acpi_unregister_gsi} is NULL).
 *
 * <p>Simplified: the event reaches the kernel directly; the callback vector that carries it
 * through the vLAPIC ({@code HVM_PARAM_CALLBACK_IRQ}) is not modelled.
 */
public final class XenHvmPirqBackend extends XenPirqBackend {

    /**
     * @param xen the hypervisor (hypercalls)
     * @param dom this guest
     * @param irqs the irq table
     * @param log timeline
     * @param actor name in the timeline
     */
    public XenHvmPirqBackend(final Hypervisor xen, final Domain dom, final LinuxIrqTable irqs, final Timeline log,
                             final String actor) {
        super(xen, dom, irqs, log, actor);
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
