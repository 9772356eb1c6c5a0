package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.hv.Errno;
import io.irqsim.hw.pci.Bdf;

/**
 * A Linux driver for the {@link NicTestDevice}, as any PCI INTx driver works: probe enables the
 * device and requests its irq (with MSI: {@code pci_set_master} and {@code pci_alloc_irq_vectors}
 * with {@code PCI_IRQ_MSI} first, {@link PciMsi}, and the irq is the MSI's); the handler reads the interrupt status through BAR0 (an MMIO read
 * of the vCPU, which waits if a device model across a socket emulates the device), returns "not
 * mine" if it is clear (the line may be shared), else acknowledges it.
 */
public final class NicTestDriver implements PciDriver {

    /** The driver's own name, which its irq carries unless the prober gives another. */
    public static final String NAME = "nic-test";

    private final LinuxKernel kernel;
    private final Bdf bdf;
    private long barAddress;
    private int irq;
    private long handled;
    private long notMine;

    private NicTestDriver(final LinuxKernel kernel, final Bdf bdf) {
        this.kernel = kernel;
        this.bdf = bdf;
    }

    /**
     * Probes the device in a kernel.
     *
     * @param kernel the kernel
     * @param bdf the device, as that kernel addresses it
     * @return the bound driver (check {@link #irq()}: 0 means it has no interrupt)
     */
    public static NicTestDriver probe(final LinuxKernel kernel, final Bdf bdf) {
        return probe(kernel, bdf, PciIrqMode.INTX);
    }

    /**
     * Probes the device with the interrupt {@code mode} asks for: for MSI or MSI-X,
     * {@code pci_set_master}, then {@code pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSI or PCI_IRQ_MSIX)};
     * if that fails the driver runs without an interrupt (it asked for that kind only).
     *
     * @param kernel the kernel
     * @param bdf the device
     * @param mode INTx, MSI or MSI-X
     * @return the bound driver
     */
    public static NicTestDriver probe(final LinuxKernel kernel, final Bdf bdf, final PciIrqMode mode) {
        return probe(kernel, bdf, mode, NAME);
    }

    /**
     * As {@link #probe(LinuxKernel, Bdf, PciIrqMode)}, the irq requested as {@code "<name> <bdf>"}
     * (the name {@code request_irq} records, which {@code /proc/interrupts} shows): dom0 drives each
     * of its own devices with this driver and names the irq after the device, so an AHCI controller's
     * line reads {@code "ahci 00:04.0"}, not the test driver's name.
     *
     * @param kernel the kernel
     * @param bdf the device
     * @param mode INTx, MSI or MSI-X
     * @param name the name the irq is requested under, before the address
     * @return the bound driver
     */
    public static NicTestDriver probe(final LinuxKernel kernel, final Bdf bdf, final PciIrqMode mode,
                                      final String name) {
        final NicTestDriver drv = new NicTestDriver(kernel, bdf);
        int rc = kernel.pciEnableDevice(bdf);
        if (mode != PciIrqMode.INTX && rc == 0) {
            kernel.pciSetMaster(bdf);
            final int n = mode == PciIrqMode.MSI ? kernel.pciAllocIrqVectorsMsi(bdf) : kernel.pciAllocIrqVectorsMsix(bdf);
            rc = n < 0 ? n : 0;
        }
        final LinuxKernel.PciDev dev = kernel.dev(bdf);
        drv.barAddress = dev.function().barAddress(0);
        if (rc == 0 && dev.irq() > 0) {
            drv.irq = dev.irq();
            kernel.requestIrq(dev.irq(), name + " " + bdf, drv::handle);
        } else {
            kernel.timeline().log(kernel.actor(), "%s %s: no interrupt (%s), running without one", name, bdf,
                Errno.name(rc));
        }
        return drv;
    }

    private void handle(final int linuxIrq, final IrqHandler.Done done) {
        kernel.cpu().mmioReadAsync(barAddress + NicTestDevice.REG_STATUS, 4, status -> {
            if ((status & NicTestDevice.STATUS_PENDING) == 0) {
                notMine++;
                done.handled(false);
                return;
            }
            kernel.cpu().mmioWriteAsync(barAddress + NicTestDevice.REG_ACK, 4, NicTestDevice.STATUS_PENDING, v -> {
                kernel.xen().trace().event(GuestEvent.DEVICE_ACK, bdf.sbdf(), linuxIrq, 0);
                handled++;
                done.handled(true);
            });
        });
    }

    @Override
    public Bdf bdf() {
        return bdf;
    }

    @Override
    public int irq() {
        return irq;
    }

    @Override
    public long handled() {
        return handled;
    }

    /** @return handler calls that found its device idle (shared line) */
    public long notMine() {
        return notMine;
    }
}
