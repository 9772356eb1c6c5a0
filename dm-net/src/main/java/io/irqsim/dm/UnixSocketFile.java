package io.irqsim.dm;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The file of a Unix domain socket a server listens on: what may be removed before binding, and
 * what may be removed after. QEMU's {@code unix_listen_saddr} ({@code util/qemu-sockets.c}, read at
 * master commit 00064705) unlinks whatever is at the path before binding, and
 * {@code socket_listen_cleanup} unlinks the path on the way out whatever is there by then; irqsim
 * is more careful, since a path is easy to mistype and two servers may be given the same one:
 *
 * <ul>
 *   <li>before binding, only a <em>stale socket</em> is removed: a socket file ({@code S_IFSOCK})
 *       that nobody accepts connections on (connecting is refused). A FIFO, a device node, a
 *       regular file, a directory or a symbolic link is never touched, and a socket another
 *       server still listens on is left to it: both are errors;</li>
 *   <li>after binding, the file's identity (device and inode) is remembered, and when the server
 *       stops it removes the file only if it is still that one: a later server that took the path
 *       over (after this one's file was removed by hand) keeps its socket.</li>
 * </ul>
 */
public final class UnixSocketFile {

    /** {@code S_IFMT} and {@code S_IFSOCK} of {@code <sys/stat.h>}: the file-type bits of {@code st_mode}. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private Object identity;

    private UnixSocketFile(final Path path) {
        this.path = path;
    }

    /**
     * Makes {@code path} ready for a bind: nothing there, or a stale socket, which is removed.
     *
     * @param path where the server is to listen
     * @return the file, to {@link #bound} once the bind succeeded
     * @throws IOException with the reason if something other than a stale socket is there
     */
    public static UnixSocketFile prepare(final Path path) throws IOException {
        final UnixSocketFile f = new UnixSocketFile(path);
        final Integer mode = f.mode();
        if (mode == null) {
            return f;
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException("cannot listen on unix:" + path + ": the path exists and is not a socket"
                + " (" + kind(mode) + "); remove it or choose another path");
        }
        if (f.accepting()) {
            throw new IOException("cannot listen on unix:" + path + ": another server is listening there");
        }
        Files.deleteIfExists(path);
        return f;
    }

    /**
     * Remembers which file the bind created.
     *
     * @throws IOException if it cannot be read
     */
    public void bound() throws IOException {
        identity = Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS) + ":"
            + Files.getAttribute(path, "unix:dev", LinkOption.NOFOLLOW_LINKS);
    }

    /** Removes the socket file if it is still the one this server bound; best effort. */
    public void release() {
        if (identity == null) {
            return;
        }
        try {
            final Object now = Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS) + ":"
                + Files.getAttribute(path, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            if (now.equals(identity)) {
                Files.deleteIfExists(path);
            }
        } catch (final IOException | UnsupportedOperationException e) {
            // gone already, or not ours to judge: leave it
        }
        identity = null;
    }

    /** @return the path */
    public Path path() {
        return path;
    }

    /** @return {@code st_mode} of the path itself (not a link's target), or {@code null} if nothing is there */
    private Integer mode() throws IOException {
        try {
            return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (final NoSuchFileException e) {
            return null;
        } catch (final UnsupportedOperationException e) {
            throw new IOException("cannot listen on unix:" + path + ": the file system does not say what the path is");
        }
    }

    /** @return whether a server accepts connections on the socket (a refused connection: stale) */
    private boolean accepting() throws IOException {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (final ConnectException refused) {
            return false;
        } catch (final IOException e) {
            throw new IOException("cannot listen on unix:" + path + ": cannot tell whether the socket there is in use ("
                + e.getMessage() + ")", e);
        }
    }

    private static String kind(final int mode) {
        switch (mode & S_IFMT) {
            case 0010000: return "a FIFO";
            case 0020000: return "a character device";
            case 0040000: return "a directory";
            case 0060000: return "a block device";
            case 0100000: return "a regular file";
            case 0120000: return "a symbolic link";
            default: return "file type 0" + Integer.toOctalString(mode & S_IFMT);
        }
    }
}
