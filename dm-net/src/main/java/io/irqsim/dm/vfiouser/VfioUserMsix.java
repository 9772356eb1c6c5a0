package io.irqsim.dm.vfiouser;

import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.hv.domain.Domain;

import java.io.IOException;

/**
 * The VMM's MSI-X for a vfio-user function of an in-process guest, as QEMU's vfio-pci and its
 * MSI-X emulation do it ({@code hw/vfio/pci.c}, qemu/qemu@41192db: {@code vfio_msix_enable},
 * {@code vfio_msix_vector_do_use}, {@code vfio_msix_disable}, {@code vfio_msi_interrupt};
 * {@code hw/pci/msix.c}: the table and PBA, {@code msix_write_config},
 * {@code msix_handle_mask_update}, read through the search index, not at a pinned tag):
 *
 * <ul>
 * <li>The table (16 bytes per entry, every entry masked at reset) is emulated: the guest's accesses
 * to it in the BAR never reach the server ({@link #covers}). The PBA is emulated only while a vector
 * that fired masked has not been used again ({@code vfio_msix_setup} disables the PBA region,
 * {@code vfio_msi_interrupt} enables it, {@code vfio_msix_vector_do_use} disables it when nothing
 * is pending); otherwise PBA accesses go to the device.</li>
 * <li>Enable ({@code vfio_msix_enable}): INTx off at the server, then vector 0 set up
 * ({@code vfio_msix_vector_do_use(0, NULL)}: its eventfd in SET_IRQS MSI-X start 0 count 1) so the
 * device is in MSI-X mode as the guest's view is.</li>
 * <li>A vector becoming unmasked (entry mask, function mask, enable) is "used": an eventfd for it,
 * SET_IRQS of that one vector, or, past the vectors set up so far, the index disabled and set up
 * again with all of them ({@code vfio_enable_vectors}; QEMU sends -1 for unused ones, which
 * vfio-user cannot carry in SCM_RIGHTS, so irqsim then sends each used vector on its own). A pending
 * vector that becomes unmasked is cleared and fires at the next {@link #deliver}.</li>
 * <li>A firing on a masked vector sets its PBA bit; otherwise the entry's address and data are
 * injected ({@code msix_notify}, {@link MsiInjector}). Under Xen an entry whose data vector is 0
 * is a pirq message and never masked ({@code msix_vector_masked}, {@code xen_is_pirq_msi}): a guest
 * with {@code XENFEAT_hvm_pirqs} never touches the mask bits.</li>
 * <li>Disable ({@code vfio_msix_disable}): SET_IRQS MSI-X count 0, eventfds closed, PBA cleared, INTx
 * re-armed.</li>
 * </ul>
 */
public final class VfioUserMsix extends VfioUserMessageIrq implements VfioUserConfigSpace.MsixListener {

    private static final int ENTRY_SIZE = 16;
    private static final int VECTOR_CTRL = 12;

    private final int entries;
    private final int tableBar;
    private final long tableOffset;
    private final int pbaBar;
    private final long pbaOffset;
    private final byte[] table;
    private final long[] pba;
    /** vfio-pci's own {@code vdev->msix->pending}: vectors that fired masked and were not used since. */
    private final long[] vfioPending;
    /** {@code msix_pba_mmio} enabled: off at set-up, on when a masked vector fires, off again at use. */
    private boolean pbaEnabled;
    private final Eventfd[] fds;
    private int nrVectors;
    private boolean replay;

    VfioUserMsix(final ScenarioMachine machine, final Domain guest, final VfioUserClient vfio,
                 final VfioUserConfigSpace config, final Eventfd intx, final String socket) {
        super(machine, guest, vfio, config, intx, socket);
        this.entries = config.msixEntries();
        this.tableBar = config.msixTable() & 7;
        this.tableOffset = config.msixTable() & ~7L & 0xffff_ffffL;
        this.pbaBar = config.msixPba() & 7;
        this.pbaOffset = config.msixPba() & ~7L & 0xffff_ffffL;
        this.table = new byte[entries * ENTRY_SIZE];
        this.pba = new long[(entries + 63) / 64];
        this.vfioPending = new long[pba.length];
        this.fds = new Eventfd[entries];
        for (int i = 0; i < entries; i++) {
            table[i * ENTRY_SIZE + VECTOR_CTRL] = 1;     // msix_reset -> msix_mask_all
        }
    }

