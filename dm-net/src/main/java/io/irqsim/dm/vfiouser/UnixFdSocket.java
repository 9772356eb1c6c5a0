package io.irqsim.dm.vfiouser;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.IntConsumer;

/**
 * A connected Unix stream socket that sends file descriptors ({@code SCM_RIGHTS}) in the same
 * {@code sendmsg} as the message bytes they belong to, and hands every descriptor received to its
 * caller. vfio-user needs this: libvfio-user reads a message's descriptors with its header
 * ({@code lib/tran_sock.c:get_msg}@efd091b), so descriptors sent in a call of their own are not
 * the message's. The JDK's {@code SocketChannel} has no ancillary data and Netty 4.2's descriptor
 * write is a separate one-byte message, hence JNA ({@code docs/vfio-user.md}).
 *
 * <p>Not thread-safe: one thread sends and receives. Buffers are allocated once per socket.
 */
public final class UnixFdSocket implements Closeable {

    /** Most descriptors accepted in one received call; more are closed by the kernel (MSG_CTRUNC). */
    public static final int MAX_RECEIVED_FDS = 16;
    /** Most descriptors one send may carry (the kernel's SCM_MAX_FD). */
    public static final int MAX_SENT_FDS = 253;
    /** Longest socket path sockaddr_un holds (108 bytes with its NUL). */
    public static final int MAX_PATH_BYTES = 107;

    private static final int CHUNK = 64 * 1024;
    private static final int MSGHDR = 56;
    private static final int CMSGHDR = 16;

    private int fd;
    private final Memory msg = new Memory(MSGHDR);
    private final Memory iov = new Memory(16);
    private final Memory data = new Memory(CHUNK);
    private final Memory control = new Memory(CMSGHDR + 4L * (MAX_SENT_FDS + 1));

    UnixFdSocket(final int fd) {
        this.fd = fd;
    }

