package io.irqsim.dm.vfiouser;

import io.irqsim.dm.vfiouser.VfioUserCodec.Header;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A vfio-user server for the build's tests, written from the spec (QEMU
 * {@code docs/interop/vfio-user.rst}) and following libvfio-user's checks where the spec leaves
 * them open. It serves one connection at a time on a thread of its own, and hands each message to
 * a {@link Responder}: {@link TestPciDevice} by default, or a hostile script.
 *
 * <p>Descriptors belong to the message whose first byte they arrive with, as libvfio-user reads
 * them with the header ({@code lib/tran_sock.c:get_msg}@efd091b). Descriptors that arrive with
 * any later byte were split from their message: the server closes them, answers EINVAL and drops
 * the connection, as libvfio-user resets it.
 */
public final class VfioUserTestServer implements Closeable {

    /** Largest message the server reads (its max_data_xfer_size plus headers). */
    public static final int MAX_MESSAGE = 16 + 16 + VfioUser.DEFAULT_MAX_DATA_XFER_SIZE;
    static final int EINVAL = 22;

    /** What to do with one message. */
    @FunctionalInterface
    public interface Responder {
        /**
         * @param h the header
         * @param payload the payload
         * @param fds descriptors that came with it (the responder owns them)
         * @return the reply, or null to send none
         * @throws IOException to drop the connection
         */
        Reply handle(Header h, byte[] payload, int[] fds) throws IOException;

        /** The connection ended (libvfio-user resets the device then, {@code vfu_reset_ctx}). */
        default void disconnected() {
        }
    }

    /**
     * Raw reply bytes, descriptors to send with them, whether to hang up afterwards, and what to
     * run once sent (closing the server's copies of the descriptors; may be null).
     */
    public record Reply(byte[] bytes, int[] fds, boolean hangUp, Runnable afterSend) {
        /** @return a reply with no descriptors */
        public static Reply of(final byte[] bytes) {
            return new Reply(bytes, new int[0], false, null);
        }
    }

    private final UnixListener listener;
    private final Responder responder;
    private final Thread thread;
    private final AtomicInteger splitRefused = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile UnixFdSocket current;

    private VfioUserTestServer(final UnixListener listener, final Responder responder) {
        this.listener = listener;
        this.responder = responder;
        this.thread = new Thread(this::run, "vfio-user-test-server");
        this.thread.setDaemon(true);
    }

    /**
     * @param socket where to listen
     * @param responder what answers
     * @return a running server
     * @throws IOException if it cannot bind
     */
    public static VfioUserTestServer start(final Path socket, final Responder responder) throws IOException {
        final VfioUserTestServer s = new VfioUserTestServer(UnixListener.bind(socket), responder);
        s.thread.start();
        return s;
    }

    /**
     * A server that takes a client's twin_socket offer as libvfio-user does
     * ({@code lib/tran.c:tran_negotiate}@efd091b): its VERSION reply carries
     * {@code "twin_socket":{"supported":true,"fd_index":0}} and one end of a socketpair, and its own
     * commands ({@link #call}) go over that socket.
     *
     * @param socket where to listen
     * @param responder what answers
     * @return a running server
     * @throws IOException if it cannot bind
     */
    public static VfioUserTestServer startTwin(final Path socket, final Responder responder) throws IOException {
        final VfioUserTestServer s = new VfioUserTestServer(UnixListener.bind(socket), responder);
        s.twin = true;
        s.thread.start();
        return s;
    }

    /** @return whether the current connection took a twin_socket */
    public boolean hasCommandSocket() {
        return commandSock != null;
    }

    private volatile boolean twin;
    private volatile UnixFdSocket commandSock;

    /** @return how many messages had descriptors split from them (each one dropped its connection) */
    public int splitFdsRefused() {
        return splitRefused.get();
    }

    /** @return connections accepted so far */
    public int connections() {
        return connections.get();
    }

    private void run() {
        UnixFdSocket c;
        while ((c = listener.accept()) != null) {
            connections.incrementAndGet();
            current = c;
            try {
                serve(c);
            } catch (final IOException e) {
                // the connection ends; the next one starts afresh
            } finally {
                c.close();
                current = null;
            }
        }
    }

    /** One message read by the server: header, payload, descriptors, whether some were split from it. */
    private record Incoming(Header h, byte[] payload, int[] fds, boolean split) {
    }

    /** Thrown by {@link #call} when the client answers with an error reply. */
    public static final class ClientError extends IOException {
        private final int errno;

        ClientError(final int errno) {
            super("client answered errno " + errno);
            this.errno = errno;
        }

        /** @return the reply's errno */
        public int errno() {
            return errno;
        }
    }

    private final java.util.ArrayDeque<Incoming> queued = new java.util.ArrayDeque<>();
    private int nextServerId = 1;

    /** @return null at end of stream or on a header the codec refuses (the connection ends) */
    private static Incoming read(final UnixFdSocket c) throws IOException {
        final byte[] head = new byte[VfioUser.HEADER_SIZE];
        final List<Integer> fds = new ArrayList<>();
        final boolean[] split = {false};
        try {
            c.receiveFully(head, 0, head.length, (at, fd) -> take(fds, split, at, fd));
        } catch (final java.io.EOFException e) {
            return null;
        }
        final Header h;
        try {
            h = VfioUserCodec.decodeHeader(head, MAX_MESSAGE);
        } catch (final VfioUserProtocolException e) {
            closeAll(fds);
            return null;
        }
        final byte[] payload = new byte[h.size() - VfioUser.HEADER_SIZE];
        c.receiveFully(payload, 0, payload.length, (at, fd) -> take(fds, split, at + 1, fd));
        return new Incoming(h, payload, fds.stream().mapToInt(Integer::intValue).toArray(), split[0]);
    }

