package io.irqsim.dm.vfiouser;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The few libc calls vfio-user needs that the JDK does not offer: a Unix stream socket whose
 * {@code sendmsg}/{@code recvmsg} carry {@code SCM_RIGHTS} file descriptors in the same call as the
 * message bytes, and {@code eventfd(2)}. JNA direct mapping (registered once, no per-call
 * allocation); constants are Linux's (x86_64 and aarch64 share them and the LP64 struct layouts
 * {@link UnixFdSocket} builds).
 */
final class LibC {

    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;
    static final int SO_RCVTIMEO = 20;
    static final int SO_SNDTIMEO = 21;
    static final int MSG_CTRUNC = 0x8;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int EFD_CLOEXEC = 0x80000;
    static final int SHUT_RDWR = 2;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENOENT = 2;
    static final int ECONNREFUSED = 111;
    static final int EPIPE = 32;
    static final int ECONNRESET = 104;

    static {
        Native.register("c");
    }

    private LibC() {
    }

    static native int socket(int domain, int type, int protocol);

    static native int connect(int fd, byte[] addr, int len);

    /** {@code socketpair(2)}: the two descriptors land in {@code sv[0]} and {@code sv[1]}. */
    static native int socketpair(int domain, int type, int protocol, int[] sv);

    static native int bind(int fd, byte[] addr, int len);

    static native int listen(int fd, int backlog);

    static native int accept4(int fd, Pointer addr, Pointer len, int flags);

    static native long sendmsg(int fd, Pointer msg, int flags);

    static native long recvmsg(int fd, Pointer msg, int flags);

    static native int setsockopt(int fd, int level, int name, byte[] value, int len);

    static native int shutdown(int fd, int how);

    static native int close(int fd);

    static native int eventfd(int initval, int flags);

    static native long read(int fd, byte[] buf, long count);

    static native long write(int fd, byte[] buf, long count);

    /** {@code poll(2)}: {@code fds} holds {@code struct pollfd}s (int fd, short events, short revents; LP64, little-endian). */
    static native int poll(byte[] fds, long nfds, int timeoutMillis);

    static final short POLLIN = 0x1;

    static native String strerror(int errno);

    static final int MFD_CLOEXEC = 1;
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;

    static native int memfd_create(String name, int flags);

    static native int ftruncate(int fd, long length);

    static native Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

    static native int munmap(Pointer addr, long length);

    /** @return the calling thread's errno after the last native call */
    static int errno() {
        return Native.getLastError();
    }

    /**
     * @param what the call that failed
     * @param errno its errno
     * @return "what: strerror (errno N)"
     */
    static String describe(final String what, final int errno) {
        return what + ": " + strerror(errno) + " (errno " + errno + ")";
    }
}
