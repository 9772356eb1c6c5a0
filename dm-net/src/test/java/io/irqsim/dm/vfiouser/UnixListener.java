package io.irqsim.dm.vfiouser;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/** Test side: a listening Unix stream socket whose connections are {@link UnixFdSocket}s. */
final class UnixListener implements Closeable {

    private int fd;

    private UnixListener(final int fd) {
        this.fd = fd;
    }

    static UnixListener bind(final Path path) throws IOException {
        final byte[] addr = UnixFdSocket.sockaddr(path);
        final int fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException(LibC.describe("socket", LibC.errno()));
        }
        if (LibC.bind(fd, addr, addr.length) != 0 || LibC.listen(fd, 8) != 0) {
            final int errno = LibC.errno();
            LibC.close(fd);
            throw new IOException(LibC.describe("bind/listen " + path, errno));
        }
        return new UnixListener(fd);
    }

    /** @return the next connection, or null once {@link #close} was called */
    UnixFdSocket accept() {
        while (true) {
            final int c = LibC.accept4(fd, null, null, LibC.SOCK_CLOEXEC);
            if (c >= 0) {
                return new UnixFdSocket(c);
            }
            if (LibC.errno() != LibC.EINTR) {
                return null;
            }
        }
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            LibC.shutdown(fd, LibC.SHUT_RDWR);
            LibC.close(fd);
            fd = -1;
        }
    }
}
