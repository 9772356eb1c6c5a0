package io.irqsim.hw.apic;

import io.irqsim.hw.mmio.MmioDevice;

/**
 * Whose local APIC a {@link LocalApic} models: the choices where a physical part and Xen's vLAPIC
 * differ, as {@link io.irqsim.hw.ioapic.IoApicModel} holds them for the IO-APIC. Everything else
 * (accept, acknowledge, EOI, priorities, the register write masks) is the same code for both.
 */
public enum LocalApicModel {

    /**
     * A physical xAPIC (Intel SDM vol. 3, "Advanced Programmable Interrupt Controller"): 1-, 2- and
     * 4-byte accesses reach it (the bus refuses 8-byte ones); a write takes effect only as a whole
     * 4-byte write at a register's offset, as KVM's {@code apic_mmio_write}
     * ({@code arch/x86/kvm/lapic.c@v6.12}) has it, since the SDM leaves narrower writes undefined;
     * the ID register keeps bits 31:24; in the cluster logical model, cluster 0xF addresses every
     * cluster.
     */
    PHYSICAL(MmioDevice.ACCESS_1 | MmioDevice.ACCESS_2 | MmioDevice.ACCESS_4, true),

    /**
     * Xen's vLAPIC ({@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0}): an access of any size reaches
     * {@code vlapic_mmio_read} / {@code vlapic_mmio_write}, which take it when it fits in the first
     * four bytes of a register's 16-byte slot at or below TDCR and otherwise read 0 or drop it; a 1-
     * or 2-byte write is merged into the register's current value ({@code vlapic_read_aligned}) and
     * written whole. {@code vlapic_reg_write} stores the whole ID register written (the APIC ID is
     * still bits 31:24). {@code vlapic_match_logical_addr} has no broadcast cluster. The ESR follows
     * {@code RELEASE-4.20.1} on both models (an ESR write through {@link LocalApic#writeRegister} latches pending
     * errors): that point release fixed 4.20.0's ESR, where writes were ignored.
     */
    XEN_VLAPIC(MmioDevice.ACCESS_ANY, false);

    private final int acceptedSizes;
    private final boolean clusterBroadcast;

    LocalApicModel(final int acceptedSizes, final boolean clusterBroadcast) {
        this.acceptedSizes = acceptedSizes;
        this.clusterBroadcast = clusterBroadcast;
    }

    /** @return the access sizes the MMIO page takes, as {@code MmioDevice.ACCESS_*} bits */
    public int acceptedSizes() {
        return acceptedSizes;
    }

    /** @return whether cluster 0xF of a cluster-model logical destination addresses every cluster */
    public boolean clusterBroadcast() {
        return clusterBroadcast;
    }

    /** @return whether the ID register reads back the whole value written, not only bits 31:24 */
    public boolean keepsWholeIdRegister() {
        return this == XEN_VLAPIC;
    }

    /**
     * @return whether an SMI message is taken (held pending); Xen's {@code vlapic_accept_irq} ignores
     *     one ("Ignoring guest SMI"), and its vIO-APIC and MSI paths never send one
     */
    public boolean acceptsSmi() {
        return this == PHYSICAL;
    }

    /**
     * @return whether a lowest-priority IPI refused for a vector below 16 still picks its target,
     *     moving the round-robin cursor: Xen's {@code vlapic_ipi} calls {@code vlapic_lowest_prio}
     *     before its vector check ({@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0}); a physical
     *     LAPIC refuses it before it reaches the bus
     */
    public boolean picksBeforeVectorCheck() {
        return this == XEN_VLAPIC;
    }

    /** @return whether a 1- or 2-byte write inside a register is merged into it rather than dropped */
    public boolean mergesNarrowWrites() {
        return this == XEN_VLAPIC;
    }
}
