package io.irqsim.hv.passthrough;

import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.sched.WorkItem;

import java.util.ArrayList;
import java.util.List;

/**
 * Passthrough state of one pirq ({@code struct hvm_pirq_dpci}, Xen
 * {@code xen/include/xen/hvm/irq.h}): how it is bound, whether a physical interrupt is waiting for
 * the softirq, how many guest EOIs are pending, and the guest INTx lines it drives. It is its own
 * softirq work item ({@code HVM_DPCI_SOFTIRQ} running {@code hvm_dirq_assist}).
 */
public final class PirqDpci extends WorkItem {

    /** Bound to a machine PCI (GSI) interrupt. */
    public static final int MACH_PCI = 0x1;
    /** Bound to a machine MSI. */
    public static final int MACH_MSI = 0x2;
    /** The binding is live. */
    public static final int MAPPED = 0x4;
    /** Delivered to the guest as PCI INTx. */
    public static final int GUEST_PCI = 0x10;
    /** Delivered to the guest as MSI. */
    public static final int GUEST_MSI = 0x20;
    /** Hardware domain: the machine GSI is the guest GSI. */
    public static final int IDENTITY_GSI = 0x40;
    /** Edge interrupt of the hardware domain: no guest EOI expected. */
    public static final int NO_EOI = 0x80;

    private final Pirq pirq;
    private int flags;
    private boolean masked;
    private int pending;
    private final List<Digl> digls = new ArrayList<>(2);
    private Passthrough owner;

    /**
     * @param pirq the pirq this state belongs to
     */
    public PirqDpci(final Pirq pirq) {
        this.pirq = pirq;
    }

    /**
     * A guest device/INTx the pirq drives ({@code struct dev_intx_gsi_link}).
     *
     * @param bus virtual bus
     * @param device virtual device
     * @param intx 0..3
     */
    public record Digl(int bus, int device, int intx) {
    }

    /** Does the work; public only so {@link io.irqsim.hv.sched.WorkQueue#drain()} can call it on the final class. */
    @Override
    public void run() {
        owner.dirqAssist(this);
    }

    void setOwner(final Passthrough owner) {
        this.owner = owner;
    }

    /** @return the pirq */
    public Pirq pirq() {
        return pirq;
    }

    /** @return flag bits */
    public int flags() {
        return flags;
    }

    void setFlags(final int flags) {
        this.flags = flags;
    }

    /** @param flag a flag @return whether it is set */
    public boolean has(final int flag) {
        return (flags & flag) != 0;
    }

    /** @return whether a physical interrupt waits for the softirq */
    public boolean isMasked() {
        return masked;
    }

    void setMasked(final boolean masked) {
        this.masked = masked;
    }

    /** @return guest EOIs still expected before the physical EOI, 0..0xFFFF */
    public int pending() {
        return pending;
    }

    /**
     * Stores the count as Xen's {@code uint16_t pending} ({@code struct hvm_pirq_dpci},
     * xen/arch/x86/include/asm/hvm/irq.h@RELEASE-4.18.0/4.20.0):
     * {@code hvm_dirq_assist}'s {@code pending++} and {@code hvm_pirq_eoi}'s {@code --pending} wrap
     * modulo 65536.
     */
    void setPending(final int pending) {
        this.pending = pending & 0xFFFF;
    }

    /** @return the guest INTx lines */
    public List<Digl> digls() {
        return digls;
    }
}
