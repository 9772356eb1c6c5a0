package io.irqsim.dm.vfiouser;

import io.irqsim.dm.net.proto.Msg;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.linux.PciDriver;
import io.irqsim.guest.linux.PciIrqMode;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.toolstack.DeviceModel;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.GsiEoiListener;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.PortIo;
import io.irqsim.hv.mem.GuestRam;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.pci.Bdf;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * A vfio-user device plugged into a guest of an in-process {@link ScenarioMachine} (a scenario's
 * {@code guests[].vfioUser} entry under {@code irqsim run}): the same forwarding as
 * {@link VfioUserBridge}, without irqsim's device-model protocol in between. The guest's device
 * model (QEMU in dom0, as with xl's default) presents the function; its BAR accesses become
 * REGION_READ/REGION_WRITE on the machine's thread; the server's INTx eventfd asserts the guest's
 * INTx with {@code XEN_DMOP_set_pci_intx_level} ({@code xen/arch/x86/hvm/irq.c:hvm_pci_intx_assert@RELEASE-4.18.0}
 * routes it to {@code hvm_pci_intx_gsi} of the slot and pin, {@code asm/hvm/irq.h}); the guest's EOI
 * of that GSI deasserts it and sends SET_IRQS UNMASK, in the order of QEMU's
 * {@code hw/vfio/pci.c:vfio_intx_eoi} (QEMU 9.x, as {@link VfioUserBridge}).
 *
 * <p>Config space: the guest's accesses go through {@link VfioUserConfigSpace} (QEMU's
 * {@code vfio_pci_read_config}/{@code vfio_pci_write_config}): forwarded to region 7 except the
 * bits the VMM emulates. MSI ({@link VfioUserMsi}): when the guest enables the capability, the
 * server gets one eventfd per vector ({@code vfio_msi_enable}); each firing is injected with
 * {@code XEN_DMOP_inject_msi} with the address and data the guest programmed. MSI-X
 * ({@link VfioUserMsix}): the table and PBA in the BAR are emulated, vectors set up as the guest
 * unmasks them.
 *
 * <p>Beyond the bridge: I/O BARs (kind from the BAR register, as QEMU's
 * {@code hw/vfio/pci.c:vfio_bar_prepare}) in the guest's port space ({@link PortIo}, Xen's
 * {@code handle_pio}), the ROM (region 6) behind a ROM BAR (where each goes:
 * {@link VfioUserBarWindows}), and DMA: the guest's RAM window ({@link Domain#ram()}) mapped
 * without a descriptor and a shared memfd window, the server's DMA_READ / DMA_WRITE served while
 * the run waits for its INTx ({@link VfioUserClient}, {@link VfioUserDmaWindows}), both windows
 * unmapped on {@link #close}.
 *
 * <p>Everything runs on the machine's thread: {@link #deliver} waits (wall clock, bounded) for the
 * server's eventfd between interrupts, so the server, not virtual time, paces the device.
 */
public final class VfioUserGuestDevice implements GsiEoiListener, AutoCloseable {

    /** Virtual time one interrupt may take to reach its EOI before the run calls it lost. */
    static final long EOI_WINDOW_NS = 2_000_000L;
    private static final long STEP_NS = 10_000L;

    private final ScenarioMachine machine;
    private final Domain guest;
    private final VfioUserClient vfio;
    private final Msg.RegisterPci function;
    private final VfioUserConfigSpace config;
    private final VfioUserMsi msi;
    private final VfioUserMsix msix;
    private final int gsi;
    private final Eventfd intx;
    private final String socket;
    private boolean asserted;
    private long asserts;
    private long eois;
    private IOException failure;
    private IntxWatcher watcher;
    private Consumer<String> log;
    private long failures;
    private final VfioUserBarWindows barWindows;
    private PciDriver driver;
    private VfioUserDmaWindows dma;
    private long accessErrors;

    private VfioUserGuestDevice(final ScenarioMachine machine, final Domain guest, final VfioUserClient vfio,
                                final Msg.RegisterPci function, final VfioUserConfigSpace config, final Eventfd intx,
                                final String socket, final PciIrqMode mode) {
        this.machine = machine;
        this.guest = guest;
        this.vfio = vfio;
        this.function = function;
        this.config = config;
        this.msi = mode == PciIrqMode.MSI ? new VfioUserMsi(machine, guest, vfio, config, intx, socket) : null;
        this.msix = mode == PciIrqMode.MSIX ? new VfioUserMsix(machine, guest, vfio, config, intx, socket) : null;
        this.gsi = function.pin() == 0 ? -1 : HvmIrq.pciIntxGsi(function.slot(), function.pin() - 1);
        this.intx = intx;
        this.socket = socket;
        this.barWindows = new VfioUserBarWindows(guest);
    }

    /**
     * Reads the device's identity, resets it (DEVICE_RESET, if the server says it can be reset),
     * hands the server an INTx eventfd, presents the function at {@code slot} of the guest's device
     * model, maps its memory BARs and hot-plugs it into the guest.
     *
     * <p>The reset is QEMU's for a hot-plugged {@code vfio-user-pci} device: qdev resets a device
     * plugged after boot once it is realized ({@code hw/core/qdev.c:device_set_realized}), and
     * {@code hw/vfio-user/pci.c:vfio_user_pci_reset} (QEMU 10.1, read in the series' v5 patch 12,
     * "vfio-user: implement VFIO_USER_DEVICE_RESET", tag not pinned) sends DEVICE_RESET when the
     * device info has {@code VFIO_DEVICE_FLAGS_RESET}. QEMU's realize sets the INTx eventfd first
     * and its reset disables and sets it again around DEVICE_RESET ({@code vfio_pci_pre_reset},
     * {@code vfio_pci_post_reset}); here the reset comes first and the eventfd once, the same end
     * state. So a device starts each plug (each connection of {@code compare} or a batch) from
     * reset, as libvfio-user also resets it when a client goes away
     * ({@code lib/libvfio-user.c}, {@code VFU_RESET_LOST_CONN}@efd091b).
     *
     * @param machine the booted machine (on its thread)
     * @param guestName the HVM guest
     * @param vfio a connected client, used by the device from now on (closed with it)
     * @param socket the server's socket, for messages
     * @param slot the guest PCI slot
     * @return the plugged device
     * @throws IOException if the device is not PCI, refuses a command, or the slot is taken
     */
    public static VfioUserGuestDevice plug(final ScenarioMachine machine, final String guestName,
                                           final VfioUserClient vfio, final String socket, final int slot)
        throws IOException {
        return plug(machine, guestName, vfio, socket, slot, PciIrqMode.INTX);
    }

    /**
     * As {@link #plug(ScenarioMachine, String, VfioUserClient, String, int)}, the guest's driver
     * asking for {@code mode} ({@code irq: intx|msi|msix}).
     *
     * @param machine the booted machine (on its thread)
     * @param guestName the HVM guest
     * @param vfio a connected client, used by the device from now on (closed with it)
     * @param socket the server's socket, for messages
     * @param slot the guest PCI slot
     * @param mode what the guest's driver uses
     * @return the plugged device
     * @throws IOException if the device is not PCI, refuses a command, the slot is taken, or MSI
     *     (MSI-X) is asked of a device without the capability and vectors
     */
    public static VfioUserGuestDevice plug(final ScenarioMachine machine, final String guestName,
                                           final VfioUserClient vfio, final String socket, final int slot,
                                           final PciIrqMode mode) throws IOException {
        final LinuxDomU kernel = machine.guest(guestName);
        if (kernel == null) {
            throw new IOException("no HVM guest named " + guestName);
        }
        final Domain domain = kernel.domain();
        final DeviceModel dm = machine.deviceModel(domain);
        final Bdf bdf = new Bdf(0, slot, 0);
        if (dm.bus().function(bdf) != null) {
            throw new IOException("slot " + slot + " of " + guestName + " holds " + dm.bus().function(bdf).name());
        }
        final Msg.RegisterPci id = VfioUserBridge.identity(vfio, slot);
        final VfioUserCodec.DeviceInfo info = vfio.deviceInfo();
        if ((info.flags() & VfioUser.DEVICE_FLAG_RESET) != 0) {
            // a hot-plugged device is reset once realized (hw/core/qdev.c:device_set_realized),
            // which for vfio-user-pci is DEVICE_RESET (hw/vfio-user/pci.c:vfio_user_pci_reset)
            vfio.reset();
        }
        final VfioUserBars bars = VfioUserBars.read(vfio, info.numRegions());
        final VfioUserConfigSpace view = VfioUserConfigSpace.create(vfio, bdf,
            String.format("vfio-user %04x:%04x", id.vendorId(), id.deviceId()), id, bars);
        if (mode == PciIrqMode.MSI) {
            VfioUserMsi.check(vfio, view);
        } else if (mode == PciIrqMode.MSIX) {
            VfioUserMsix.check(vfio, view);
        }
        Eventfd fd = null;
        if (id.pin() != 0 && info.numIrqs() > VfioUser.IRQ_INTX
            && vfio.irqInfo(VfioUser.IRQ_INTX).count() > 0) {
            fd = Eventfd.create();
            try {
                vfio.setIrqEventfds(VfioUser.IRQ_INTX, 0, fd);
            } catch (final IOException e) {
                fd.close();
                throw e;
            }
        }
        final VfioUserGuestDevice d = new VfioUserGuestDevice(machine, domain, vfio, id, view, fd, socket, mode);
        view.setMsiListener(d.msi);
        view.setMsixListener(d.msix);
        try {
            return d.present(kernel, dm, bdf, bars, slot, guestName, mode);
        } catch (final IOException | IllegalArgumentException e) {
            d.unplug();
            throw e instanceof IOException ? (IOException) e : new IOException(e.getMessage(), e);
        }
    }

    /** Maps BARs, ROM and DMA, adds the function to the bus and hot-plugs it into the guest. */
    private VfioUserGuestDevice present(final LinuxDomU kernel, final DeviceModel dm, final Bdf bdf,
                                        final VfioUserBars bars, final int slot, final String guestName,
                                        final PciIrqMode mode) throws IOException {
        final String where = barWindows.map(config, bars, bdf, slot, Region::new);
        if (!where.isEmpty()) {
            machine.timeline().log("vfio-user", "%s: %s", bdf, where);
        }
        dma = VfioUserDmaWindows.map(machine, guest, vfio, socket);
        dm.bus().add(config);
        guest.addGsiEoiListener(this);
        machine.timeline().log("vfio-user", "plugged %04x:%04x from %s into %s at %s, INT%s -> guest GSI %d",
            function.vendorId(), function.deviceId(), socket, guestName, bdf,
            function.pin() == 0 ? "-" : (char) ('A' + function.pin() - 1), gsi);
        driver = kernel.hotplugDevice(config, mode);
        if (config.failure() != null) {
            throw new IOException("config space of " + socket + ": " + config.failure().getMessage(),
                config.failure());
        }
        return this;
    }

    /**
     * Undoes a plug that failed half-way: the ports and MMIO windows mapped so far, the INTx
     * eventfd, the shared DMA window (the caller still owns the client).
     */
    private void unplug() {
        barWindows.unmap();
        if (intx != null) {
            intx.close();
        }
        if (dma != null) {
            dma.close();
        }
        final VfioUserMessageIrq messages = messages();
        if (messages != null) {
            messages.close();
        }
    }

    /**
     * Waits for the server to raise INTx and has the guest take it, until the guest has EOId
     * {@code count} of them.
     *
     * @param count interrupts to deliver
     * @param timeoutMillis wall-clock wait for each of the server's interrupts
     * @throws IOException if the server goes silent, fails a command, or the guest does not EOI
     */
    public void deliver(final long count, final int timeoutMillis) throws IOException {
        final VfioUserMessageIrq messages = messages();
        if (messages != null) {
            messages.deliver(count, timeoutMillis);
            return;
        }
        if (count > 0 && intx == null) {
            throw new IOException(socket + ": the device has no INTx to wait for");
        }
        final Hypervisor xen = machine.xen();
        while (eois < count) {
            if (!dma.awaitInterrupt(intx, timeoutMillis)) {
                throw new IOException(String.format("%s: no interrupt from the server within %d ms (%d of %d EOId)",
                    socket, timeoutMillis, eois, count));
            }
            final long before = eois;
            if (!raise()) {
                continue;               // already asserted: the line stays up until the guest's EOI
            }
            for (long t = 0; eois == before && failure == null && t < EOI_WINDOW_NS; t += STEP_NS) {
                xen.advanceTime(STEP_NS);
            }
            if (failure != null) {
                throw failure;
            }
            if (eois == before) {
                throw new IOException(String.format("%s: the guest did not EOI interrupt %d within %d ns of virtual"
                    + " time", socket, asserts, EOI_WINDOW_NS));
            }
        }
        machine.timeline().log("vfio-user", "%s: INTx asserted %d time(s), %d EOId by the guest", socket, asserts,
            eois);
    }

    /**
     * On the machine's thread: the server's INTx eventfd fired. Asserts the guest's INTx unless it
     * is asserted already (the line stays up until the guest's EOI, as QEMU's
     * {@code vfio_intx_interrupt} leaves a pending line alone).
     *
     * @return whether it asserted
     * @throws IOException if Xen refused the level change
     */
    public boolean raise() throws IOException {
        if (asserted) {
            return false;
        }
        asserted = true;
        asserts++;
        level(1);
        machine.xen().drain();
        if (asserts == 1) {
            machine.timeline().log("vfio-user", "first interrupt from %s: INTx asserted (set_pci_intx_level); the"
                + " guest's EOI deasserts it and unmasks the server's (SET_IRQS UNMASK)", socket);
        }
        return true;
    }

    /**
     * For a machine that runs on its own ({@code irqsim serve}): waits for the server's INTx on a
     * thread of its own ({@link IntxWatcher}) and asserts it on the machine's thread each time it
     * fires; the guest's EOI deasserts and unmasks as under {@link #deliver}. Do not call
     * {@link #deliver} as well.
     *
     * @param onMachineThread runs a task on the machine's thread
     * @param failureLog told of each failure (a refused level change, a failed UNMASK), on the machine's thread
     */
    public void serveInterrupts(final Consumer<Runnable> onMachineThread, final Consumer<String> failureLog) {
        if (messages() != null) {
            // not built: only INTx has a watcher; say so rather than leave the device silent
            failureLog.accept(socket + ": irq: " + (msi != null ? "msi" : "msix") + " devices are plugged but their"
                + " interrupts are not served under irqsim serve (docs/vfio-user.md); use irq: intx or irqsim run");
            return;
        }
        if (intx == null || watcher != null) {
            return;
        }
        log = failureLog;
        watcher = new IntxWatcher(intx, onMachineThread, () -> {
            try {
                raise();
            } catch (final IOException e) {
                failed(e);
            }
        }, this::failed, "vfio-user-intx " + socket);
        watcher.start();
    }

    private void failed(final IOException e) {
        failures++;
        if (log != null) {
            log.accept(socket + ": " + e.getMessage());
        }
    }

    /** @return failures while serving interrupts ({@link #serveInterrupts}) */
    public long failures() {
        return failures;
    }

    private void level(final int level) throws IOException {
        final int rc = machine.xen().dmop().setPciIntxLevel(machine.xen().hardwareDomain(), guest.id(), 0, 0,
            function.slot(), function.pin() - 1, level);
        if (rc != 0) {
            throw new IOException("XEN_DMOP_set_pci_intx_level for " + socket + " failed: " + rc);
        }
    }

    /** The guest EOId a GSI: if it is this device's and asserted, deassert and unmask (vfio_intx_eoi). */
    @Override
    public void gsiEoi(final Domain domain, final int eoiGsi) {
        if (eoiGsi != gsi || !asserted) {
            return;
        }
        asserted = false;
        eois++;
        try {
            level(0);
            vfio.unmaskIrq(VfioUser.IRQ_INTX, 0, 1);
        } catch (final IOException e) {
            failure = e;
            if (log != null) {
                failed(e);
            }
        }
    }

    /** @return INTx assertions */
    public long asserts() {
        return asserts;
    }

    /** @return EOIs of them by the guest */
    public long eois() {
        return eois;
    }

    /** @return the guest's config space of the function */
    public VfioUserConfigSpace config() {
        return config;
    }

    /** @return what the guest's driver uses: {@code INTx}, {@code MSI} or {@code MSI-X} */
    public String irqName() {
        return msi != null ? "MSI" : msix != null ? "MSI-X" : "INTx";
    }

    /** @return INTx assertions, or MSI / MSI-X messages injected ({@code XEN_DMOP_inject_msi}) */
    public long raised() {
        final VfioUserMessageIrq messages = messages();
        return messages != null ? messages.injected() : asserts;
    }

    /** @return of those, the ones the guest EOId (MSI-X: finished) */
    public long completed() {
        final VfioUserMessageIrq messages = messages();
        return messages != null ? messages.eois() : eois;
    }

    /** @return the guest vector of the last MSI / MSI-X message injected, -1 for none (and for INTx) */
    public int lastVector() {
        final VfioUserMessageIrq messages = messages();
        return messages != null ? messages.lastVector() : -1;
    }

    /** @return the pirq of the last message taken as an event ({@code XENFEAT_hvm_pirqs}), -1 for none */
    public int lastPirq() {
        final VfioUserMessageIrq messages = messages();
        return messages != null ? messages.lastPirq() : -1;
    }

    /** @return {@link #msi} or {@link #msix}, whichever the guest's driver uses; null for INTx */
    private VfioUserMessageIrq messages() {
        return msi != null ? msi : msix;
    }

    /** @return the MSI side, or null when the guest's driver uses INTx */
    public VfioUserMsi msi() {
        return msi;
    }

    /** @return the MSI-X side, or null when the guest's driver does not use MSI-X */
    public VfioUserMsix msix() {
        return msix;
    }

    /** @return the header presented to the guest */
    public Msg.RegisterPci function() {
        return function;
    }

    /** @return the guest GSI of its INTx, or -1 */
    public int gsi() {
        return gsi;
    }

    /** @return the port of each I/O BAR, -1 where a BAR is not one */
    public int[] ioPorts() {
        return barWindows.ioPorts();
    }

    /** @return the guest-physical address of the ROM, -1 without one */
    public long romAddress() {
        return barWindows.romAddress();
    }

    /** @return the guest's driver bound to the device, or {@code null} */
    public PciDriver driver() {
        return driver;
    }

    /** @return the guest RAM window the server may DMA into, or {@code null} if it has no DMA */
    public GuestRam dmaRam() {
        return dma == null ? null : dma.ram();
    }

    /** @return the shared DMA window the server may map, or {@code null} */
    public SharedDmaMemory sharedDma() {
        return dma == null ? null : dma.shared();
    }

    /** @return guest accesses the server answered with an error */
    public long accessErrors() {
        return accessErrors;
    }

    /** @return DMA_READs and DMA_WRITEs served, DMA commands refused */
    public long[] dmaCounts() {
        return vfio.dmaCounts();
    }

    /** Stops listening for EOIs, closes the eventfd and the client (which unmaps the DMA window first). */
    @Override
    public void close() {
        if (watcher != null) {
            watcher.stop();
        }
        guest.removeGsiEoiListener(this);
        final VfioUserMessageIrq messages = messages();
        if (messages != null) {
            messages.close();
        }
        if (intx != null) {
            intx.close();
        }
        vfio.close();
        if (dma != null) {
            dma.close();
        }
    }

    /**
     * One region as the guest reaches it: a memory BAR or the ROM (MMIO), or an I/O BAR (ports,
     * {@code handle_pio}), each access one REGION_READ / REGION_WRITE at the offset in the region,
     * synchronously (the vCPU waits for the reply, as QEMU's does). ROM writes are dropped (a ROM).
     */
    private final class Region implements MmioDevice {
        private final int index;
        private final String name;
        private final boolean readOnly;

        Region(final int index, final String name, final boolean readOnly) {
            this.index = index;
            this.name = name;
            this.readOnly = readOnly;
        }

        @Override
        public long read(final long offset, final int size) {
            if (msix != null && msix.covers(index, offset, size)) {
                return msix.read(index, offset, size);      // the emulated MSI-X table / PBA
            }
            try {
                return vfio.regionReadValue(index, offset, size);
            } catch (final VfioUserErrorReply e) {
                accessError(e, "read", offset, size);
            } catch (final IOException e) {
                failure = e;
            }
            return MmioDevice.allOnes(size);
        }

        @Override
        public void write(final long offset, final int size, final long value) {
            if (readOnly) {
                return;
            }
            if (msix != null && msix.covers(index, offset, size)) {
                msix.write(index, offset, size, value);
                return;
            }
            try {
                vfio.regionWriteValue(index, offset, size, value);
            } catch (final VfioUserErrorReply e) {
                accessError(e, "write", offset, size);
            } catch (final IOException e) {
                failure = e;
            }
        }

        /** Any size, each one REGION access of that many bytes (QEMU's vfio region ops take 1..8). */
        @Override
        public int acceptedSizes() {
            return ACCESS_ANY;
        }

        @Override
        public String name() {
            return name;
        }

        /** An error reply to a guest access: the access reads all ones / is dropped and the guest goes on. */
        private void accessError(final VfioUserErrorReply e, final String what, final long offset, final int size) {
            if (accessErrors++ == 0) {
                machine.timeline().log("vfio-user", "%s: %s of %d byte(s) at 0x%x of %s refused (%s); the guest's"
                    + " access %s", socket, what, size, offset, name, e.getMessage(),
                    what.equals("read") ? "reads all ones" : "is dropped");
            }
        }
    }
}
