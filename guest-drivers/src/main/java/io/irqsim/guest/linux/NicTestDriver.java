package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.hv.Errno;
import io.irqsim.hw.pci.Bdf;

/**
 * A Linux driver for the {@link NicTestDevice}, as any PCI INTx driver works: probe enables the
 * device and requests its irq; the handler reads the interrupt status through BAR0 (an MMIO read
 * of the vCPU, which waits if a device model across a socket emulates the device), returns "not
 * mine" if it is clear (the line may be shared), else acknowledges it.
 */
public final class NicTestDriver implements PciDriver {

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
        final NicTestDriver drv = new NicTestDriver(kernel, bdf);
        final int rc = kernel.pciEnableDevice(bdf);
        final LinuxKernel.PciDev dev = kernel.dev(bdf);
        drv.barAddress = dev.function().barAddress(0);
        if (rc == 0 && dev.irq() > 0) {
            drv.irq = dev.irq();
            kernel.requestIrq(dev.irq(), "nic-test " + bdf, drv::handle);
        } else {
            kernel.timeline().log(kernel.actor(), "nic-test %s: no interrupt (%s), running without one", bdf,
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
