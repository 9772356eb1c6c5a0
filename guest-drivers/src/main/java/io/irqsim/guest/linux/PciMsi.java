package io.irqsim.guest.linux;

import io.irqsim.hv.Errno;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hw.apic.ApicBus;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;

/**
 * Linux enabling one MSI vector on a PCI device of an HVM guest:
 * {@code pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSI)} &rarr; {@code __pci_enable_msi_range} &rarr;
 * {@code msi_capability_init} (drivers/pci/msi/msi.c@v6.12), without {@code XENFEAT_hvm_pirqs} with
 * the native x86 vector domain composing the message ({@code __irq_msi_compose_msg},
 * arch/x86/kernel/apic/apic.c@v6.12) and {@code __pci_write_msi_msg} writing it. Every access is a
 * config access of the function as the guest sees it, so on a vfio-user function the device
 * model's MSI emulation sees the enable, as it would under QEMU.
 *
 * <p>With {@code XENFEAT_hvm_pirqs}, unless Xen reports APIC virtualization (then
 * {@code xen_hvm_msi_init} leaves MSIs native, {@link IrqBackend#xenPciMsi}), the irq domain is
 * Xen's ({@code xen_hvm_setup_msi_irqs}, arch/x86/pci/xen.c@v6.12): a pirq from
 * {@code PHYSDEVOP_get_free_pirq(MAP_PIRQ_TYPE_MSI)}, a message that carries it instead of a vector ({@code xen_msi_compose_msg}: destination ID bits 7:0 and
 * address bits 63:40 the pirq, data vector 0 with ExtINT delivery), an irq bound to the pirq
 * ({@code xen_bind_pirq_msi_to_irq}); {@code request_irq} then binds its event channel
 * ({@code startup_pirq}) and Xen's {@code hvm_inject_msi} sends the pirq's event.
 *
 * <p>Simplified: one vector (the NIC test driver asks for one); natively the destination is the boot
 * vCPU in physical mode with fixed delivery, edge (no matrix allocator spread, no logical/cluster
 * mode); no affinity. Per-vector masking: vector 0 masked from set-up until {@code request_irq}
 * when the capability has mask bits, never under Xen ({@code pci_msi_ignore_mask}); the flow
 * handler masks an MSI that comes with no action or while disabled ({@link #mask}). Re-read
 * through the search index:
 * drivers/pci/msi/msi.c at torvalds/linux@017239c8 (v6.12-era: {@code pci_msi_ignore_mask},
 * {@code msi_lock_descs}), {@code xen_msi_compose_msg} in its post-v5.11 form (msg shadow structs,
 * {@code APIC_DELIVERY_MODE_EXTINT}); no Linux mirror, no tag pinned.
 */
final class PciMsi {

    /** {@code PCI_CAP_ID_MSI}. */
    static final int CAP_ID_MSI = 0x05;
    private static final int FLAGS = 2;
    private static final int FLAGS_ENABLE = 0x0001;
    private static final int FLAGS_QMASK = 0x000e;
    private static final int FLAGS_QSIZE = 0x0070;
    private static final int FLAGS_64BIT = 0x0080;
    private static final int FLAGS_MASKBIT = 0x0100;
    /** {@code APIC_DELIVERY_MODE_EXTINT}. */
    private static final int APIC_DELIVERY_MODE_EXTINT = 7;

    private PciMsi() {
    }

