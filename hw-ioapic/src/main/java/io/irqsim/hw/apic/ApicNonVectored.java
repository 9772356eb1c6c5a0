package io.irqsim.hw.apic;

import io.irqsim.hw.ioapic.Rte;

/**
 * What a local APIC holds for the messages that bypass IRR and ISR (Intel SDM vol. 3 "Interrupt
 * Acceptance for Fixed Interrupts" does not apply to them): NMI, SMI, INIT and ExtINT.
 *
 * <p>NMI is one flag, Xen's {@code v->arch.nmi_pending}: {@code vlapic_accept_irq}'s
 * {@code APIC_DM_NMI} case and {@code vioapic_deliver}'s {@code dest_NMI} case
 * ({@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0}, {@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0})
 * {@code test_and_set_bool} it, {@code hvm_vcpu_ack_pending_irq}
 * ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.20.0}) {@code test_and_clear_bool}s it. A physical CPU
 * likewise holds one NMI pending (SDM "Handling Multiple NMIs"): a second NMI collapses into it.
 * SMI, INIT and ExtINT are counted. Allocation-free; not thread-safe.
 */
final class ApicNonVectored {

    /** {@link #accept} result: a reserved delivery mode (011, 110), which nobody accepts. */
    static final int REFUSED = 0;
    /** {@link #accept} result: the message is now pending (the CPU is to be told). */
    static final int NEWLY_PENDING = 1;
    /** {@link #accept} result: an NMI while one was pending, absorbed into it; nothing changed. */
    static final int NMI_ABSORBED = 2;

    private boolean nmi;
    private int smi;
    private int init;
    private int extInt;

    /** Clears everything (power-up and INIT reset). */
    void clear() {
        nmi = false;
        smi = 0;
        init = 0;
        extInt = 0;
    }

    /**
     * @param deliveryMode NMI, SMI, INIT, ExtINT or a reserved mode (RTE encoding)
     * @return {@link #REFUSED}, {@link #NEWLY_PENDING} or {@link #NMI_ABSORBED}
     */
    int accept(final int deliveryMode) {
        switch (deliveryMode) {
            case Rte.DM_NMI:
                if (nmi) {
                    return NMI_ABSORBED;
                }
                nmi = true;
                return NEWLY_PENDING;
            case Rte.DM_SMI:
                smi++;
                return NEWLY_PENDING;
            case Rte.DM_INIT:
                init++;
                return NEWLY_PENDING;
            case Rte.DM_EXTINT:
                extInt++;
                return NEWLY_PENDING;
            default:
                return REFUSED;
        }
    }

    /** @return whether one was pending; clears it */
    boolean takeNmi() {
        final boolean was = nmi;
        nmi = false;
        return was;
    }

    /** @return whether an ExtINT was pending; takes one */
    boolean takeExtInt() {
        if (extInt == 0) {
            return false;
        }
        extInt--;
        return true;
    }

    boolean nmi() {
        return nmi;
    }

    int smi() {
        return smi;
    }

    int init() {
        return init;
    }

    int extInt() {
        return extInt;
    }
}
