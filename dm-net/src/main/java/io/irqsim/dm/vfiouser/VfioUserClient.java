package io.irqsim.dm.vfiouser;

import io.irqsim.dm.vfiouser.VfioUserCodec.DeviceInfo;
import io.irqsim.dm.vfiouser.VfioUserCodec.Header;
import io.irqsim.dm.vfiouser.VfioUserCodec.IrqInfo;
import io.irqsim.dm.vfiouser.VfioUserCodec.RegionInfo;
import io.irqsim.dm.vfiouser.VfioUserCodec.Version;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * irqsim in the vfio-user client (VMM) role, as QEMU's {@code vfio-user-pci} device: connects to
 * a device server's Unix socket, negotiates the version, and sends the commands a VMM needs for
 * config space, BAR access and INTx (QEMU {@code docs/interop/vfio-user.rst}, protocol 0.2).
 *
 * <p>Blocking and single-threaded: one command in flight, its reply read before the next. Any
 * protocol violation by the server ({@link VfioUserProtocolException}) closes the connection;
 * an error reply ({@link VfioUserErrorReply}) does not. Every descriptor the server sends is
 * closed unless the command expects it. Once the client has mapped DMA ({@link #dmaMap}), the
 * server's DMA_READ / DMA_WRITE commands are served whenever they arrive: while a reply of the
 * client's is pending (inside every command) or between commands ({@link #serveCommands}); before
 * that, a command from the server is a protocol error.
 */
public final class VfioUserClient implements Closeable {

    /**
     * Descriptors the client offers to accept in one message: QEMU's {@code VFIO_USER_DEF_MAX_FDS},
     * what it assumes for a server that names none (it offers {@code VFIO_USER_MAX_MAX_FDS}, 16).
     */
    public static final int CLIENT_MAX_MSG_FDS = 8;
    /** The largest data transfer the client offers (the spec's default, 1 MiB). */
    public static final int CLIENT_MAX_DATA_XFER = VfioUser.DEFAULT_MAX_DATA_XFER_SIZE;
    /** Most regions and IRQ indexes accepted from DEVICE_GET_INFO (QEMU's limits against a malign server). */
    public static final int MAX_REGIONS = 100;
    public static final int MAX_IRQS = 50;
    /** Most server commands served while one reply is pending. */
    public static final int MAX_INTERLEAVED_COMMANDS = 4096;
    /** Default receive timeout. */
    public static final int DEFAULT_TIMEOUT_MILLIS = 5000;

    private static final int MAX_REPLY = VfioUser.HEADER_SIZE + VfioUserCodec.REGION_ACCESS_SIZE
        + Math.max(CLIENT_MAX_DATA_XFER, VfioUserCodec.MAX_REGION_INFO_ARGSZ);

    private final UnixFdSocket socket;
    private final byte[] header = new byte[VfioUser.HEADER_SIZE];
    private final int[] received = new int[UnixFdSocket.MAX_RECEIVED_FDS * 4];
    private int receivedCount;
    private boolean receivedOverflow;
    private int nextId;
    private Version version;
    private boolean broken;
    private Header lastHeader;
    /** libvfio-user's twin_socket: the server's commands come, and are answered, here; null without. */
    private UnixFdSocket commandSocket;
    private int timeoutMillis;
    private final VfioUserDma dma = new VfioUserDma();
    private final Poller poller = new Poller();

    private VfioUserClient(final UnixFdSocket socket) {
        this.socket = socket;
    }

    /**
     * Connects and negotiates the version.
     *
     * @param path the server's socket
     * @param timeoutMillis how long to wait for any reply (0: for ever)
     * @return a ready client
     * @throws IOException if the socket is missing or refuses, or the server breaks the protocol
     */
    public static VfioUserClient connect(final Path path, final int timeoutMillis) throws IOException {
        final UnixFdSocket s = UnixFdSocket.connect(path);
        final VfioUserClient c = new VfioUserClient(s);
        try {
            s.setTimeout(timeoutMillis);
            c.timeoutMillis = timeoutMillis;
            final byte[] p = c.call(VfioUser.CMD_VERSION,
                VfioUserCodec.versionPayload(CLIENT_MAX_MSG_FDS, CLIENT_MAX_DATA_XFER, true), 1);
            c.version = c.decoded(() -> VfioUserCodec.decodeVersionReply(p));
            final int twin = c.decoded(() -> VfioUserCodec.decodeTwinSocket(p, c.receivedCount));
            if (twin >= 0) {
                c.commandSocket = new UnixFdSocket(c.received[twin]);
                c.received[twin] = c.received[--c.receivedCount];
                c.commandSocket.setTimeout(timeoutMillis);
            }
            c.closeReceived();
            return c;
        } catch (final IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** @return the negotiated version and the server's limits */
    public Version version() {
        return version;
    }

    /**
     * @return DEVICE_GET_INFO
     * @throws IOException on an error reply or a protocol violation
     */
    public DeviceInfo deviceInfo() throws IOException {
        return VfioUserCodec.decodeDeviceInfo(call(VfioUser.CMD_DEVICE_GET_INFO, VfioUserCodec.deviceInfoPayload(), 0),
            MAX_REGIONS, MAX_IRQS);
    }

    /**
     * DEVICE_GET_REGION_INFO, asked again with the larger argsz the server names when the
     * capability chain did not fit. Descriptors for mmap-able areas are closed (this client does
     * not map server memory).
     *
     * @param index region index
     * @return the region with its capabilities
     * @throws IOException on an error reply or a protocol violation
     */
    public RegionInfo regionInfo(final int index) throws IOException {
        int argsz = VfioUserCodec.REGION_INFO_SIZE;
        for (int attempt = 0; attempt < 2; attempt++) {
            // descriptors of mmap-able areas: as many as this client said it takes (max_msg_fds)
            final byte[] p = call(VfioUser.CMD_DEVICE_GET_REGION_INFO, VfioUserCodec.regionInfoPayload(index, argsz),
                CLIENT_MAX_MSG_FDS);
            closeReceived();
            final RegionInfo info = VfioUserCodec.decodeRegionInfo(p, index, argsz);
            if (Integer.compareUnsigned(info.argsz(), argsz) <= 0) {
                return info;
            }
            argsz = info.argsz();
        }
        throw fail(new VfioUserProtocolException("region " + index + " info still did not fit in argsz " + argsz));
    }

    /**
     * @param index IRQ index
     * @return DEVICE_GET_IRQ_INFO
     * @throws IOException on an error reply or a protocol violation
     */
    public IrqInfo irqInfo(final int index) throws IOException {
        return VfioUserCodec.decodeIrqInfo(call(VfioUser.CMD_DEVICE_GET_IRQ_INFO, VfioUserCodec.irqInfoPayload(index), 0),
            index);
    }

    /**
     * Hands the server one eventfd per vector (DATA_EVENTFD | ACTION_TRIGGER), at most the server's
     * {@code max_msg_fds} per message (docs/interop/vfio-user.rst: the most descriptors the sender
     * of the VERSION message can receive in one), each message's {@code start} advanced by the
     * descriptors already sent, as QEMU's {@code vfio_user_device_io_set_irqs} splits them.
     *
     * @param index IRQ index
     * @param start first vector
     * @param eventfds one per vector
     * @throws IOException on an error reply or a protocol violation, or if the server takes no
     *     descriptors at all ({@code max_msg_fds} 0) and there are eventfds to hand over
     */
    public void setIrqEventfds(final int index, final int start, final Eventfd... eventfds) throws IOException {
        final int max = version.maxMsgFds();
        if (eventfds.length > 0 && max == 0) {
            throw new IOException("the vfio-user server takes no file descriptors (max_msg_fds 0): its IRQ index "
                + index + " cannot be given eventfds");
        }
        int sent = 0;
        do {
            final int n = Math.min(max, eventfds.length - sent);
            final int[] fds = new int[n];
            for (int i = 0; i < n; i++) {
                fds[i] = eventfds[sent + i].fd();
            }
            call(VfioUser.CMD_DEVICE_SET_IRQS, VfioUserCodec.setIrqsPayload(
                VfioUser.IRQ_SET_DATA_EVENTFD | VfioUser.IRQ_SET_ACTION_TRIGGER, index, start + sent, n), 0, fds);
            sent += n;
        } while (sent < eventfds.length);
    }

    /**
     * Unmasks vectors (DATA_NONE | ACTION_UNMASK): after the guest's EOI of an INTx, as QEMU's
     * vfio INTx EOI path re-arms the line.
     *
     * @param index IRQ index
     * @param start first vector
     * @param count how many
     * @throws IOException on an error reply or a protocol violation
     */
    public void unmaskIrq(final int index, final int start, final int count) throws IOException {
        call(VfioUser.CMD_DEVICE_SET_IRQS, VfioUserCodec.setIrqsPayload(
            VfioUser.IRQ_SET_DATA_NONE | VfioUser.IRQ_SET_ACTION_UNMASK, index, start, count), 0);
    }

    /**
     * Disables an IRQ index's triggers (DATA_NONE | ACTION_TRIGGER, count 0).
     *
     * @param index IRQ index
     * @throws IOException on an error reply or a protocol violation
     */
    public void disableIrq(final int index) throws IOException {
        call(VfioUser.CMD_DEVICE_SET_IRQS, VfioUserCodec.setIrqsPayload(
            VfioUser.IRQ_SET_DATA_NONE | VfioUser.IRQ_SET_ACTION_TRIGGER, index, 0, 0), 0);
    }

    /**
     * REGION_READ, split into transfers of at most the server's max_data_xfer_size.
     *
     * @param region region index ({@link VfioUser#REGION_CONFIG} for config space)
     * @param offset offset in the region
     * @param count bytes
     * @return the bytes
     * @throws IOException on an error reply or a protocol violation
     */
    public byte[] regionRead(final int region, final long offset, final int count) throws IOException {
        final byte[] out = new byte[count];
        int done = 0;
        while (done < count) {
            final int n = Math.min(count - done, maxXfer());
            final long at = offset + done;
            final byte[] p = call(VfioUser.CMD_REGION_READ, VfioUserCodec.regionReadPayload(region, at, n), 0);
            final byte[] data = decoded(() -> VfioUserCodec.decodeRegionAccessReply(p, region, at, n, true));
            System.arraycopy(data, 0, out, done, n);
            done += n;
        }
        return out;
    }

    /**
     * REGION_WRITE, split as {@link #regionRead}.
     *
     * @param region region index
     * @param offset offset in the region
     * @param data bytes
     * @throws IOException on an error reply or a protocol violation
     */
    public void regionWrite(final int region, final long offset, final byte[] data) throws IOException {
        int done = 0;
        while (done < data.length) {
            final int n = Math.min(data.length - done, maxXfer());
            final byte[] chunk = Arrays.copyOfRange(data, done, done + n);
            final long at = offset + done;
            final byte[] p = call(VfioUser.CMD_REGION_WRITE, VfioUserCodec.regionWritePayload(region, at, chunk), 0);
            decoded(() -> VfioUserCodec.decodeRegionAccessReply(p, region, at, n, false));
            done += n;
        }
    }

    /**
     * A guest's MMIO read of 1..8 bytes as one REGION_READ, the bytes taken little-endian as x86 does.
     *
     * @param region region index
     * @param offset offset in the region
     * @param size bytes, 1..8
     * @return the value
     * @throws IOException on an error reply or a protocol violation
     */
    public long regionReadValue(final int region, final long offset, final int size) throws IOException {
        final byte[] b = regionRead(region, offset, size);
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    /**
     * A guest's MMIO write of 1..8 bytes as one REGION_WRITE, little-endian.
     *
     * @param region region index
     * @param offset offset in the region
     * @param size bytes, 1..8
     * @param value the value (its low {@code size} bytes)
     * @throws IOException on an error reply or a protocol violation
     */
    public void regionWriteValue(final int region, final long offset, final int size, final long value)
        throws IOException {
        final byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (value >>> (8 * i));
        }
        regionWrite(region, offset, b);
    }

    /**
     * DEVICE_RESET.
     *
     * @throws IOException on an error reply or a protocol violation
     */
    public void reset() throws IOException {
        call(VfioUser.CMD_DEVICE_RESET, new byte[0], 0);
    }

    private int maxXfer() {
        return Math.min(version.maxDataXferSize(), CLIENT_MAX_DATA_XFER);
    }

    private interface Decode<T> {
        T run() throws VfioUserProtocolException;
    }

    private <T> T decoded(final Decode<T> d) throws VfioUserProtocolException {
        try {
            return d.run();
        } catch (final VfioUserProtocolException e) {
            throw fail(e);
        }
    }

    /**
     * Sends one command and returns its reply's payload.
     *
     * @param cmd command
     * @param payload payload
     * @param fdsAllowed descriptors the reply may carry (kept in {@link #received} for the caller)
     * @param fds descriptors to send with the message
     * @return the reply payload
     */
    private byte[] call(final int cmd, final byte[] payload, final int fdsAllowed, final int... fds) throws IOException {
        if (broken) {
            throw new VfioUserProtocolException("connection closed after an earlier protocol error");
        }
        final int id = nextId;
        nextId = (nextId + 1) & 0xffff;
        final byte[] msg = VfioUserCodec.message(id, cmd, VfioUser.F_TYPE_COMMAND, 0, payload);
        try {
            socket.send(msg, msg.length, fds);
            for (int served = 0; ; served++) {
                if (commandSocket != null && awaitReplyOrCommand(cmd)) {
                    checkInterleaved(served, cmd);
                    final byte[] body = receiveMessage(commandSocket);
                    requireServerCommand(lastHeader, " while the " + VfioUser.commandName(cmd) + " reply was pending");
                    answer(commandSocket, lastHeader, body);
                    continue;
                }
                final byte[] body = receiveMessage(socket);
                final Header h = lastHeader;
                if (h.type() != VfioUser.F_TYPE_REPLY) {
                    // the server's DMA while our command waits for its reply (the spec lets either side send
                    // commands at any time); bounded so a server cannot keep us here for ever
                    requireServerCommand(h, "");
                    checkInterleaved(served, cmd);
                    answer(socket, h, body);
                    continue;
                }
                if (h.msgId() != id || h.command() != cmd) {
                    throw new VfioUserProtocolException("reply is for message " + h.msgId() + " ("
                        + VfioUser.commandName(h.command()) + "), expected " + id + " (" + VfioUser.commandName(cmd)
                        + ")");
                }
                if (receivedOverflow || receivedCount > fdsAllowed) {
                    throw new VfioUserProtocolException("server sent " + (receivedOverflow ? "too many" : receivedCount)
                        + " file descriptor(s) with the " + VfioUser.commandName(cmd) + " reply, expected at most "
                        + fdsAllowed);
                }
                if (h.isError()) {
                    closeReceived();
                    throw new VfioUserErrorReply(cmd, h.errno());
                }
                return body;
            }
        } catch (final VfioUserErrorReply e) {
            throw e;
        } catch (final IOException e) {
            throw fail(e);
        }
    }

    /**
     * With a command socket: waits until the reply socket or the command socket is readable.
     *
     * @return true if a server command is waiting (serve it first), false if the reply socket is readable
     */
    private boolean awaitReplyOrCommand(final int cmd) throws IOException {
        final int ready = poller.poll(socket.fd(), commandSocket.fd(), timeoutMillis == 0 ? -1 : timeoutMillis);
        if (ready == 0) {
            throw new IOException("timed out waiting for the peer (" + VfioUser.commandName(cmd) + " reply)");
        }
        return (ready & 2) != 0;
    }

    /** Reads one whole message; its header in {@link #lastHeader}, its descriptors in {@link #received}. */
    private byte[] receiveMessage(final UnixFdSocket from) throws IOException {
        receivedCount = 0;
        receivedOverflow = false;
        from.receiveFully(header, 0, header.length, (at, fd) -> keep(fd));
        final Header h = VfioUserCodec.decodeHeader(header, MAX_REPLY);
        final byte[] body = new byte[h.size() - VfioUser.HEADER_SIZE];
        from.receiveFully(body, 0, body.length, (at, fd) -> keep(fd));
        lastHeader = h;
        return body;
    }

    /**
     * Answers one command from the server (DMA_READ / DMA_WRITE; anything else gets ENOTSUP): the
     * reply carries the command's message id; descriptors that came with it are closed and refused.
     */
    private void answer(final UnixFdSocket to, final Header h, final byte[] body) throws IOException {
        final VfioUserDma.Answer a;
        if (receivedOverflow || receivedCount > 0) {
            closeReceived();
            a = dma.refuse(VfioUserDma.EINVAL);
        } else {
            // the server's DMA is bounded by what this client offered to take, not by the server's own limit
            a = dma.serve(h.command(), body, CLIENT_MAX_DATA_XFER);
        }
        if ((h.flags() & VfioUser.F_NO_REPLY) != 0) {
            return;
        }
        final byte[] reply = a.payload() == null
            ? VfioUserCodec.message(h.msgId(), h.command(), VfioUser.F_TYPE_REPLY | VfioUser.F_ERROR, a.errno(),
                new byte[0])
            : VfioUserCodec.message(h.msgId(), h.command(), VfioUser.F_TYPE_REPLY, 0, a.payload());
        to.send(reply, reply.length);
    }

    /** A server may not keep this client from its reply for ever: at most {@link #MAX_INTERLEAVED_COMMANDS}. */
    private static void checkInterleaved(final int served, final int cmd) throws VfioUserProtocolException {
        if (served == MAX_INTERLEAVED_COMMANDS) {
            throw new VfioUserProtocolException("server sent " + MAX_INTERLEAVED_COMMANDS
                + " commands while the " + VfioUser.commandName(cmd) + " reply was pending");
        }
    }

    /**
     * What may come from the server outside a reply to this client: a command, and only once this
     * client has mapped DMA (docs/interop/vfio-user.rst: DMA_MAP "must be sent before the server can
     * perform any DMA to the client"), on the main socket or the twin one alike.
     *
     * @param h the message's header
     * @param when when it came, for the message
     * @throws VfioUserProtocolException for a reply nobody asked for, or a command with no DMA mapped
     */
    private void requireServerCommand(final Header h, final String when) throws VfioUserProtocolException {
        if (h.type() != VfioUser.F_TYPE_COMMAND) {
            throw new VfioUserProtocolException("server sent " + VfioUser.commandName(h.command())
                + (h.type() == VfioUser.F_TYPE_REPLY ? " as a reply" : " with message type " + h.type()) + when);
        }
        if (dma.isEmpty()) {
            throw new VfioUserProtocolException("server sent " + VfioUser.commandName(h.command())
                + " as a command; this client has mapped no DMA");
        }
    }

    /**
     * Serves the server's commands that are already waiting on the socket, or arrive within
     * {@code waitMillis}: for a VMM that is not waiting for a reply of its own (between the guest's
     * accesses) but must answer the server's DMA, as QEMU's proxy does from its receive thread.
     *
     * @param waitMillis how long to wait for the first one (0: only what is already there)
     * @return commands served
     * @throws IOException if the server breaks the protocol (sends a reply nobody asked for) or hangs up
     */
    public int serveCommands(final int waitMillis) throws IOException {
        if (broken) {
            throw new VfioUserProtocolException("connection closed after an earlier protocol error");
        }
        int served = 0;
        int wait = waitMillis;
        try {
            final UnixFdSocket from = commandSocket != null ? commandSocket : socket;
            while (poller.readable(from.fd(), wait)) {
                final byte[] body = receiveMessage(from);
                final Header h = lastHeader;
                requireServerCommand(h, " while no command was pending");
                answer(from, h, body);
                served++;
                wait = 0;
            }
            return served;
        } catch (final IOException e) {
            throw fail(e);
        }
    }

    /**
     * DMA_MAP without a descriptor: the server reaches {@code [iova, iova + size)} only with
     * DMA_READ / DMA_WRITE messages, which this client serves from {@code memory}
     * ({@code lib/libvfio-user.c:handle_dma_map}@efd091b: no fd, no MMAP flag: message access).
     *
     * @param iova first client address
     * @param size bytes
     * @param readable whether the server may read it
     * @param writable whether the server may write it
     * @param memory where the bytes are
     * @throws IOException on an error reply or a protocol violation
     */
    public void dmaMap(final long iova, final long size, final boolean readable, final boolean writable,
                       final DmaMemory memory) throws IOException {
        final VfioUserDma.Window w = new VfioUserDma.Window(iova, size, readable, writable, memory);
        call(VfioUser.CMD_DMA_MAP, VfioUserDma.mapPayload((readable ? VfioUserDma.F_READ : 0)
            | (writable ? VfioUserDma.F_WRITE : 0), 0, iova, size), 0);
        dma.add(w);
    }

    /**
     * DMA_MAP of shared memory: the descriptor goes with the message, and the server maps it
     * (flag MMAP) and reaches the window directly; the client keeps serving messages for it too.
     *
     * @param iova first client address
     * @param size bytes
     * @param fd the memory's descriptor (stays the caller's)
     * @param memory the client's view of the same memory
     * @throws IOException on an error reply or a protocol violation
     */
    public void dmaMapShared(final long iova, final long size, final int fd, final DmaMemory memory)
        throws IOException {
        final VfioUserDma.Window w = new VfioUserDma.Window(iova, size, true, true, memory);
        call(VfioUser.CMD_DMA_MAP, VfioUserDma.mapPayload(VfioUserDma.F_READ | VfioUserDma.F_WRITE
            | VfioUserDma.F_MMAP, 0, iova, size), 0, fd);
        dma.add(w);
    }

    /**
     * DMA_UNMAP of a window mapped before.
     *
     * @param iova its first address
     * @param size its size
     * @throws IOException on an error reply or a protocol violation
     */
    public void dmaUnmap(final long iova, final long size) throws IOException {
        dma.remove(iova);
        call(VfioUser.CMD_DMA_UNMAP, VfioUserDma.unmapPayload(iova, size), 0);
    }

    /** @return DMA_READs served, DMA_WRITEs served, DMA commands refused with an error reply */
    public long[] dmaCounts() {
        return new long[] {dma.reads(), dma.writes(), dma.refused()};
    }

    /**
     * @return the descriptor the server's commands arrive on (to poll it together with an eventfd):
     *     the twin_socket command socket if the server took the offer, else the connection; -1 once closed
     */
    public int commandFd() {
        return commandSocket != null ? commandSocket.fd() : socket.fd();
    }

    /**
     * @return whether the server sends its commands on a socket of their own (libvfio-user's
     *     twin_socket), so they can never be taken for a reply of the server's
     */
    public boolean hasCommandSocket() {
        return commandSocket != null;
    }

    private void keep(final int fd) {
        if (receivedCount < received.length) {
            received[receivedCount++] = fd;
        } else {
            receivedOverflow = true;
            UnixFdSocket.closeFd(fd);
        }
    }

    private void closeReceived() {
        for (int i = 0; i < receivedCount; i++) {
            UnixFdSocket.closeFd(received[i]);
        }
        receivedCount = 0;
    }

    private <E extends IOException> E fail(final E e) {
        closeReceived();
        broken = true;
        socket.close();
        if (commandSocket != null) {
            commandSocket.close();
        }
        return e;
    }

    /**
     * DMA_UNMAPs every window still mapped (each reply awaited for at most a second; a server that
     * is gone or silent does not hold the close up longer), then closes the connection.
     */
    @Override
    public void close() {
        if (!broken && !dma.isEmpty() && socket.fd() >= 0) {
            try {
                socket.setTimeout(1000);
                for (final VfioUserDma.Window w : dma.windows()) {
                    dmaUnmap(w.iova(), w.size());
                }
            } catch (final IOException e) {
                // the server is gone or refused: closing the socket releases its mappings anyway
            }
        }
        closeReceived();
        socket.close();
        if (commandSocket != null) {
            commandSocket.close();
        }
    }
}
