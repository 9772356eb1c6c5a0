package io.irqsim.dm.vfiouser;

import java.io.Closeable;
import java.io.IOException;

/**
 * An {@code eventfd(2)} counter: how vfio-user delivers interrupts. The client creates one per
 * interrupt and passes it to the server with {@code VFIO_USER_DEVICE_SET_IRQS}; the server writes
 * to it to raise the interrupt, the client reads it (which returns and clears the count).
 */
public final class Eventfd implements Closeable {

    private int fd;
    private final byte[] buf = new byte[8];
    /** One {@code struct pollfd} for {@link #await(int)}, filled once the descriptor is known. */
    private final byte[] pollfd = new byte[8];

    private Eventfd(final int fd) {
        this.fd = fd;
    }

    /**
     * @return a new blocking, close-on-exec eventfd with count 0
     * @throws IOException if the process is out of descriptors
     */
    public static Eventfd create() throws IOException {
        final int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC);
        if (fd < 0) {
            throw new IOException(LibC.describe("eventfd", LibC.errno()));
        }
        return new Eventfd(fd);
    }

    /**
     * Wraps a descriptor received from a peer (it must be an eventfd).
     *
     * @param fd the descriptor, now owned by the result
     * @return the wrapper
     */
    public static Eventfd adopt(final int fd) {
        return new Eventfd(fd);
    }

    /** @return the descriptor */
    public int fd() {
        return fd;
    }

    /**
     * Adds 1 to the counter (raises the interrupt).
     *
     * @throws IOException if the write fails
     */
    public void signal() throws IOException {
        buf[0] = 1;
        for (int i = 1; i < 8; i++) {
            buf[i] = 0;
        }
        if (LibC.write(fd, buf, 8) != 8) {
            throw new IOException(LibC.describe("eventfd write", LibC.errno()));
        }
    }

    /**
     * Blocks until the counter is non-zero, then returns and clears it.
     *
     * @return the count
     * @throws IOException if the read fails
     */
    public long await() throws IOException {
        while (true) {
            final long n = LibC.read(fd, buf, 8);
            if (n == 8) {
                long v = 0;
                for (int i = 7; i >= 0; i--) {
                    v = (v << 8) | (buf[i] & 0xff);
                }
                return v;
            }
            final int errno = LibC.errno();
            if (n < 0 && errno == LibC.EINTR) {
                continue;
            }
            throw new IOException(LibC.describe("eventfd read", errno));
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for the counter to become non-zero, then returns and clears it.
     *
     * @param timeoutMillis how long to wait, in milliseconds
     * @return the count, or 0 when the time ran out
     * @throws IOException if poll or the read fails
     */
    public long await(final int timeoutMillis) throws IOException {
        final byte[] pfd = pollfd;
        pfd[0] = (byte) fd;
        pfd[1] = (byte) (fd >>> 8);
        pfd[2] = (byte) (fd >>> 16);
        pfd[3] = (byte) (fd >>> 24);
        pfd[4] = (byte) LibC.POLLIN;
        pfd[5] = 0;
        pfd[6] = 0;
        pfd[7] = 0;
        while (true) {
            final int n = LibC.poll(pfd, 1, timeoutMillis);
            if (n > 0) {
                return await();
            }
            if (n == 0) {
                return 0;
            }
            final int errno = LibC.errno();
            if (errno != LibC.EINTR) {
                throw new IOException(LibC.describe("eventfd poll", errno));
            }
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            LibC.close(fd);
            fd = -1;
        }
    }
}
