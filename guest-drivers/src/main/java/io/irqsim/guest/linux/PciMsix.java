package io.irqsim.guest.linux;

import io.irqsim.hv.Errno;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;

/**
 * Linux enabling one MSI-X vector on a PCI device of an HVM guest:
 * {@code pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSIX)} &rarr; {@code __pci_enable_msix_range}
 * &rarr; {@code msix_capability_init} (drivers/pci/msi/msi.c, v6.12-era, read at torvalds/linux@017239c8
 * through the search index): MSI-X enabled with every vector masked (function mask) while it is set up, the
 * table found through the capability's BIR and offset in the BAR the guest placed, the vector's
 * message written into its entry (it stays masked), INTx disabled, every entry masked
 * ({@code msix_mask_all}), the function mask cleared, the INTx GSI given back; {@code request_irq}
 * then unmasks the entry ({@code pci_msix_unmask}, {@link LinuxKernel#requestIrq}). Table accesses are
 * the vCPU's MMIO, so a device model that emulates the table (QEMU's {@code hw/pci/msix.c}) sees
 * them.
 *
 * <p>With {@code XENFEAT_hvm_pirqs} the message is Xen's ({@link PciMsi#setupIrq}: the pirq in the
 * destination bits, data vector 0) and Xen's MSI domain never touches the mask bits
 * ({@code pci_msi_ignore_mask}, set by arch/x86/pci/xen.c:xen_setup_pci_msi for HVM guests since
 * v5.18; an MSI domain flag, {@code MSI_FLAG_NO_MASK}, only from 2025: no {@code msix_mask_all}, no unmask at {@code request_irq}, which binds
 * the pirq's event channel instead); a device model under Xen treats such a message as never masked
 * (QEMU's {@code msix_vector_masked} / {@code xen_is_pirq_msi}).
 */
final class PciMsix {

    /** {@code PCI_CAP_ID_MSIX}. */
    static final int CAP_ID_MSIX = 0x11;
    /** {@code PCI_MSIX_ENTRY_VECTOR_CTRL}. */
    static final int ENTRY_VECTOR_CTRL = 12;
    private static final int ENTRY_SIZE = 16;
    private static final int FLAGS_QSIZE = 0x07ff;
    private static final int FLAGS_MASKALL = 0x4000;
    private static final int FLAGS_ENABLE = 0x8000;

    private PciMsix() {
    }

    /**
     * {@code __pci_enable_msix_range(dev, NULL, 1, 1, NULL, 0)} and {@code msix_capability_init}.
     *
     * @param k the kernel
     * @param d the device
     * @return 1 (vectors enabled) or a negative errno: -EINVAL (MSI or MSI-X already on, no capability),
     *     -ENOMEM (the table's BAR is not placed), -ENODEV (no pirq free)
     */
    static int enable(final LinuxKernel k, final LinuxKernel.PciDev d) {
        final PciFunction f = d.function();
        if (d.isMsiEnabled()) {
            return -Errno.EINVAL;
        }
        final int cap = PciMsi.findCapability(f, CAP_ID_MSIX);
        if (cap == 0) {
            k.log.log(k.actor, "%s: pci_alloc_irq_vectors(PCI_IRQ_MSIX): no MSI-X capability = %s", f.bdf(),
                Errno.name(-Errno.EINVAL));
            return -Errno.EINVAL;
        }
        final int ctrl = f.configRead(cap + 2, 2);
        final int tsize = (ctrl & FLAGS_QSIZE) + 1;
        // pci_msix_clear_and_set_ctrl(dev, 0, PCI_MSIX_FLAGS_MASKALL | PCI_MSIX_FLAGS_ENABLE)
        f.configWrite(cap + 2, 2, ctrl | FLAGS_MASKALL | FLAGS_ENABLE);
        // msix_map_region: the table's BAR and offset
        final int table = f.configRead(cap + 4, 4);
        final long bar = f.barAddress(table & 7);
        if (bar == 0) {
            f.configWrite(cap + 2, 2, ctrl & ~(FLAGS_MASKALL | FLAGS_ENABLE));
            return -Errno.ENOMEM;
        }
        final long base = bar + (table & ~7L & 0xffff_ffffL);
        // msix_setup_interrupts: the irq and message, written into entry 0 (masked, so no mask dance)
        final PciMsi.Message m = PciMsi.setupIrq(k, f);
        if (m == null) {
            f.configWrite(cap + 2, 2, ctrl & ~(FLAGS_MASKALL | FLAGS_ENABLE));
            return -Errno.ENODEV;
        }
        k.cpu().mmioWrite(base, 4, m.address() & 0xffff_ffffL);
        k.cpu().mmioWrite(base + 4, 4, m.address() >>> 32);
        k.cpu().mmioWrite(base + 8, 4, m.data() & 0xffff_ffffL);
        // pci_intx_for_msi(dev, 0)
        final int cmd = f.configRead(PciConfigRegisters.COMMAND, 2);
        if ((cmd & PciConfigRegisters.COMMAND_INTX_DISABLE) == 0) {
            f.configWrite(PciConfigRegisters.COMMAND, 2, cmd | PciConfigRegisters.COMMAND_INTX_DISABLE);
        }
        // msix_mask_all (not under Xen's MSI set-up: pci_msi_ignore_mask), then clear the function mask
        if (m.irq().pirq() < 0) {
            for (int i = 0; i < tsize; i++) {
                k.cpu().mmioWrite(base + (long) i * ENTRY_SIZE + ENTRY_VECTOR_CTRL, 4, 1);
            }
        }
        f.configWrite(cap + 2, 2, f.configRead(cap + 2, 2) & ~FLAGS_MASKALL);
        // pcibios_free_irq -> acpi_pci_irq_disable
        k.acpiPciIrqDisable(d);
        m.irq().setMsixEntry(base);
        d.msiEnabled(m.irq().irq());
        k.log.log(k.actor, "%s: PCI-MSI-X: IRQ %d, %s, entry 0 of %d at 0x%x: message address 0x%x data 0x%04x"
            + " (MSI-X capability at 0x%02x)", f.bdf(), m.irq().irq(), PciMsi.describe(m.irq()), tsize, base,
            m.address(), m.data(), cap);
        return 1;
    }
}