    /**
     * Sends a command of the server's (DMA_READ / DMA_WRITE) to the client and waits for its reply,
     * queueing any command the client sends meanwhile (handled after, in order): a server that takes
     * a client command while its own is pending, as the spec allows. Only on the server's thread
     * (from a responder or a reply's afterSend).
     *
     * @param cmd command
     * @param payload payload
     * @return the reply's payload
     * @throws ClientError on an error reply
     * @throws IOException if the client hangs up or answers another message
     */
    public byte[] call(final int cmd, final byte[] payload) throws IOException {
        return call(cmd, payload, VfioUser.F_TYPE_COMMAND);
    }

    /**
     * As {@link #call(int, byte[])}, with the header's flags chosen by the caller (hostile tests).
     *
     * @param cmd command
     * @param payload payload
     * @param flags header flags
     * @param fds descriptors to send with it
     * @return the reply's payload
     * @throws IOException as {@link #call(int, byte[])}
     */
    public byte[] call(final int cmd, final byte[] payload, final int flags, final int... fds) throws IOException {
        final UnixFdSocket c = commandSock != null ? commandSock : current;
        final int id = nextServerId++ & 0xffff;
        final byte[] msg = VfioUserCodec.message(id, cmd, flags, 0, payload);
        c.send(msg, msg.length, fds);
        while (true) {
            final Incoming in = read(c);
            if (in == null) {
                throw new IOException("client hung up while server command " + id + " was pending");
            }
            if (in.h().type() == VfioUser.F_TYPE_COMMAND) {
                queued.add(in);
                continue;
            }
            closeAll(in.fds());
            if (in.h().msgId() != id || in.h().command() != cmd) {
                throw new IOException("client answered message " + in.h().msgId() + ", not " + id);
            }
            if (in.h().isError()) {
                throw new ClientError(in.h().errno());
            }
            return in.payload();
        }
    }

    /**
     * Sends raw bytes to the client (a hostile server's malformed command), on the server's thread.
     *
     * @param bytes the bytes
     * @throws IOException if the send fails
     */
    public void sendRaw(final byte[] bytes) throws IOException {
        current.send(bytes, bytes.length);
    }

    private void serve(final UnixFdSocket c) throws IOException {
        queued.clear();
        try {
            serveMessages(c);
        } finally {
            final UnixFdSocket cs = commandSock;
            commandSock = null;
            if (cs != null) {
                cs.close();
            }
            responder.disconnected();
        }
    }

    /** The VERSION reply of a server that takes the twin_socket offer, with its end of the pair. */
    private Reply twinVersion(final Header h) throws IOException {
        final int[] sv = new int[2];
        if (LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, sv) != 0) {
            throw new IOException(LibC.describe("socketpair", LibC.errno()));
        }
        commandSock = new UnixFdSocket(sv[1]);
        final byte[] json = ("{\"capabilities\":{\"max_msg_fds\":" + TestPciDevice.MAX_MSG_FDS
            + ",\"max_data_xfer_size\":" + TestPciDevice.MAX_DATA_XFER
            + ",\"twin_socket\":{\"supported\":true,\"fd_index\":0}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(4 + json.length + 1)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) 0).putShort((short) 2).put(json).put((byte) 0);
        final byte[] msg = VfioUserCodec.message(h.msgId(), h.command(), VfioUser.F_TYPE_REPLY, 0, out.array());
        return new Reply(msg, new int[] {sv[0]}, false, () -> UnixFdSocket.closeFd(sv[0]));
    }

    private void serveMessages(final UnixFdSocket c) throws IOException {
        while (true) {
            final Incoming in = queued.isEmpty() ? read(c) : queued.poll();
            if (in == null) {
                return;
            }
            final Header h = in.h();
            if (in.split()) {
                closeAll(in.fds());
                splitRefused.incrementAndGet();
                final byte[] err = VfioUserCodec.message(h.msgId(), h.command(),
                    VfioUser.F_TYPE_REPLY | VfioUser.F_ERROR, EINVAL, new byte[0]);
                c.send(err, err.length);
                return;
            }
            final Reply r = twin && h.command() == VfioUser.CMD_VERSION
                && new String(in.payload(), java.nio.charset.StandardCharsets.UTF_8).contains("\"twin_socket\"")
                ? twinVersion(h) : responder.handle(h, in.payload(), in.fds());
            if (r != null) {
                try {
                    if ((h.flags() & VfioUser.F_NO_REPLY) == 0) {
                        c.send(r.bytes(), r.bytes().length, r.fds());
                    }
                } finally {
                    if (r.afterSend() != null) {
                        r.afterSend().run();
                    }
                }
            }
            if (r != null && r.hangUp()) {
                return;
            }
        }
    }

    private static void closeAll(final int[] fds) {
        for (final int fd : fds) {
            UnixFdSocket.closeFd(fd);
        }
    }

    private static void take(final List<Integer> fds, final boolean[] split, final int at, final int fd) {
        fds.add(fd);
        if (at > 0) {
            split[0] = true;
        }
    }

    private static void closeAll(final List<Integer> fds) {
        for (final int fd : fds) {
            UnixFdSocket.closeFd(fd);
        }
    }

    @Override
    public void close() {
        listener.close();
        final UnixFdSocket c = current;
        if (c != null) {
            c.shutdown();
        }
        try {
            thread.join();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