    /**
     * {@code __pci_enable_msi_range(dev, 1, 1, NULL)} and {@code msi_capability_init}: refuse if MSI
     * is already on or the device has no capability ({@code pci_msi_vec_count}: {@code -EINVAL});
     * disable MSI while setting up; mask vector 0 if the capability can; allocate the irq and its
     * vector and write the message (control with MME 0, address, upper address if 64-bit, data);
     * {@code pci_intx_for_msi(dev, 0)} sets {@code PCI_COMMAND_INTX_DISABLE}; enable MSI with vector 0
     * still masked (unmasked by {@code request_irq}, {@link #unmask}); then
     * {@code pcibios_free_irq} (arch/x86/pci/common.c@v6.12) gives back the INTx GSI
     * ({@code acpi_pci_irq_disable}) and {@code dev->irq} becomes the MSI irq.
     *
     * @param k the kernel
     * @param d the device
     * @return 1 (vectors enabled) or a negative errno
     */
    static int enable(final LinuxKernel k, final LinuxKernel.PciDev d) {
        final PciFunction f = d.function();
        if (d.isMsiEnabled()) {
            return -Errno.EINVAL;
        }
        final int cap = findCapability(f, CAP_ID_MSI);
        if (cap == 0) {
            k.log.log(k.actor, "%s: pci_alloc_irq_vectors(PCI_IRQ_MSI): no MSI capability = %s", f.bdf(),
                Errno.name(-Errno.EINVAL));
            return -Errno.EINVAL;
        }
        final int flags = f.configRead(cap + FLAGS, 2);
        final boolean is64 = (flags & FLAGS_64BIT) != 0;
        // pci_msi_set_enable(dev, 0)
        f.configWrite(cap + FLAGS, 2, flags & ~FLAGS_ENABLE);
        // msi_setup_msi_desc: can_mask unless pci_msi_ignore_mask, which Xen's MSI set-up
        // (xen_setup_pci_msi) sets: with XENFEAT_hvm_pirqs the mask register is never written
        final boolean canMask = (flags & FLAGS_MASKBIT) != 0 && !k.backend.xenPciMsi();
        final int maskPos = cap + (is64 ? 0x10 : 0x0c);
        final int maskBits = canMask ? f.configRead(maskPos, 4) | 1 : 0;
        if (canMask) {
            // pci_msi_mask(entry, msi_multi_mask(entry)): the saved mask with vector 0 set; it stays
            // masked until request_irq starts the irq (pci_msi_unmask_irq, unmaskMsi)
            f.configWrite(maskPos, 4, maskBits);
        }
        final Message m = setupIrq(k, f);
        if (m == null) {
            if (canMask) {
                f.configWrite(maskPos, 4, maskBits & ~1);  // err: pci_msi_unmask(entry, ...)
            }
            return -Errno.ENODEV;
        }
        final LinuxIrq irq = m.irq();
        final long address = m.address();
        final int data = m.data();
        // __pci_write_msi_msg: control with MME = 0 (one vector), address, upper address, data
        final int ctrl = f.configRead(cap + FLAGS, 2) & ~FLAGS_QSIZE;
        f.configWrite(cap + FLAGS, 2, ctrl);
        f.configWrite(cap + 4, 4, (int) address);
        if (is64) {
            f.configWrite(cap + 8, 4, (int) (address >>> 32));
            f.configWrite(cap + 0x0c, 2, data);
        } else {
            f.configWrite(cap + 8, 2, data);
        }
        // pci_intx_for_msi(dev, 0), then pci_msi_set_enable(dev, 1)
        final int cmd = f.configRead(PciConfigRegisters.COMMAND, 2);
        if ((cmd & PciConfigRegisters.COMMAND_INTX_DISABLE) == 0) {
            f.configWrite(PciConfigRegisters.COMMAND, 2, cmd | PciConfigRegisters.COMMAND_INTX_DISABLE);
        }
        f.configWrite(cap + FLAGS, 2, f.configRead(cap + FLAGS, 2) | FLAGS_ENABLE);
        // pcibios_free_irq -> acpi_pci_irq_disable: the INTx GSI is given back
        k.acpiPciIrqDisable(d);
        if (canMask) {
            irq.setMsiMask(f, maskPos, maskBits);
        }
        d.msiEnabled(irq.irq());
        k.log.log(k.actor, "%s: PCI-MSI: IRQ %d, %s, message address 0x%x data 0x%04x (MSI capability"
            + " at 0x%02x, %d vector(s) capable)", f.bdf(), irq.irq(), describe(irq), address, data, cap, 1 << ((flags & FLAGS_QMASK) >> 1));
        return 1;
    }

    /**
     * An MSI or MSI-X vector's irq and message.
     *
     * @param irq the Linux irq
     * @param address message address
     * @param data message data
     */
    record Message(LinuxIrq irq, long address, int data) {
    }

    /**
     * {@code pci_msi_setup_msi_irqs} for one vector: natively an irq from the dynamic range with the
     * next free vector and {@code __irq_msi_compose_msg} (the boot vCPU, physical, fixed, edge); with
     * {@code XENFEAT_hvm_pirqs} {@code xen_hvm_setup_msi_irqs}: {@code PHYSDEVOP_get_free_pirq(MSI)},
     * {@code xen_msi_compose_msg} (the pirq in destination ID bits 7:0 and address bits 63:40, data
     * vector 0 with ExtINT delivery) and an irq bound to the pirq ({@code xen_bind_pirq_msi_to_irq}).
     *
     * @param k the kernel
     * @param f the device (for messages)
     * @return the irq and message, or null if no pirq was free
     */
    static Message setupIrq(final LinuxKernel k, final PciFunction f) {
        final LinuxIrq irq;
        final long address;
        final int data;
        if (k.backend.xenPciMsi()) {
            final int pirq = k.xen.physdev().getFreePirq(k.domain, PhysdevOps.MAP_PIRQ_TYPE_MSI);
            k.log.log(k.actor, "%s: xen_hvm_setup_msi_irqs: PHYSDEVOP_get_free_pirq(MSI) = %s", f.bdf(),
                pirq < 0 ? Errno.name(pirq) : "pirq " + pirq);
            if (pirq < 0) {
                return null;
            }
            irq = k.irqs.allocMsi();
            irq.setPirq(pirq);
            address = ApicBus.MSI_ADDRESS_BASE | (long) (pirq & 0xff) << 12 | (pirq & 0xffff_ff00L) << 32;
            data = APIC_DELIVERY_MODE_EXTINT << 8;      // vector 0: "a pirq, not a vector"
        } else {
            irq = k.irqs.allocMsi();
            k.irqs.assignVector(irq);
            address = ApicBus.MSI_ADDRESS_BASE | (long) (k.cpu().vlapic().apicId() & 0xff) << 12;
            data = irq.vector();        // fixed delivery, edge, assert
        }
        irq.configure(false, false);
        return new Message(irq, address, data);
    }