    /**
     * Refuses MSI-X for a device without the capability or without MSI-X vectors in
     * DEVICE_GET_IRQ_INFO, or whose table is not in a memory BAR the VMM presents.
     *
     * @param vfio the client
     * @param config the function's config space
     * @throws IOException saying which
     */
    static void check(final VfioUserClient vfio, final VfioUserConfigSpace config) throws IOException {
        if (config.msixCap() == 0) {
            throw new IOException("irq: msix, but the device has no MSI-X capability in its config space");
        }
        final int count = vfio.deviceInfo().numIrqs() > VfioUser.IRQ_MSIX ? vfio.irqInfo(VfioUser.IRQ_MSIX).count() : 0;
        if (count == 0) {
            throw new IOException("irq: msix, but the server offers no MSI-X vectors (DEVICE_GET_IRQ_INFO index 2,"
                + " count 0)");
        }
        final int bir = config.msixTable() & 7;
        final long end = (config.msixTable() & ~7L & 0xffff_ffffL) + (long) config.msixEntries() * ENTRY_SIZE;
        if (bir > 5 || config.barSize(bir) < end) {
            throw new IOException(String.format("irq: msix, but the MSI-X table (BIR %d, up to 0x%x) is not inside a"
                + " memory BAR the device has", bir, end));
        }
    }

    /**
     * @param bar BAR index
     * @param offset offset in the BAR
     * @param size access size
     * @return whether the access is to the emulated table or PBA
     */
    public boolean covers(final int bar, final long offset, final int size) {
        return bar == tableBar && offset >= tableOffset && offset + size <= tableOffset + table.length
            || pbaEnabled && bar == pbaBar && offset >= pbaOffset && offset + size <= pbaOffset + 8L * pba.length;
    }

