package io.irqsim.dm.vfiouser;

import java.io.IOException;

/**
 * {@link TestPciDevice}'s interrupts, kept as a libvfio-user server keeps them: each IRQ index an
 * eventfd the client hands over with SET_IRQS ({@code lib/irq.c}@efd091b: {@code irqs_set_data_eventfd},
 * {@code irqs_disable}). INTx is maskable and automasked once raised; MSI has one vector, MSI-X
 * {@link TestPciDevice#MSIX_ENTRIES}. The device raises MSI-X vector 0 when MSI-X is enabled in its own
 * config space and vector 0 has an eventfd, else MSI under the same two conditions, else INTx. The
 * caller validates SET_IRQS (libvfio-user's {@code device_set_irqs_validate}) and holds the device's
 * lock; this class only changes state and signals eventfds.
 */
final class TestDeviceIrqs {

    private final boolean msi;
    private final boolean msix;
    /** The device's own config space, for the MSI and MSI-X enable bits the guest's writes set. */
    private final byte[] config;

    private boolean pending;
    private int intxFd = -1;
    private boolean intxMasked;
    private int intxRaised;
    private int msiFd = -1;
    private int msiRaised;
    private int msiEventfdSets;
    private int msiDisables;
    private final int[] msixFds = new int[TestPciDevice.MSIX_ENTRIES];
    private int msixRaised;
    private int msixEventfdSets;
    private int msixDisables;

    /**
     * @param msi whether the device has an MSI capability (one vector)
     * @param msix whether it has an MSI-X capability
     * @param config its config space (read for the enable bits)
     */
    TestDeviceIrqs(final boolean msi, final boolean msix, final byte[] config) {
        this.msi = msi;
        this.msix = msix;
        this.config = config;
        java.util.Arrays.fill(msixFds, -1);
    }

    /**
     * @param index a vfio-user IRQ index
     * @return its vector count in GET_IRQ_INFO
     */
    int count(final int index) {
        return index == VfioUser.IRQ_MSI ? (msi ? 1 : 0)
            : index == VfioUser.IRQ_MSIX ? (msix ? TestPciDevice.MSIX_ENTRIES : 0) : 1;
    }

    /**
     * @param index a vfio-user IRQ index
     * @return its flags in GET_IRQ_INFO
     */
    static int infoFlags(final int index) {
        // libvfio-user (lib/irq.c:handle_device_get_irq_info@efd091b) reports VFIO_IRQ_INFO_EVENTFD alone;
        // this device reports what a kernel vfio-pci device would as well, so that `irqsim vfio-user info`
        // shows every flag's name. The client acts on none of them (docs/fidelity.md)
        return switch (index) {
            case VfioUser.IRQ_INTX -> VfioUser.IRQ_INFO_EVENTFD | VfioUser.IRQ_INFO_MASKABLE | VfioUser.IRQ_INFO_AUTOMASKED;
            case VfioUser.IRQ_MSI, VfioUser.IRQ_MSIX -> VfioUser.IRQ_INFO_EVENTFD | VfioUser.IRQ_INFO_NORESIZE;
            default -> VfioUser.IRQ_INFO_EVENTFD;
        };
    }

    /** DEVICE_RESET: INTx unmasked, nothing pending (the eventfds stay, as in libvfio-user). */
    void reset() {
        intxMasked = false;
        pending = false;
    }

    /** The client went away: as libvfio-user's {@code vfu_reset_ctx}, the INTx eventfd is closed. */
    void disconnected() {
        setIntxFd(-1);
    }

    /**
     * The device's interrupt condition becomes pending and is raised (MSI-X, MSI or INTx).
     *
     * @throws IOException if the eventfd write fails
     */
    void assertPending() throws IOException {
        pending = true;
        raise();
    }

    /**
     * The same, on INTx whatever MSI and MSI-X say (the DMA completion of {@link TestPciDevice}).
     *
     * @throws IOException if the eventfd write fails
     */
    void assertPendingIntx() throws IOException {
        pending = true;
        raiseIntx();
    }

    /** @return whether the interrupt was pending, which it no longer is (the driver's ACK) */
    boolean acknowledge() {
        final boolean was = pending;
        pending = false;
        return was;
    }

    boolean pending() {
        return pending;
    }

    /**
     * SET_IRQS on the INTx index: MASK, UNMASK (firing again if still pending), an eventfd (firing at
     * once if pending), none (disabled), or a DATA_NONE / BOOL trigger that fires it.
     */
    void setIntx(final int action, final int data, final int count, final int[] fds) throws IOException {
        if (action == VfioUser.IRQ_SET_ACTION_MASK) {
            intxMasked = true;
        } else if (action == VfioUser.IRQ_SET_ACTION_UNMASK) {
            intxMasked = false;
            if (pending && !msiMode() && !msixMode()) {
                raiseIntx();            // still asserted: the line fires again
            }
        } else if (data == VfioUser.IRQ_SET_DATA_EVENTFD && fds.length == 1) {
            setIntxFd(fds[0]);
            if (pending && !msiMode() && !msixMode()) {
                raiseIntx();            // the line is already asserted
            }
        } else if (count == 0 || data == VfioUser.IRQ_SET_DATA_EVENTFD) {
            setIntxFd(-1);
        } else {
            raiseIntx();                // DATA_NONE / BOOL trigger: fire it
        }
    }

