package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;

/**
 * A guest driver for the device of libvfio-user's sample server ({@code samples/server.c}@efd091b,
 * IDs {@code 0xdead:0xbeef}): no such driver exists in Linux; this one does what the sample's device
 * is built for. Its BAR0 is an I/O BAR holding one {@code time_t}; a write of a Unix time arms the
 * server's timer ({@code bar0_access} &rarr; {@code arm_timer}: it fires {@code t - time(NULL)} seconds
 * later), and when it fires the server raises INTx ({@code vfu_irq_trigger}) and then does its DMA.
 *
 * <p>Probe: {@code pci_enable_device}, {@code request_irq}, then one 8-byte write to BAR0 offset 0 of
 * the wall-clock time {@value #ARM_SECONDS} second(s) ahead (the register is a host {@code time_t};
 * {@code bar0_access} refuses any other size or offset, so the write is 8 bytes wide, which no x86
 * {@code out} can be: {@code docs/fidelity.md}). The handler has no status register to read (the
 * sample has none): it counts the interrupt and reports it handled; the EOI follows as for any INTx.
 */
public final class LibvfioUserSampleDriver implements PciDriver {

    /** The sample's vendor and device ({@code vfu_pci_set_id(vfu_ctx, 0xdead, 0xbeef, ...)}). */
    public static final int VENDOR = 0xdead;
    public static final int DEVICE = 0xbeef;
    /** Seconds ahead the probe arms the timer. */
    public static final int ARM_SECONDS = 1;

    private final LinuxKernel kernel;
    private final Bdf bdf;
    private int irq;
    private int port = -1;
    private long armedFor;
    private long handled;

    private LibvfioUserSampleDriver(final LinuxKernel kernel, final Bdf bdf) {
        this.kernel = kernel;
        this.bdf = bdf;
    }

    /**
     * @param f a PCI function
     * @return whether this driver binds it (its ID table)
     */
    public static boolean matches(final PciFunction f) {
        return f.vendorId() == VENDOR && f.deviceId() == DEVICE;
    }

    /**
     * Probes: enables the device, requests its irq, arms the server's timer through BAR0.
     *
     * @param kernel the kernel
     * @param bdf the device
     * @return the bound driver
     */
    public static LibvfioUserSampleDriver probe(final LinuxKernel kernel, final Bdf bdf) {
        final LibvfioUserSampleDriver drv = new LibvfioUserSampleDriver(kernel, bdf);
        final int rc = kernel.pciEnableDevice(bdf);
        final LinuxKernel.PciDev dev = kernel.dev(bdf);
        final PciFunction f = dev.function();
        if (rc == 0 && dev.irq() > 0) {
            drv.irq = dev.irq();
            kernel.requestIrq(dev.irq(), "lvu-sample " + bdf, drv::handle);
        }
        final boolean io = f.barSize(0) > 0 && (f.configRead(PciConfigRegisters.BAR0, 4) & 1) != 0;
        if (!io) {
            kernel.timeline().log(kernel.actor(), "lvu-sample %s: BAR0 is not an I/O BAR, timer not armed", bdf);
            return drv;
        }
        drv.port = (int) f.barAddress(0);
        drv.armedFor = System.currentTimeMillis() / 1000 + ARM_SECONDS;
        kernel.cpu().portWriteQword(drv.port, drv.armedFor);
        kernel.timeline().log(kernel.actor(), "lvu-sample %s: BAR0 at port 0x%04x, timer armed for Unix time %d"
            + " (8-byte write)", bdf, drv.port, drv.armedFor);
        return drv;
    }

    private void handle(final int linuxIrq, final IrqHandler.Done done) {
        handled++;
        kernel.xen().trace().event(GuestEvent.DEVICE_ACK, bdf.sbdf(), linuxIrq, 0);
        done.handled(true);
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

    /** @return BAR0's port, -1 if it has none */
    public int port() {
        return port;
    }

    /** @return the Unix time written to BAR0, 0 if none */
    public long armedFor() {
        return armedFor;
    }
}
