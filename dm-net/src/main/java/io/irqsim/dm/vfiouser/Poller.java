package io.irqsim.dm.vfiouser;

import java.io.IOException;

/** {@code poll(2)} on one or two descriptors, with one {@code struct pollfd} buffer reused. */
final class Poller {

    private final byte[] pfd = new byte[16];

    /**
     * @param fd descriptor
     * @param timeoutMillis wait (0: none)
     * @return whether it is readable (or hung up: the next read says which)
     * @throws IOException if poll fails
     */
    boolean readable(final int fd, final int timeoutMillis) throws IOException {
        return poll(fd, -1, timeoutMillis) != 0;
    }

    /**
     * @param a first descriptor
     * @param b second descriptor, or -1
     * @param timeoutMillis wait
     * @return bit 0: {@code a} readable, bit 1: {@code b} readable; 0 when the time ran out
     * @throws IOException if poll fails
     */
    int poll(final int a, final int b, final int timeoutMillis) throws IOException {
        put(0, a);
        put(8, b);
        while (true) {
            final int n = LibC.poll(pfd, b < 0 ? 1 : 2, timeoutMillis);
            if (n >= 0) {
                return (revents(0) != 0 ? 1 : 0) | (b >= 0 && revents(8) != 0 ? 2 : 0);
            }
            final int errno = LibC.errno();
            if (errno != LibC.EINTR) {
                throw new IOException(LibC.describe("poll", errno));
            }
        }
    }

    private void put(final int at, final int fd) {
        pfd[at] = (byte) fd;
        pfd[at + 1] = (byte) (fd >>> 8);
        pfd[at + 2] = (byte) (fd >>> 16);
        pfd[at + 3] = (byte) (fd >>> 24);
        pfd[at + 4] = (byte) LibC.POLLIN;
        pfd[at + 5] = 0;
        pfd[at + 6] = 0;
        pfd[at + 7] = 0;
    }

    private int revents(final int at) {
        return (pfd[at + 6] & 0xff) | ((pfd[at + 7] & 0xff) << 8);
    }
}
