package io.irqsim.hv.trace;

/**
 * Trace event codes of the hypervisor core (64..127; the hardware layer uses 1..63, see
 * {@link io.irqsim.hw.trace.HwEvent}; guest code uses 128..191). Every record also carries the
 * virtual time, the physical CPU and the domain it happened in.
 */
public final class HvEvent {

    /** Trapped guest MMIO access to an emulated device: a = guest-physical address, b = size | (1 &lt;&lt; 8 if write)
     *  | (1 &lt;&lt; 9 if forwarded to a device model, completing later), c = value (0 for a forwarded read). */
    public static final int MMIO_TRAP = 64;
    /** vIO-APIC redirection entry written (Xen {@code vioapic_write_redirent}): a = GSI, b = old RTE, c = new RTE. */
    public static final int VIOAPIC_RTE_WRITE = 65;
    /** {@code vioapic_hwdom_map_gsi}: a = GSI, b = trigger &lt;&lt; 1 | polarity, c = result. */
    public static final int HWDOM_MAP_GSI = 66;
    /** {@code mp_register_gsi}: a = GSI, b = trigger &lt;&lt; 1 | polarity, c = result. */
    public static final int GSI_REGISTER = 67;
    /** {@code map_domain_pirq}: a = pirq, b = irq, c = result (domain = the one mapped into). */
    public static final int PIRQ_MAP = 68;
    /** {@code unmap_domain_pirq}: a = pirq, b = irq, c = result. */
    public static final int PIRQ_UNMAP = 69;
    /** {@code irq_permit_access} / {@code irq_deny_access}: a = irq, b = 1 permit / 0 deny, c = result. */
    public static final int IRQ_ACCESS = 70;
    /** A permission check: a = irq or pirq checked, b = {@link #CHECK_PIRQ_ACCESS} etc., c = the check's result. */
    public static final int PERMISSION_CHECK = 71;
    /** {@code pt_irq_create_bind}: a = pirq, b = bus &lt;&lt; 16 | device &lt;&lt; 8 | intx (or GSI for the hardware domain), c = result. */
    public static final int PT_BIND = 72;
    /** {@code pt_irq_destroy_bind}: a = pirq, b = as for {@link #PT_BIND}, c = result. */
    public static final int PT_UNBIND = 73;
    /** {@code pirq_guest_bind}: a = irq, b = 1 if shareable, c = result. */
    public static final int PIRQ_GUEST_BIND = 74;
    /** Physical interrupt taken by Xen ({@code do_IRQ}): a = vector, b = irq (-1 unknown), c = guests bound. */
    public static final int DO_IRQ = 75;
    /** Physical IRQ handed to a guest ({@code do_IRQ_guest}): a = irq, b = pirq, c = the guest's domain id. */
    public static final int GUEST_IRQ = 76;
    /** {@code hvm_dirq_assist}: a = pirq, b = assertions made, c = pending EOIs after. */
    public static final int DPCI_ASSIST = 77;
    /** {@code hvm_pci_intx_assert}: a = device &lt;&lt; 2 | intx, b = guest GSI, c = assert count after. */
    public static final int INTX_ASSERT = 78;
    /** {@code hvm_pci_intx_deassert}: a = device &lt;&lt; 2 | intx, b = guest GSI, c = assert count after. */
    public static final int INTX_DEASSERT = 79;
    /** {@code hvm_gsi_assert} / {@code deassert} for the hardware domain: a = GSI, b = 1 assert / 0 deassert. */
    public static final int GSI_ASSERT = 80;
    /** A vCPU takes an interrupt (vLAPIC acknowledge at injection): a = vCPU, b = vector. */
    public static final int VCPU_INTERRUPT = 81;
    /** {@code hvm_dpci_eoi}: a = guest GSI, b = pirq, c = pending EOIs after. */
    public static final int DPCI_EOI = 82;
    /** {@code pirq_guest_eoi} / {@code desc_guest_eoi}: a = irq, b = in-flight after, c = 1 if the physical EOI was done. */
    public static final int PIRQ_GUEST_EOI = 83;
    /** Physical end of interrupt: a = irq, b = vector, c = {@link #EOI_LAPIC}, {@link #EOI_IOAPIC_EOIR} or {@link #EOI_UNMASK}. */
    public static final int PHYS_EOI = 84;
    /** The 1 ms guest-EOI timer forced a physical EOI: a = irq, b = guests still in flight. */
    public static final int EOI_TIMEOUT = 85;
    /** A hypercall returned: a = {@link HypercallOp} code, b = its main argument, c = result. */
    public static final int HYPERCALL = 86;
    /** Domain created: a = domid, b = {@link io.irqsim.hv.domain.DomainType} ordinal, c = vCPUs. */
    public static final int DOMAIN_CREATE = 87;
    /** Domain destroyed: a = domid. */
    public static final int DOMAIN_DESTROY = 88;
    /** Event-channel notification for a pirq (PV guests): a = pirq, b = irq. */
    public static final int EVTCHN_PIRQ = 89;
    /** Physical interrupt no guest or handler took: a = vector, b = irq (-1 none). */
    public static final int SPURIOUS_IRQ = 90;
    /** A guest wrote a level entry to edge while Remote IRR was set (Linux's EOI for IO-APICs without an EOI register): a = GSI. */
    public static final int VIOAPIC_EDGE_EOI = 91;
    /** Guest port access to a claimed I/O port range ({@code handle_pio}): a = port, b = size | (1 &lt;&lt; 8 if
     *  write), c = value. */
    public static final int PIO_TRAP = 92;
    /** {@code do_IRQ}'s {@code irq_ratelimit} disabled a guest IRQ: a = irq, b = interrupts counted in the quantum,
     *  c = virtual ns since the quantum started. */
    public static final int IRQ_RATELIMIT = 120;
    /** {@code irq_ratelimit_timer_fn} re-enabled a rate-limited IRQ: a = irq. */
    public static final int IRQ_RATELIMIT_END = 121;

