package io.irqsim.guest.linux;

import io.irqsim.guest.Timeline;
import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hw.firmware.AcpiTables;

import java.util.function.IntPredicate;

/**
 * A PV dom0's path ({@code xen_register_gsi}, arch/x86/pci/xen.c@v6.12): the GSI gets a pirq of
 * the same number with {@code PHYSDEVOP_map_pirq} for itself ({@code xen_register_pirq}), then
 * {@code PHYSDEVOP_setup_gsi} with the ACPI trigger/polarity ({@code -EEXIST}: "Already setup the
 * GSI") whether or not the map worked; the Linux irq is numbered like the GSI
 * ({@code xen_allocate_irq_gsi}). {@code request_irq} binds an event channel to the pirq
 * (shareable if level).
 * {@code acpi_unregister_gsi} does nothing ({@code pci_xen_initial_domain} leaves
 * {@code __acpi_unregister_gsi} NULL).
 *
 * <p>At boot ({@link #preallocateLegacyIrqs}) every GSI below 16 with an MP entry already has a pirq
 * and an irq bound with the MP entry's trigger; a device registered on such a GSI later gets that
 * binding. A pirq is EOI'd when Xen's EOI map says so ({@code pirq_check_eoi_map}), not by the
 * Linux trigger.
 */
public final class XenPvBackend extends XenPirqBackend {

    /**
     * @param xen the hypervisor (hypercalls)
     * @param dom this domain
     * @param irqs the irq table
     * @param log timeline
     * @param actor name in the timeline
     */
    public XenPvBackend(final Hypervisor xen, final Domain dom, final LinuxIrqTable irqs, final Timeline log,
                        final String actor) {
        super(xen, dom, irqs, log, actor);
    }

    /**
     * The legacy loop of {@code pci_xen_initial_domain} (arch/x86/pci/xen.c@v6.12, read at
     * Kingxukai/linux@9b44fff6): for each of the {@code NR_IRQS_LEGACY} (16) GSIs, not
     * {@code nr_legacy_irqs()} (which the comment there takes to be 0), whose IO-APIC pin has an MP entry
     * ({@code acpi_get_override_irq}, arch/x86/kernel/apic/io_apic.c@v6.12, else skipped: it starts with
     * {@code mp_find_ioapic}, which looks for an IO-APIC whose {@code gsi_base..gsi_end} holds the GSI, so a GSI
     * below the first IO-APIC, past the last, or in a gap between two has none),
     * {@code xen_register_pirq(gsi, trigger, true)}: {@code PHYSDEVOP_map_pirq} with pirq = GSI and an
     * irq bound unshared ({@code ioapic-edge}) or shared ({@code ioapic-level}) by the entry's trigger.
     * The entry's polarity is read but not passed on, and there is no {@code PHYSDEVOP_setup_gsi}: the
     * pin keeps what Xen programmed until a later {@code xen_register_gsi}. A failed map is only
     * logged ("xen map irq failed"). The entries are those of {@link MpIrqEntries}.
     *
     * @param firmware the ACPI tables the kernel booted with
     * @param hasIoApicPin whether an IO-APIC has a pin for a GSI ({@code mp_find_ioapic(gsi) >= 0}; Linux
     *     learns each IO-APIC's {@code gsi_end} from its redirection-entry count, {@code mp_register_ioapic})
     */
    public void preallocateLegacyIrqs(final AcpiTables firmware, final IntPredicate hasIoApicPin) {
        for (int gsi = 0; gsi < 16; gsi++) {
            final int entry = MpIrqEntries.attributes(firmware, gsi, hasIoApicPin);
            if (entry < 0 || !hasIoApicPin.test(gsi)) {
                continue;
            }
            final boolean level = (entry & MpIrqEntries.LEVEL) != 0;
            final LinuxIrq d = registerPirq("pci_xen_initial_domain", gsi, gsi, level, false);
            if (d == null) {
                log.log(actor, "pci_xen_initial_domain: xen map irq failed for GSI %d", gsi);
            }
        }
    }

    /**
     * {@code pirq_needs_eoi} = {@code pirq_check_eoi_map} (drivers/xen/events/events_base.c@v6.12), for
     * {@code eoi_pirq} and {@code __startup_pirq}'s trailing one: {@code PHYSDEVOP_eoi} when Xen's EOI map has the pirq's bit,
     * whatever trigger Linux bound the irq with (an edge-bound irq on a pin Xen runs level is EOI'd).
     * Xen writes the bit in {@code pirq_guest_bind} ({@link Domain#pirqNeedsEoi}); a PV dom0
     * registered the map at boot ({@code PHYSDEVOP_pirq_eoi_gmfn_v2} in {@code xen_init_IRQ},
     * drivers/xen/events/events_base.c@v6.12).
     */
    @Override
    protected boolean pirqNeedsEoi(final LinuxIrq irq) {
        return irq.pirq() >= 0 && dom.pirqNeedsEoi(irq.pirq());
    }

    /**
     * {@code xen_register_gsi} (arch/x86/pci/xen.c@v6.12): {@code xen_register_pirq} (an existing
     * irq for the GSI is reused; else {@code PHYSDEVOP_map_pirq} with pirq = GSI, and on failure
     * irq -1), then {@code PHYSDEVOP_setup_gsi} in every case; the irq (or -1) is returned.
     */
    @Override
    public int registerGsi(final int gsi, final boolean level, final boolean activeLow) {
        final LinuxIrq d = registerPirq("xen_register_gsi", gsi, gsi, level, activeLow);
        final int rc = xen.physdev().setupGsi(dom, gsi, level ? 1 : 0, activeLow ? 1 : 0);
        log.log(actor, "xen_register_gsi: PHYSDEVOP_setup_gsi(gsi %d, %s, %s) = %s%s", gsi, level ? "level" : "edge",
            activeLow ? "low" : "high", Errno.name(rc), rc == -Errno.EEXIST ? " (\"Already setup the GSI\")" : "");
        return registered(gsi, level, activeLow, d);
    }

    /** {@code acpi_unregister_gsi} on a PV dom0: {@code __acpi_unregister_gsi} is NULL, nothing happens. */
    @Override
    public void unregisterGsi(final int gsi) {
        // arch/x86/pci/xen.c@v6.12 pci_xen_initial_domain: __acpi_unregister_gsi = NULL
    }

    @Override
    public String describe() {
        return "Xen PV pirqs";
    }
}
