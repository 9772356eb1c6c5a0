package io.irqsim.dm.vfiouser;

import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.hv.domain.Domain;

import java.io.IOException;

/**
 * The VMM's MSI for a vfio-user function of an in-process guest, as QEMU's vfio-pci does it
 * ({@code hw/vfio/pci.c}, qemu/qemu@41192db) with Xen as the accelerator:
 *
 * <ul>
 * <li>{@link #msiEnabled} ({@code vfio_msi_enable}): interrupts off first
 * ({@code vfio_disable_interrupts}: SET_IRQS INTx {@code DATA_NONE|ACTION_TRIGGER} count 0), then
 * one eventfd per allocated vector handed over in one SET_IRQS of the MSI index
 * ({@code vfio_enable_vectors}: {@code DATA_EVENTFD|ACTION_TRIGGER}, start 0, count = vectors). A
 * refused SET_IRQS leaves the device without interrupts ("Failed to enable MSI"), the failure kept.</li>
 * <li>{@link #msiDisabled} ({@code vfio_msi_disable}): SET_IRQS MSI count 0, the eventfds closed,
 * then INTx again ({@code vfio_msi_disable_common} &rarr; {@code vfio_intx_enable}).</li>
 * <li>An eventfd firing ({@code vfio_msi_interrupt} &rarr; {@code msi_notify}): the address and data
 * the guest programmed in the (emulated) capability, read now ({@code msi_get_message}), written as
 * the device's memory write; QEMU under Xen turns a write into the APIC's MSI window into
 * {@code XEN_DMOP_inject_msi} ({@code xen/arch/x86/hvm/dm.c} &rarr; {@code hvm_inject_msi},
 * xen/arch/x86/hvm/irq.c@RELEASE-4.20.0 &rarr; {@code vmsi_deliver} to the vLAPICs the destination
 * names; for data vector 0, the message a guest with {@code XENFEAT_hvm_pirqs} programs, the event
 * of the pirq in its destination bits). The write goes through the bus-master address space
 * ({@code pci_msi_trigger}), so with bus mastering off it is dropped.</li>
 * </ul>
 *
 * <p>Per-vector masking ({@code hw/pci/msi.c}@06c83376): a firing while vector 0 is masked
 * ({@code msi_is_masked}) sets its pending bit in the emulated capability ({@code msi_notify}); the
 * guest's config write that unmasks it clears the bit and the vector is sent at the next
 * {@link #deliver} (QEMU sends it inside the write, {@code msi_write_config}).
 *
 * <p>{@link #deliver} waits (wall clock, bounded) for vector 0's eventfd, injects, and advances
 * virtual time until the guest is done with it: no vLAPIC of the guest has the vector requested or
 * in service (native), or, for a pirq event, the vCPU is no longer stalled in the handler.
 */
public final class VfioUserMsi extends VfioUserMessageIrq implements VfioUserConfigSpace.MsiListener {

    private Eventfd[] vectors;
    private boolean replay;

    VfioUserMsi(final ScenarioMachine machine, final Domain guest, final VfioUserClient vfio,
                final VfioUserConfigSpace config, final Eventfd intx, final String socket) {
        super(machine, guest, vfio, config, intx, socket);
    }

    /**
     * Refuses MSI for a device that cannot do it: no MSI capability in its config space, or no MSI
     * vectors in DEVICE_GET_IRQ_INFO (QEMU's {@code vfio_msi_setup} needs the capability;
     * libvfio-user's SET_IRQS refuses any vector past the index's count, {@code lib/irq.c:
     * device_set_irqs_validate}@efd091b).
     *
     * @param vfio the client
     * @param config the function's config space
     * @throws IOException saying which
     */
    static void check(final VfioUserClient vfio, final VfioUserConfigSpace config) throws IOException {
        if (config.msiCap() == 0) {
            throw new IOException("irq: msi, but the device has no MSI capability in its config space");
        }
        final int count = vfio.deviceInfo().numIrqs() > VfioUser.IRQ_MSI ? vfio.irqInfo(VfioUser.IRQ_MSI).count() : 0;
        if (count == 0) {
            throw new IOException("irq: msi, but the server offers no MSI vectors (DEVICE_GET_IRQ_INFO index 1, count 0)");
        }
    }

    @Override
    public void msiEnabled(final int count) {
        closeVectors();
        final Eventfd[] fds = new Eventfd[count];
        try {
            if (intx != null) {
                vfio.disableIrq(VfioUser.IRQ_INTX);
            }
            for (int i = 0; i < count; i++) {
                fds[i] = Eventfd.create();
            }
            vfio.setIrqEventfds(VfioUser.IRQ_MSI, 0, fds);
            vectors = fds;
            enables++;
            machine.timeline().log("vfio-user", "%s: the guest enabled MSI (%d vector(s)): SET_IRQS MSI"
                + " DATA_EVENTFD|ACTION_TRIGGER", socket, count);
        } catch (final IOException e) {
            for (final Eventfd fd : fds) {
                if (fd != null) {
                    fd.close();
                }
            }
            failure = new IOException("enabling MSI (" + count + " vector(s)) on " + socket + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void msiDisabled() {
        try {
            if (vectors != null) {
                vfio.disableIrq(VfioUser.IRQ_MSI);
            }
            closeVectors();
            if (intx != null) {
                vfio.setIrqEventfds(VfioUser.IRQ_INTX, 0, intx);
            }
        } catch (final IOException e) {
            failure = new IOException("disabling MSI on " + socket + ": " + e.getMessage(), e);
        }
    }

    /**
     * Waits for the server's MSIs (vector 0) and has the guest take them, until the guest has
     * EOId {@code count}.
     *
     * @param count interrupts
     * @param timeoutMillis wall-clock wait for each of the server's interrupts
     * @throws IOException if MSI is not enabled, the server goes silent, the message reaches no
     *     vLAPIC, or the guest does not EOI
     */
    @Override
    public void deliver(final long count, final int timeoutMillis) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (count > 0 && vectors == null) {
            throw new IOException(socket + ": the guest's driver did not enable MSI on the device (irq: msi)");
        }
        while (eois() < count) {
            if (!replay && vectors[0].await(timeoutMillis) == 0) {
                throw new IOException(String.format("%s: no MSI from the server within %d ms (%d of %d EOId%s)",
                    socket, timeoutMillis, eois(), count, pendingNote()));
            }
            replay = false;
            if (config.msiMasked(0)) {
                config.msiSetPending(0);    // msi_notify: a masked vector's firing is held in the pending bit
                continue;
            }
            injector.inject(config.msiAddress(), config.msiData(0));
        }
        machine.timeline().log("vfio-user", "%s: MSI injected %d time(s), %d EOId by the guest", socket,
            injected(), eois());
    }

    /** {@code msi_write_config} unmasked pending vector 0: sent at the next {@link #deliver}, not inside the write. */
    @Override
    public void msiPendingUnmasked(final int vector) {
        if (vector == 0) {
            replay = true;
        }
    }

    private String pendingNote() {
        return config.msiCap() != 0 && config.msiMasked(0)
            && (config.emulatedConfigRead(config.msiCap() + (config.msiCapSize() - 4), 4) & 1) != 0
            ? "; vector 0 is pending: the guest keeps it masked" : "";
    }

    /** @return whether the server holds MSI eventfds now */
    public boolean isEnabled() {
        return vectors != null;
    }

    private void closeVectors() {
        if (vectors != null) {
            for (final Eventfd fd : vectors) {
                fd.close();
            }
            vectors = null;
        }
    }

    /** Closes the eventfds (the client is the device's). */
    @Override
    public void close() {
        closeVectors();
    }
}