    /** {@link #PERMISSION_CHECK} kind: {@code pirq_access_permitted(caller, pirq)}. */
    public static final int CHECK_PIRQ_ACCESS = 1;
    /** {@link #PERMISSION_CHECK} kind: {@code irq_access_permitted(caller, irq)}. */
    public static final int CHECK_IRQ_ACCESS = 2;
    /** {@link #PERMISSION_CHECK} kind: XSM privilege check. */
    public static final int CHECK_XSM = 3;

    /** {@link #PHYS_EOI} method: LAPIC EOI (broadcast clears Remote IRR). */
    public static final int EOI_LAPIC = 0;
    /** {@link #PHYS_EOI} method: IO-APIC EOI register write (directed EOI), then unmask. */
    public static final int EOI_IOAPIC_EOIR = 1;
    /** {@link #PHYS_EOI} method: unmask the pin (old ack mode without directed EOI). */
    public static final int EOI_UNMASK = 2;

    /** First code of the guest layer's range. */
    public static final int FIRST_GUEST_EVENT = 128;

    private HvEvent() {
    }

    /**
     * @param event code
     * @return its name, or {@code null} if it is not a hypervisor event
     */
    public static String name(final int event) {
        switch (event) {
            case MMIO_TRAP: return "mmio_trap";
            case VIOAPIC_RTE_WRITE: return "vioapic_rte_write";
            case HWDOM_MAP_GSI: return "vioapic_hwdom_map_gsi";
            case GSI_REGISTER: return "mp_register_gsi";
            case PIRQ_MAP: return "map_domain_pirq";
            case PIRQ_UNMAP: return "unmap_domain_pirq";
            case IRQ_ACCESS: return "irq_access";
            case PERMISSION_CHECK: return "permission_check";
            case PT_BIND: return "pt_irq_create_bind";
            case PT_UNBIND: return "pt_irq_destroy_bind";
            case PIRQ_GUEST_BIND: return "pirq_guest_bind";
            case DO_IRQ: return "do_IRQ";
            case GUEST_IRQ: return "do_IRQ_guest";
            case DPCI_ASSIST: return "hvm_dirq_assist";
            case INTX_ASSERT: return "hvm_pci_intx_assert";
            case INTX_DEASSERT: return "hvm_pci_intx_deassert";
            case GSI_ASSERT: return "hvm_gsi_assert";
            case VCPU_INTERRUPT: return "vcpu_interrupt";
            case DPCI_EOI: return "hvm_dpci_eoi";
            case PIRQ_GUEST_EOI: return "pirq_guest_eoi";
            case PHYS_EOI: return "physical_eoi";
            case EOI_TIMEOUT: return "irq_guest_eoi_timeout";
            case HYPERCALL: return "hypercall";
            case DOMAIN_CREATE: return "domain_create";
            case DOMAIN_DESTROY: return "domain_destroy";
            case EVTCHN_PIRQ: return "send_guest_pirq";
            case SPURIOUS_IRQ: return "spurious_irq";
            case VIOAPIC_EDGE_EOI: return "vioapic_edge_eoi";
            case PIO_TRAP: return "handle_pio";
            case IRQ_RATELIMIT: return "irq_ratelimit";
            case IRQ_RATELIMIT_END: return "irq_ratelimit_timer_fn";
            default: return null;
        }
    }
}