    /**
     * @param path the server's socket file
     * @return a connected socket
     * @throws IOException with what failed (no such socket, connection refused, ...)
     */
    public static UnixFdSocket connect(final Path path) throws IOException {
        final byte[] addr = sockaddr(path);
        final int fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException(LibC.describe("socket", LibC.errno()));
        }
        if (LibC.connect(fd, addr, addr.length) != 0) {
            final int errno = LibC.errno();
            LibC.close(fd);
            throw new ConnectFailed(path, errno);
        }
        return new UnixFdSocket(fd);
    }

    /** A connect that failed, with its errno (ENOENT: no socket; ECONNREFUSED: nobody listening). */
    public static final class ConnectFailed extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        ConnectFailed(final Path path, final int errno) {
            super("cannot connect to " + path + ": " + LibC.strerror(errno) + notASocket(path));
            this.errno = errno;
        }

        /** connect(2) says ECONNREFUSED for a path that is not a socket at all: say what it is. */
        private static String notASocket(final Path path) {
            if (java.nio.file.Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return " (it is a regular file, not a socket)";
            }
            if (java.nio.file.Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return " (it is a directory, not a socket)";
            }
            return "";
        }

        /** @return connect(2)'s errno */
        public int errno() {
            return errno;
        }
    }

    static byte[] sockaddr(final Path path) throws IOException {
        final byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length == 0 || p.length > MAX_PATH_BYTES) {
            throw new IOException("socket path must be 1.." + MAX_PATH_BYTES + " bytes: " + path);
        }
        final byte[] addr = new byte[2 + p.length + 1];
        addr[0] = (byte) LibC.AF_UNIX;
        System.arraycopy(p, 0, addr, 2, p.length);
        return addr;
    }

    /**
     * Sets how long a receive or send may block.
     *
     * @param millis 0 for ever
     * @throws IOException if setsockopt fails
     */
    public void setTimeout(final int millis) throws IOException {
        final byte[] tv = new byte[16];
        putLong(tv, 0, millis / 1000);
        putLong(tv, 8, (millis % 1000) * 1000L);
        if (LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, tv, 16) != 0
            || LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDTIMEO, tv, 16) != 0) {
            throw new IOException(LibC.describe("setsockopt", LibC.errno()));
        }
    }

    private static void putLong(final byte[] b, final int off, final long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    /**
     * Sends {@code len} bytes; {@code fds} (may be empty) go with the first byte, in the same
     * sendmsg.
     *
     * @param bytes message bytes
     * @param len how many
     * @param fds descriptors to pass (not closed here)
     * @throws IOException if the peer is gone or the send times out
     */
    public void send(final byte[] bytes, final int len, final int... fds) throws IOException {
        sendSplit(bytes, len, len, fds);
    }

    /**
     * For tests of peers that must refuse it: sends {@code bytes[0..fdsAt)} alone, then the
     * rest with {@code fds} attached, so the descriptors arrive with the wrong bytes.
     *
     * @param bytes message bytes
     * @param len how many
     * @param fdsAt where the descriptors travel ({@code len}: with the first byte, as {@link #send})
     * @param fds descriptors
     * @throws IOException as {@link #send}
     */
    public void sendSplit(final byte[] bytes, final int len, final int fdsAt, final int... fds) throws IOException {
        if (fds.length == 0 || fdsAt <= 0 || fdsAt >= len) {
            sendRange(bytes, 0, len, fds);
        } else {
            sendRange(bytes, 0, fdsAt);
            sendRange(bytes, fdsAt, len, fds);
        }
    }

    private void sendRange(final byte[] bytes, final int from, final int to, final int... fds) throws IOException {
        if (fds.length > MAX_SENT_FDS) {
            throw new IOException(fds.length + " descriptors in one message, the kernel takes at most " + MAX_SENT_FDS);
        }
        int off = from;
        boolean attach = fds.length > 0;
        while (off < to) {
            final int n = Math.min(CHUNK, to - off);
            data.write(0, bytes, off, n);
            iov.setPointer(0, data);
            iov.setLong(8, n);
            msg.clear();
            msg.setPointer(16, iov);
            msg.setLong(24, 1);
            if (attach) {
                control.clear();
                control.setLong(0, CMSGHDR + 4L * fds.length);
                control.setInt(8, LibC.SOL_SOCKET);
                control.setInt(12, LibC.SCM_RIGHTS);
                control.write(CMSGHDR, fds, 0, fds.length);
                msg.setPointer(32, control);
                msg.setLong(40, cmsgSpace(fds.length));
            }
            final long sent = LibC.sendmsg(fd, msg, LibC.MSG_NOSIGNAL);
            if (sent < 0) {
                final int errno = LibC.errno();
                if (errno == LibC.EINTR) {
                    continue;
                }
                throw new IOException(errno == LibC.EAGAIN ? "send timed out" : LibC.describe("sendmsg", errno));
            }
            attach = false;
            off += (int) sent;
        }
    }

    private static long cmsgSpace(final int fds) {
        return CMSGHDR + ((4L * fds + 7) & ~7L);
    }

    /**
     * One recvmsg of at most {@code len} bytes. Every descriptor that arrives is handed to
     * {@code fdSink}, which owns it from then on.
     *
     * @param dst where the bytes go
     * @param off offset in dst
     * @param len most bytes to read
     * @param fdSink receives each descriptor
     * @return bytes read, 0 at end of stream
     * @throws IOException on a timeout, a reset, or descriptors cut short (MSG_CTRUNC)
     */
    public int receive(final byte[] dst, final int off, final int len, final IntConsumer fdSink) throws IOException {
        final int n0 = Math.min(CHUNK, len);
        while (true) {
            iov.setPointer(0, data);
            iov.setLong(8, n0);
            msg.clear();
            msg.setPointer(16, iov);
            msg.setLong(24, 1);
            control.clear();
            msg.setPointer(32, control);
            msg.setLong(40, cmsgSpace(MAX_RECEIVED_FDS));
            final long got = LibC.recvmsg(fd, msg, LibC.MSG_CMSG_CLOEXEC);
            if (got < 0) {
                final int errno = LibC.errno();
                if (errno == LibC.EINTR) {
                    continue;
                }
                throw new IOException(errno == LibC.EAGAIN ? "timed out waiting for the peer"
                    : LibC.describe("recvmsg", errno));
            }
            final boolean truncated = (msg.getInt(48) & LibC.MSG_CTRUNC) != 0;
            deliverFds(fdSink);
            if (truncated) {
                throw new IOException("peer sent more than " + MAX_RECEIVED_FDS + " file descriptors in one message");
            }
            data.read(0, dst, off, (int) got);
            return (int) got;
        }
    }

    private void deliverFds(final IntConsumer fdSink) {
        final long controlLen = msg.getLong(40);
        long at = 0;
        while (at + CMSGHDR <= controlLen) {
            final long cmsgLen = control.getLong(at);
            if (cmsgLen < CMSGHDR || at + cmsgLen > controlLen) {
                return;
            }
            if (control.getInt(at + 8) == LibC.SOL_SOCKET && control.getInt(at + 12) == LibC.SCM_RIGHTS) {
                final int count = (int) ((cmsgLen - CMSGHDR) / 4);
                for (int i = 0; i < count; i++) {
                    fdSink.accept(control.getInt(at + CMSGHDR + 4L * i));
                }
            }
            at += (cmsgLen + 7) & ~7L;
        }
    }

    /**
     * Reads exactly {@code len} bytes (several recvmsg calls if need be).
     *
     * @param dst where the bytes go
     * @param off offset
     * @param len how many
     * @param fdSink receives each descriptor, with the offset of the call's first byte
     * @throws IOException at end of stream before {@code len} bytes, or as {@link #receive}
     */
    public void receiveFully(final byte[] dst, final int off, final int len, final FdSink fdSink) throws IOException {
        int at = 0;
        while (at < len) {
            final int start = at;
            final int n = receive(dst, off + at, len - at, fd -> fdSink.accept(start, fd));
            if (n == 0) {
                throw new java.io.EOFException(at == 0 ? "peer closed the connection"
                    : "peer closed the connection in the middle of a message");
            }
            at += n;
        }
    }

    /** Receives descriptors together with where in the read they arrived. */
    @FunctionalInterface
    public interface FdSink {
        /**
         * @param byteOffset offset (in this receiveFully) of the first byte the descriptor came with
         * @param fd the descriptor, now owned by the sink
         */
        void accept(int byteOffset, int fd);
    }

    /** @return the socket's descriptor, -1 once closed */
    public int fd() {
        return fd;
    }

    /** Shuts both directions down, waking a thread blocked in receive. */
    public void shutdown() {
        if (fd >= 0) {
            LibC.shutdown(fd, LibC.SHUT_RDWR);
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            LibC.close(fd);
            fd = -1;
        }
    }

    /**
     * Closes a descriptor this process received or created.
     *
     * @param descriptor the descriptor
     */
    public static void closeFd(final int descriptor) {
        LibC.close(descriptor);
    }
}
