package io.irqsim.dm.vfiouser;

import io.irqsim.dm.net.client.DeviceModelClient;
import io.irqsim.dm.net.client.IoreqHandler;
import io.irqsim.dm.net.client.PciDevice;
import io.irqsim.dm.net.proto.Msg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Plugs a vfio-user device into an irqsim guest: a device model (dm-net protocol,
 * {@code docs/protocol.md}) on one side, a vfio-user server on the other, doing what QEMU's
 * {@code vfio-user-pci} does for its guest.
 *
 * <ul>
 * <li>The function the guest sees has the server's IDs, class and interrupt pin (read from its
 * config space, region 7) and its memory BARs with the sizes of the server's regions 0..5.</li>
 * <li>Guest accesses to those BARs are forwarded as REGION_READ/REGION_WRITE and answered with
 * the server's reply (QEMU {@code hw/vfio/pci.c:vfio_region_read/write} on a vfio-user region).</li>
 * <li>INTx: an eventfd handed to the server with SET_IRQS; when it fires, the guest's INTx is
 * asserted ({@code XEN_DMOP_set_pci_intx_level}, routed by Xen's {@code hvm_pci_intx_assert}), as
 * QEMU's {@code hw/vfio/pci.c:vfio_intx_interrupt} asserts. On the guest's EOI of that GSI, if
 * asserted, the line is deasserted and the server's INTx unmasked with SET_IRQS ACTION_UNMASK, as
 * {@code hw/vfio/pci.c:vfio_intx_eoi} (QEMU 9.x; {@code vfio_pci_intx_eoi} later) does: deassert,
 * then {@code vfio_unmask_single_irqindex}.</li>
 * </ul>
 *
 * <p>Threads: the vfio-user client is used only on the device model's I/O thread (the BAR
 * handlers, the EOI listener) once plugged; a daemon thread waits on the eventfd and hands each
 * firing to that thread. A forwarded access blocks the I/O thread for one vfio-user round trip,
 * as QEMU's vCPU thread waits for the reply of a REGION_READ.
 *
 * <p>Not forwarded (yet): guest config-space accesses (irqsim's server emulates the header from
 * the identity: dm-net's protocol has no config access for the server to hand to a model, so
 * {@link VfioUserConfigSpace}, which the in-process {@link VfioUserGuestDevice} uses, cannot sit
 * here without a protocol change), hence MSI (the bridge never sees the guest enable it, although
 * the protocol's INJECT_MSI could carry the interrupts), MSI-X, I/O-port BARs, the expansion ROM, DMA.
 */
public final class VfioUserBridge implements AutoCloseable {

    private final DeviceModelClient dm;
    private final VfioUserClient vfio;
    private final Msg.RegisterPci function;
    private Eventfd intx;
    private Thread waiter;
    private volatile boolean closed;
    private int device;
    private PciDevice pci;
    private boolean asserted;
    private long intxAsserts;
    private long eois;
    private long failures;
    private final List<Waiter> waiters = new ArrayList<>();

    private record Waiter(long eois, CompletableFuture<Long> future) {
    }

    private VfioUserBridge(final DeviceModelClient dm, final VfioUserClient vfio, final Msg.RegisterPci function) {
        this.dm = dm;
        this.vfio = vfio;
        this.function = function;
    }

    /**
     * Reads the vfio-user device's identity, hands the server an INTx eventfd, attaches to the
     * domain and presents the function at {@code slot}.
     *
     * @param dm a device-model client connected to irqsim's server
     * @param vfio a connected vfio-user client (used by the bridge from now on)
     * @param domain the guest's name
     * @param slot the guest PCI slot
     * @return the bridge once the guest has the function
     * @throws IOException if the vfio-user device is not PCI or refuses a command
     */
    public static CompletableFuture<VfioUserBridge> plug(final DeviceModelClient dm, final VfioUserClient vfio,
                                                         final String domain, final int slot) throws IOException {
        final VfioUserBridge b = new VfioUserBridge(dm, vfio, identity(vfio, slot));
        if (b.function.pin() != 0 && vfio.deviceInfo().numIrqs() > VfioUser.IRQ_INTX
            && vfio.irqInfo(VfioUser.IRQ_INTX).count() > 0) {
            b.intx = Eventfd.create();
            vfio.setIrqEventfds(VfioUser.IRQ_INTX, 0, b.intx);
        }
        final IoreqHandler[] bars = new IoreqHandler[Msg.BARS];
        for (int i = 0; i < Msg.BARS; i++) {
            if (b.function.barSizes().get(i) > 0) {
                bars[i] = b.new Bar(i);
            }
        }
        dm.onEoi((dev, gsi) -> b.eoi(dev));
        return dm.attach(domain).thenCompose(a -> dm.registerPci(b.function, bars)).thenApply(d -> {
            b.device = d.device();
            b.pci = d;
            b.startWaiter();
            return b;
        });
    }

    /**
     * The function's header from the server: IDs, class, pin from config space; memory BARs with
     * their regions' sizes (the upper half of a 64-bit BAR and I/O BARs get none).
     */
    static Msg.RegisterPci identity(final VfioUserClient vfio, final int slot) throws IOException {
        final VfioUserCodec.DeviceInfo info = vfio.deviceInfo();
        if ((info.flags() & VfioUser.DEVICE_FLAG_PCI) == 0 || info.numRegions() <= VfioUser.REGION_CONFIG) {
            throw new IOException("the vfio-user device is not a PCI device with a config space region");
        }
        final ByteBuffer cfg = ByteBuffer.wrap(vfio.regionRead(VfioUser.REGION_CONFIG, 0, 64))
            .order(ByteOrder.LITTLE_ENDIAN);
        final List<Long> sizes = new ArrayList<>();
        for (int i = 0; i < Msg.BARS; i++) {
            final int bar = cfg.getInt(0x10 + 4 * i);
            final long size = vfio.regionInfo(i).size();
            final boolean memory = (bar & 1) == 0;
            sizes.add(memory && size > 0 ? size : 0L);
            if (memory && (bar & 0x6) == 0x4 && i < Msg.BARS - 1) {
                sizes.add(0L);
                i++;
            }
        }
        final int classCode = (cfg.get(0x09) & 0xff) | (cfg.get(0x0a) & 0xff) << 8 | (cfg.get(0x0b) & 0xff) << 16;
        return new Msg.RegisterPci(slot, 0, cfg.get(0x3d) & 0xff, cfg.getShort(0) & 0xffff, cfg.getShort(2) & 0xffff,
            classCode, sizes);
    }

    private void startWaiter() {
        if (intx == null) {
            return;
        }
        waiter = new Thread(() -> {
            try {
                while (true) {
                    intx.await();
                    if (closed) {
                        return;
                    }
                    dm.execute(this::assertIntx);
                }
            } catch (final IOException e) {
                dm.execute(() -> failures++);
            }
        }, "vfio-user-intx");
        waiter.setDaemon(true);
        waiter.start();
    }

    /** On the I/O thread: the server's INTx eventfd fired. */
    private void assertIntx() {
        if (asserted || closed) {
            return;
        }
        asserted = true;
        intxAsserts++;
        dm.setIntx(device, true).whenComplete((v, e) -> {
            if (e != null) {
                failures++;
            }
        });
    }

    /** On the I/O thread: the guest EOId a GSI of one of the client's functions. */
    private void eoi(final int dev) {
        if (dev != device || !asserted) {
            return;
        }
        asserted = false;
        eois++;
        dm.setIntx(device, false);
        try {
            vfio.unmaskIrq(VfioUser.IRQ_INTX, 0, 1);
        } catch (final IOException e) {
            failures++;
        }
        final Iterator<Waiter> it = waiters.iterator();
        while (it.hasNext()) {
            final Waiter w = it.next();
            if (eois >= w.eois()) {
                it.remove();
                w.future().complete(eois);
            }
        }
    }

    /**
     * @param count EOIs to wait for
     * @return completes once the guest has EOId {@code count} of the device's INTx assertions
     */
    public CompletableFuture<Long> awaitEois(final long count) {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        dm.execute(() -> {
            if (eois >= count) {
                f.complete(eois);
            } else {
                waiters.add(new Waiter(count, f));
            }
        });
        return f;
    }

    /** @return the function the guest has (device id, GSI, BAR addresses) */
    public PciDevice pci() {
        return pci;
    }

    /** @return the header presented to the guest */
    public Msg.RegisterPci function() {
        return function;
    }

    /** @return counters, read on the I/O thread: INTx asserts, EOIs, failures */
    public CompletableFuture<long[]> counters() {
        final CompletableFuture<long[]> f = new CompletableFuture<>();
        dm.execute(() -> f.complete(new long[] {intxAsserts, eois, failures}));
        return f;
    }

    /** Stops the INTx waiter and closes the eventfd; the vfio-user client stays open (the caller's). */
    @Override
    public void close() {
        closed = true;
        if (intx != null) {
            try {
                intx.signal();
                if (waiter != null) {
                    waiter.join();
                }
            } catch (final IOException e) {
                // the waiter ends with the eventfd
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            intx.close();
        }
    }

    /** One BAR, forwarded. */
    private final class Bar implements IoreqHandler {
        private final int index;

        Bar(final int index) {
            this.index = index;
        }

        @Override
        public long read(final long offset, final int size) {
            try {
                return vfio.regionReadValue(index, offset, size);
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void write(final long offset, final int size, final long value) {
            try {
                vfio.regionWriteValue(index, offset, size, value);
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