    /**
     * {@code pci_msi_unmask_irq} (drivers/pci/msi/msi.c@v6.12: {@code __pci_msi_unmask_desc}), the
     * PCI-MSI chip's {@code irq_unmask}, which {@code irq_startup} and {@code irq_enable} reach
     * ({@code request_irq}, {@code enable_irq}): vector 0's mask bit cleared if the capability has mask
     * bits ({@code pci_msi_update_mask}), the MSI-X entry's vector-control mask bit cleared
     * ({@code pci_msix_unmask}); nothing for an MSI capability without mask bits. Never under Xen's
     * MSI set-up ({@code pci_msi_ignore_mask}). The counterpart of {@link #mask}.
     *
     * @param k the kernel (its vCPU issues the MSI-X table write)
     * @param irq the MSI irq
     */
    static void unmask(final LinuxKernel k, final LinuxIrq irq) {
        irq.setMasked(false);
        if (irq.msiMaskFunction() != null) {
            irq.msiMaskFunction().configWrite(irq.msiMaskPos(), 4, irq.msiMaskBits() & ~1);
        } else if (irq.msixEntry() >= 0) {
            k.cpu().mmioWrite(irq.msixEntry() + PciMsix.ENTRY_VECTOR_CTRL, 4, 0);
        }
    }

    /**
     * {@code pci_msi_mask_irq} (drivers/pci/msi/msi.c@v6.12: {@code __pci_msi_mask_desc}): the flow
     * handler's {@code mask_ack_irq} for a native MSI irq that came with no action or while disabled
     * ({@code handle_edge_irq}): vector 0's mask bit if the capability has mask bits, the MSI-X
     * entry's vector-control mask bit ({@code pci_msix_mask}); nothing for an MSI capability without
     * mask bits ({@code can_mask} false). Never under Xen's MSI set-up ({@code pci_msi_ignore_mask}:
     * those irqs are pirqs and masked through their event channel).
     *
     * @param k the kernel (its vCPU issues the MSI-X table write)
     * @param irq the MSI irq
     */
    static void mask(final LinuxKernel k, final LinuxIrq irq) {
        irq.setMasked(true);
        if (irq.msiMaskFunction() != null) {
            irq.msiMaskFunction().configWrite(irq.msiMaskPos(), 4, irq.msiMaskBits() | 1);
        } else if (irq.msixEntry() >= 0) {
            k.cpu().mmioWrite(irq.msixEntry() + PciMsix.ENTRY_VECTOR_CTRL, 4, 1);
        }
    }

    /** @return "pirq N" or "vector 0xVV" for the timeline */
    static String describe(final LinuxIrq irq) {
        return irq.pirq() >= 0 ? "pirq " + irq.pirq() : String.format("vector 0x%02x", irq.vector());
    }

    /**
     * {@code pci_find_capability} (drivers/pci/pci.c@v6.12): if status has the capability list bit,
     * walk from 0x34, at most 48 entries ({@code PCI_FIND_CAP_TTL}); each read is the guest's.
     *
     * @param f the function
     * @param id capability id
     * @return its offset, 0 if none
     */
    static int findCapability(final PciFunction f, final int id) {
        if ((f.configRead(PciConfigRegisters.STATUS, 2) & 0x10) == 0) {
            return 0;
        }
        int at = f.configRead(0x34, 1) & 0xfc;
        for (int ttl = 48; ttl > 0 && at >= 0x40; ttl--) {
            final int header = f.configRead(at, 2);
            if ((header & 0xff) == 0xff) {
                return 0;
            }
            if ((header & 0xff) == id) {
                return at;
            }
            at = (header >>> 8) & 0xfc;
        }
        return 0;
    }
}
