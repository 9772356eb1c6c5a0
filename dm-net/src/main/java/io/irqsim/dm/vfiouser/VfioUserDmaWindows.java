package io.irqsim.dm.vfiouser;

import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.mem.GuestRam;

import java.io.IOException;

/**
 * The DMA side of a vfio-user device plugged into a guest ({@link VfioUserGuestDevice}): the guest
 * RAM window mapped without a descriptor (the server reaches it with DMA_READ / DMA_WRITE messages
 * the client serves), the shared memfd window after it, and the wait for the device's INTx that
 * serves the server's DMA commands meanwhile.
 */
final class VfioUserDmaWindows implements AutoCloseable {

    /** The shared DMA window's size (64 KiB, just above the guest RAM window). */
    static final long SHARED_DMA_SIZE = 0x10000;
    /** Wall-clock quiet the client waits for after the server's interrupt before it sends a command. */
    static final int SETTLE_MILLIS = 20;

    private final VfioUserClient vfio;
    private final Poller poller = new Poller();
    private GuestRam ram;
    private SharedDmaMemory shared;

    private VfioUserDmaWindows(final VfioUserClient vfio) {
        this.vfio = vfio;
    }

    /**
     * DMA_MAP of the guest's RAM window ({@link Domain#ram()}) without a descriptor, so the server
     * reaches it with DMA_READ / DMA_WRITE messages the client serves. A server that refuses the map
     * (an error reply) gets no DMA; the plug goes on.
     */
    static VfioUserDmaWindows map(final ScenarioMachine m, final Domain guest, final VfioUserClient vfio,
                                  final String socket) throws IOException {
        final VfioUserDmaWindows w = new VfioUserDmaWindows(vfio);
        final GuestRam ram = guest.ram();
        try {
            vfio.dmaMap(ram.base(), ram.size(), true, true, DmaMemory.of(ram));
            w.ram = ram;
            m.timeline().log("vfio-user", "%s: DMA_MAP of %s's RAM [0x%x, 0x%x) (message access)", socket,
                guest.name(), ram.base(), ram.base() + ram.size());
        } catch (final VfioUserErrorReply e) {
            m.timeline().log("vfio-user", "%s: the server refused DMA_MAP (%s); the device gets no DMA", socket,
                e.getMessage());
            return w;
        }
        final SharedDmaMemory mem = SharedDmaMemory.create(ram.base() + ram.size(), SHARED_DMA_SIZE);
        try {
            vfio.dmaMapShared(mem.iova(), mem.size(), mem.fd(), mem);
            w.shared = mem;
            m.timeline().log("vfio-user", "%s: DMA_MAP of a shared window [0x%x, 0x%x) (memfd, the server may"
                + " mmap it)", socket, mem.iova(), mem.iova() + mem.size());
        } catch (final VfioUserErrorReply e) {
            mem.close();
            m.timeline().log("vfio-user", "%s: the server refused the shared DMA_MAP (%s)", socket, e.getMessage());
        } catch (final IOException e) {
            mem.close();
            throw e;
        }
        return w;
    }

    /**
     * Waits for the INTx eventfd while serving the server's DMA commands as they come (the server
     * may DMA before, after or instead of raising). Once the eventfd fired, commands that follow
     * within {@link #SETTLE_MILLIS} are served before the guest sees the interrupt: libvfio-user
     * reads the next message after its own DMA command as that command's reply
     * ({@code lib/tran_sock.c:tran_sock_msg_iovec} / {@code tran_sock_recv_fds}@efd091b: a
     * different message id is {@code EPROTO}), so a command of the client's (the EOI's UNMASK, a
     * BAR access of the guest's handler) sent while the server's DMA is in flight would fail it.
     * A server that took the client's twin_socket offer sends its commands on a socket of their
     * own ({@code lib/tran_sock.c:tran_sock_send_msg}), and there is nothing to settle.
     *
     * @return whether the eventfd fired within {@code timeoutMillis} of wall-clock time
     */
    boolean awaitInterrupt(final Eventfd intx, final int timeoutMillis) throws IOException {
        final long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            final long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left < 0) {
                return false;
            }
            final int ready = poller.poll(intx.fd(), ram == null ? -1 : vfio.commandFd(), (int) left);
            if ((ready & 1) != 0 && intx.await(0) > 0) {
                // the server's DMA right after its interrupt: let it finish (within the same bound); not
                // needed when its commands have a socket of their own (twin_socket)
                while (ram != null && !vfio.hasCommandSocket() && System.nanoTime() - deadline < 0
                    && vfio.serveCommands(SETTLE_MILLIS) > 0) {
                    continue;
                }
                return true;
            }
            if ((ready & 2) != 0) {
                vfio.serveCommands(0);
            }
        }
    }

    /** @return the guest RAM window the server may DMA into, or {@code null} if it refused the map */
    GuestRam ram() {
        return ram;
    }

    /** @return the shared window the server may map, or {@code null} */
    SharedDmaMemory shared() {
        return shared;
    }

    /** Closes the shared window (the client unmaps both windows when it closes). */
    @Override
    public void close() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }
}