    /** SET_IRQS on the MSI index: eventfd set or disabled; MASK/UNMASK are accepted and ignored. */
    void setMsi(final int action, final int data, final int count, final int[] fds) throws IOException {
        if (action != VfioUser.IRQ_SET_ACTION_TRIGGER) {
            closeAll(fds);              // MSI is not maskable here; libvfio-user calls the state callback
            return;
        }
        if (data == VfioUser.IRQ_SET_DATA_EVENTFD && fds.length == 1) {
            closeFd(msiFd);
            msiFd = fds[0];
            msiEventfdSets++;
            if (pending) {
                raise();
            }
        } else if (count == 0 || data == VfioUser.IRQ_SET_DATA_EVENTFD) {
            closeFd(msiFd);
            msiFd = -1;
            msiDisables++;
        } else {
            raise();
        }
    }

    /** SET_IRQS on the MSI-X index: eventfds for [start, start + count), or all disabled with count 0. */
    void setMsix(final int action, final int data, final int start, final int count, final int[] fds)
        throws IOException {
        if (action != VfioUser.IRQ_SET_ACTION_TRIGGER) {
            closeAll(fds);
            return;
        }
        if (data == VfioUser.IRQ_SET_DATA_EVENTFD && fds.length == count && count > 0) {
            for (int i = 0; i < count; i++) {
                closeFd(msixFds[start + i]);
                msixFds[start + i] = fds[i];
            }
            msixEventfdSets++;
            if (pending) {
                raise();
            }
        } else if (count == 0) {
            for (int i = 0; i < msixFds.length; i++) {
                closeFd(msixFds[i]);
                msixFds[i] = -1;
            }
            msixDisables++;
        } else if (data == VfioUser.IRQ_SET_DATA_EVENTFD && fds.length == 0) {
            // libvfio-user's device_set_irqs: DATA_EVENTFD with no descriptors is irqs_disable of the range
            for (int i = 0; i < count; i++) {
                closeFd(msixFds[start + i]);
                msixFds[start + i] = -1;
            }
        } else {
            raise();
        }
    }

    int intxRaised() {
        return intxRaised;
    }

    boolean intxMasked() {
        return intxMasked;
    }

    int msiRaised() {
        return msiRaised;
    }

    int msiEventfdSets() {
        return msiEventfdSets;
    }

    int msiDisables() {
        return msiDisables;
    }

    boolean hasMsiEventfd() {
        return msiFd >= 0;
    }

    int msixRaised() {
        return msixRaised;
    }

    int msixEventfdSets() {
        return msixEventfdSets;
    }

    int msixDisables() {
        return msixDisables;
    }

    boolean hasMsixEventfd(final int vector) {
        return msixFds[vector] >= 0;
    }

    /** MSI-X enabled in the device's own config space and an eventfd on vector 0. */
    private boolean msixMode() {
        return msix && (config[TestPciDevice.MSIX_CAP + 3] & 0x80) != 0 && msixFds[0] >= 0;
    }

    /** MSI enabled in the device's own copy of the capability (the guest's write reached it) and an eventfd. */
    private boolean msiMode() {
        return msi && (config[TestPciDevice.MSI_CAP + 2] & 1) != 0 && msiFd >= 0;
    }

    /** The device's interrupt: MSI-X or MSI when the guest enabled it, else INTx. */
    private void raise() throws IOException {
        if (msixMode()) {
            Eventfd.adopt(msixFds[0]).signal();
            msixRaised++;
        } else if (msiMode()) {
            Eventfd.adopt(msiFd).signal();
            msiRaised++;
        } else {
            raiseIntx();
        }
    }

    private void setIntxFd(final int fd) {
        closeFd(intxFd);
        intxFd = fd;
    }

    private void raiseIntx() throws IOException {
        if (intxFd < 0 || intxMasked) {
            return;
        }
        Eventfd.adopt(intxFd).signal();
        intxMasked = true;
        intxRaised++;
    }

    private static void closeFd(final int fd) {
        if (fd >= 0) {
            UnixFdSocket.closeFd(fd);
        }
    }

    /** Closes descriptors that came with a message and are not kept. */
    static void closeAll(final int[] fds) {
        for (final int fd : fds) {
            UnixFdSocket.closeFd(fd);
        }
    }
}