    /**
     * A guest read of the table or PBA ({@code msix_table_mmio_read}, {@code msix_pba_mmio_read}).
     *
     * @param bar BAR index
     * @param offset offset in the BAR
     * @param size access size
     * @return the value, little-endian
     */
    public long read(final int bar, final long offset, final int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (byteAt(bar, offset + i) & 0xff);
        }
        return v;
    }

    private int byteAt(final int bar, final long offset) {
        if (bar == tableBar && offset >= tableOffset && offset < tableOffset + table.length) {
            return table[(int) (offset - tableOffset)];
        }
        final int bit = (int) (offset - pbaOffset) * 8;
        return (int) (pba[bit / 64] >>> (bit % 64)) & 0xff;
    }

    /**
     * A guest write of the table ({@code msix_table_mmio_write}: the bytes, then
     * {@code msix_handle_mask_update} for the entry); the PBA is read-only.
     *
     * @param bar BAR index
     * @param offset offset in the BAR
     * @param size access size
     * @param value the value, little-endian
     */
    public void write(final int bar, final long offset, final int size, final long value) {
        if (bar != tableBar || offset < tableOffset || offset + size > tableOffset + table.length) {
            return;
        }
        final int at = (int) (offset - tableOffset);
        final int vector = at / ENTRY_SIZE;
        final boolean wasMasked = masked(vector, functionMasked());
        for (int i = 0; i < size; i++) {
            table[at + i] = (byte) (value >>> (8 * i));
        }
        handleMaskUpdate(vector, wasMasked);
    }

    /** {@code msix_function_masked}: not enabled, or the function mask set. */
    private boolean functionMasked() {
        return !config.msixEnabled() || config.msixMaskAll();
    }

    /**
     * {@code msix_vector_masked}: under Xen a message with data vector 0 stands for a pirq
     * ({@code xen_is_pirq_msi}) and is never masked (masking goes through the pirq's event channel);
     * otherwise the function mask or the entry's mask bit.
     */
    private boolean masked(final int vector, final boolean fmask) {
        if (table[vector * ENTRY_SIZE + 8] == 0) {
            return false;
        }
        return fmask || (table[vector * ENTRY_SIZE + VECTOR_CTRL] & 1) != 0;
    }

    /** {@code msix_handle_mask_update}: an unmasked vector is used; a pending one then fires. */
    private void handleMaskUpdate(final int vector, final boolean wasMasked) {
        final boolean isMasked = masked(vector, functionMasked());
        if (isMasked == wasMasked || nrVectors == 0) {
            return;             // no change, or MSI-X not set up at the server (no vector notifiers yet)
        }
        if (!isMasked) {
            vectorUse(vector);
            if ((pba[vector / 64] & 1L << (vector % 64)) != 0) {
                pba[vector / 64] &= ~(1L << (vector % 64));
                replay = true;  // msix_notify: injected by the next deliver, not inside the guest's MMIO write
            }
        }
    }

    /**
     * {@code vfio_msix_vector_do_use}: an eventfd for the vector, and the server told; then its bit in
     * vfio's pending set cleared and, with nothing left pending, the PBA overlay disabled (the guest's
     * PBA accesses go to the device again, {@code vfio_msix_setup}'s "disable the PBA MemoryRegion
     * unless it's being used").
     */
    private void vectorUse(final int vector) {
        try {
            if (fds[vector] == null) {
                fds[vector] = Eventfd.create();
            }
            if (nrVectors < vector + 1) {
                vfio.disableIrq(VfioUser.IRQ_MSIX);
                nrVectors = vector + 1;
                enableVectors();
            } else {
                vfio.setIrqEventfds(VfioUser.IRQ_MSIX, vector, fds[vector]);
            }
        } catch (final IOException e) {
            failure = new IOException("MSI-X vector " + vector + " on " + socket + ": " + e.getMessage(), e);
        }
        vfioPending[vector / 64] &= ~(1L << (vector % 64));
        boolean any = false;
        for (int v = 0; v < nrVectors && !any; v++) {
            any = (vfioPending[v / 64] & 1L << (v % 64)) != 0;
        }
        if (!any) {
            pbaEnabled = false;
        }
    }

    /** {@code vfio_enable_vectors(vdev, true)}: one SET_IRQS if every vector so far is used, else one each. */
    private void enableVectors() throws IOException {
        boolean all = true;
        for (int i = 0; i < nrVectors; i++) {
            all &= fds[i] != null;
        }
        if (all) {
            final Eventfd[] set = new Eventfd[nrVectors];
            System.arraycopy(fds, 0, set, 0, nrVectors);
            vfio.setIrqEventfds(VfioUser.IRQ_MSIX, 0, set);
            return;
        }
        for (int i = 0; i < nrVectors; i++) {
            if (fds[i] != null) {
                vfio.setIrqEventfds(VfioUser.IRQ_MSIX, i, fds[i]);
            }
        }
    }

    /**
     * {@code msix_write_config} (the function mask's effect on every vector, once MSI-X was already
     * set up), then {@code vfio_pci_write_config}'s {@code vfio_msix_enable} / {@code vfio_msix_disable}.
     */
    @Override
    public void msixControlWritten(final boolean wasEnabled, final boolean wasMaskAll) {
        final boolean wasFmask = !wasEnabled || wasMaskAll;
        if (config.msixEnabled() && functionMasked() != wasFmask) {
            for (int v = 0; v < entries; v++) {
                handleMaskUpdate(v, masked(v, wasFmask));
            }
        }
        if (!wasEnabled && config.msixEnabled()) {
            enable();
        } else if (wasEnabled && !config.msixEnabled()) {
            disable();
        }
    }

    private void enable() {
        try {
            if (intx != null) {
                vfio.disableIrq(VfioUser.IRQ_INTX);      // vfio_disable_interrupts
            }
            enables++;
            vectorUse(0);           // vfio_msix_vector_do_use(0, NULL), then release: no KVM route to drop
            machine.timeline().log("vfio-user", "%s: the guest enabled MSI-X (%d entries): SET_IRQS MSI-X"
                + " DATA_EVENTFD|ACTION_TRIGGER for vector 0", socket, entries);
        } catch (final IOException e) {
            failure = new IOException("enabling MSI-X on " + socket + ": " + e.getMessage(), e);
        }
    }

    private void disable() {
        try {
            if (nrVectors > 0) {
                vfio.disableIrq(VfioUser.IRQ_MSIX);
            }
            closeVectors();
            java.util.Arrays.fill(pba, 0);
            java.util.Arrays.fill(vfioPending, 0);      // vfio_msix_disable (the overlay stays as it was)
            if (intx != null) {
                vfio.setIrqEventfds(VfioUser.IRQ_INTX, 0, intx);    // vfio_msi_disable_common -> vfio_intx_enable
            }
        } catch (final IOException e) {
            failure = new IOException("disabling MSI-X on " + socket + ": " + e.getMessage(), e);
        }
    }

    /**
     * Waits for the server's MSI-X vector 0 and has the guest take it, until the guest has finished
     * {@code count}; a firing while the vector is masked sets its PBA bit instead.
     *
     * @param count interrupts
     * @param timeoutMillis wall-clock wait for each of the server's interrupts
     * @throws IOException if MSI-X is not set up, the server goes silent, or the guest does not finish
     */
    @Override
    public void deliver(final long count, final int timeoutMillis) throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (count > 0 && (nrVectors == 0 || fds[0] == null)) {
            throw new IOException(socket + ": the guest's driver did not enable MSI-X on the device (irq: msix)");
        }
        while (eois() < count) {
            if (!replay && fds[0].await(timeoutMillis) == 0) {
                throw new IOException(String.format("%s: no MSI-X from the server within %d ms (%d of %d done%s)",
                    socket, timeoutMillis, eois(), count, (pba[0] & 1) != 0 ? "; vector 0 is pending in the PBA: the"
                        + " guest keeps it masked" : ""));
            }
            replay = false;
            if (masked(0, functionMasked())) {
                // vfio_msi_interrupt: vfio's pending bit and the PBA overlay on; msix_notify: the PBA bit
                vfioPending[0] |= 1;
                pbaEnabled = true;
                pba[0] |= 1;
                continue;
            }
            injector.inject(entryAddress(0), entryData(0));
        }
        machine.timeline().log("vfio-user", "%s: MSI-X injected %d time(s), %d finished by the guest", socket,
            injected(), eois());
    }

    private long entryAddress(final int vector) {
        return read(tableBar, tableOffset + (long) vector * ENTRY_SIZE, 4) & 0xffff_ffffL
            | read(tableBar, tableOffset + (long) vector * ENTRY_SIZE + 4, 4) << 32;
    }

    private int entryData(final int vector) {
        return (int) read(tableBar, tableOffset + (long) vector * ENTRY_SIZE + 8, 4);
    }

    /** @return vectors set up at the server ({@code nr_vectors}) */
    public int vectorsSetUp() {
        return nrVectors;
    }

    /**
     * @param vector entry
     * @return whether its PBA bit is set
     */
    public boolean pending(final int vector) {
        return (pba[vector / 64] & 1L << (vector % 64)) != 0;
    }

    private void closeVectors() {
        for (int i = 0; i < fds.length; i++) {
            if (fds[i] != null) {
                fds[i].close();
                fds[i] = null;
            }
        }
        nrVectors = 0;
    }

    /** Closes the eventfds (the client is the device's). */
    @Override
    public void close() {
        closeVectors();
    }
}
