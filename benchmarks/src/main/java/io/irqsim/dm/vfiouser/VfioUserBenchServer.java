package io.irqsim.dm.vfiouser;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The least a vfio-user server can be for {@link VfioUserReadBenchmark}: a PCI function with one
 * 4 KiB memory BAR and no interrupt (pin 0, so the client hands over no eventfd and the JDK's own
 * Unix socket, which passes no descriptors, is enough), answering VERSION, DEVICE_GET_INFO,
 * DEVICE_GET_REGION_INFO and REGION_READ/REGION_WRITE of BAR0 and config space, one connection at
 * a time on a daemon thread. Reply layouts as the vfio-user spec (QEMU
 * {@code docs/interop/vfio-user.rst}, protocol 0.2) and the repository's test server
 * ({@code TestPciDevice}) give them.
 *
 * <p>In {@link Mode#ECHO} it is the raw baseline: per message it reads the 16-byte header and the
 * rest the header's size names, exactly as the server does, and writes back a fixed
 * {@value #ECHO_REPLY} bytes (the size of a 4-byte REGION_READ's reply) without decoding
 * anything. Replies are written from buffers prepared once; a BAR read's reply is patched in
 * place, so the server thread allocates nothing per message.
 */
public final class VfioUserBenchServer implements Closeable {

    /** What the server does with each message. */
    public enum Mode {
        /** A vfio-user device. */
        DEVICE,
        /** Reads each message, answers {@value #ECHO_REPLY} bytes, decodes nothing. */
        ECHO
    }

    /** Vendor of the benchmark's function (irqsim's hand-chosen test vendor). */
    public static final int VENDOR = 0x4952;
    /** Device id: not the NIC test device's, so no driver expects an interrupt from it. */
    public static final int DEVICE = 0x5154;
    /** Size of BAR0. */
    public static final int BAR0_SIZE = 0x1000;
    /** The value every 4-byte BAR read returns. */
    public static final int BAR_VALUE = 0x1234_5678;
    /** Bytes of a 4-byte REGION_READ request: header 16, offset 8, region 4, count 4. */
    public static final int READ_REQUEST = 32;
    /** Bytes of a 4-byte REGION_READ reply: the request's 32 and the 4 data bytes. */
    public static final int ECHO_REPLY = 36;

    private static final int NUM_REGIONS = 9;
    private static final int NUM_IRQS = 5;
    private static final int CONFIG_SIZE = 256;
    private static final int MAX_MESSAGE = 64 * 1024;

    private final ServerSocketChannel listener;
    private final Path dir;
    private final Path socket;
    private final Mode mode;
    private final Thread thread;
    private final byte[] config = new byte[CONFIG_SIZE];
    private final ByteBuffer header = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer body = ByteBuffer.allocateDirect(MAX_MESSAGE).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer out = ByteBuffer.allocateDirect(MAX_MESSAGE).order(ByteOrder.LITTLE_ENDIAN);
    private volatile SocketChannel current;
    private volatile boolean closed;

    private VfioUserBenchServer(final ServerSocketChannel listener, final Path dir, final Path socket, final Mode mode) {
        this.listener = listener;
        this.dir = dir;
        this.socket = socket;
        this.mode = mode;
        final ByteBuffer c = ByteBuffer.wrap(config).order(ByteOrder.LITTLE_ENDIAN);
        c.putShort(0x00, (short) VENDOR).putShort(0x02, (short) DEVICE);
        c.put(0x08, (byte) 1).put(0x0a, (byte) 0x00).put(0x0b, (byte) 0x02);    // revision 1, class 0x020000
        c.putInt(0x10, 0);                                                         // BAR0: 32-bit memory
        c.put(0x3d, (byte) 0);                                                     // no interrupt pin
        this.thread = new Thread(this::run, "vfio-user-bench-server");
        this.thread.setDaemon(true);
    }

    /**
     * Listens on a socket in a fresh temporary directory.
     *
     * @param mode device or echo
     * @return the running server
     * @throws IOException if it cannot bind
     */
    public static VfioUserBenchServer start(final Mode mode) throws IOException {
        final Path dir = Files.createTempDirectory("irqsim-vfu-bench");
        final Path sock = dir.resolve("vfu.sock");
        final ServerSocketChannel l = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            l.bind(UnixDomainSocketAddress.of(sock));
        } catch (final IOException e) {
            l.close();
            Files.deleteIfExists(dir);
            throw e;
        }
        final VfioUserBenchServer s = new VfioUserBenchServer(l, dir, sock, mode);
        s.thread.start();
        return s;
    }

    /** @return the socket file */
    public Path socket() {
        return socket;
    }

    private void run() {
        while (!closed) {
            try (SocketChannel c = listener.accept()) {
                current = c;
                serve(c);
            } catch (final IOException e) {
                // the connection (or the listener, on close) ended
            } finally {
                current = null;
            }
        }
    }

    private void serve(final SocketChannel c) throws IOException {
        while (true) {
            header.clear();
            if (!readFully(c, header)) {
                return;
            }
            final int msgId = header.getShort(0) & 0xffff;
            final int cmd = header.getShort(2) & 0xffff;
            final int size = header.getInt(4);
            if (size < 16 || size > MAX_MESSAGE) {
                return;
            }
            body.clear().limit(size - 16);
            if (!readFully(c, body)) {
                return;
            }
            out.clear();
            if (mode == Mode.ECHO) {
                out.position(ECHO_REPLY);
            } else {
                reply(msgId, cmd, size - 16);
            }
            out.flip();
            while (out.hasRemaining()) {
                c.write(out);
            }
        }
    }

    private static boolean readFully(final SocketChannel c, final ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                if (b.position() == 0) {
                    return false;
                }
                throw new EOFException("peer closed in the middle of a message");
            }
        }
        return true;
    }

    /** Writes the reply to {@code out}: header, then the command's payload. */
    private void reply(final int msgId, final int cmd, final int len) {
        out.position(16);
        int error = 0;
        switch (cmd) {
            case VfioUser.CMD_VERSION -> {
                final byte[] json = ("{\"capabilities\":{\"max_msg_fds\":1,\"max_data_xfer_size\":" + MAX_MESSAGE
                    + "}}").getBytes(StandardCharsets.UTF_8);
                out.putShort((short) VfioUser.MAJOR).putShort((short) VfioUser.MINOR).put(json).put((byte) 0);
            }
            case VfioUser.CMD_DEVICE_GET_INFO -> out.putInt(16).putInt(VfioUser.DEVICE_FLAG_PCI).putInt(NUM_REGIONS)
                .putInt(NUM_IRQS);
            case VfioUser.CMD_DEVICE_GET_REGION_INFO -> {
                final int index = body.getInt(8);
                final long size = index == VfioUser.REGION_BAR0 ? BAR0_SIZE : index == VfioUser.REGION_CONFIG
                    ? CONFIG_SIZE : 0;
                final int flags = size > 0 ? VfioUser.REGION_FLAG_READ | VfioUser.REGION_FLAG_WRITE : 0;
                out.putInt(32).putInt(flags).putInt(index).putInt(0).putLong(size).putLong(0);
            }
            case VfioUser.CMD_REGION_READ, VfioUser.CMD_REGION_WRITE -> {
                final long offset = body.getLong(0);
                final int region = body.getInt(8);
                final int count = body.getInt(12);
                out.putLong(offset).putInt(region).putInt(count);
                if (cmd == VfioUser.CMD_REGION_READ && len == 16 && count >= 0 && count <= MAX_MESSAGE - 32) {
                    for (int i = 0; i < count; i++) {
                        final long at = offset + i;
                        out.put(region == VfioUser.REGION_CONFIG && at < CONFIG_SIZE ? config[(int) at]
                            : region == VfioUser.REGION_BAR0 ? (byte) (BAR_VALUE >>> (8 * (at & 3))) : 0);
                    }
                }
            }
            default -> error = 22;              // EINVAL: nothing else is needed
        }
        final int size = out.position();
        out.putShort(0, (short) msgId).putShort(2, (short) cmd).putInt(4, size)
            .putInt(8, VfioUser.F_TYPE_REPLY | (error != 0 ? VfioUser.F_ERROR : 0)).putInt(12, error);
    }

    /** Stops the server and removes its socket. */
    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
            final SocketChannel c = current;
            if (c != null) {
                c.close();
            }
            thread.join(5000);
        } catch (final IOException e) {
            // closing anyway
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        } catch (final IOException e) {
            // a temporary directory: best effort
        }
    }
}
