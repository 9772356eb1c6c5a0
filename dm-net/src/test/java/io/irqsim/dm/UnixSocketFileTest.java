package io.irqsim.dm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What a server may remove at its Unix socket path: before binding only a stale socket, after
 * stopping only the socket it bound. Sockets here are the JDK's own (a closed JDK server socket
 * leaves its file behind, as a crashed server does).
 */
class UnixSocketFileTest {

    private static ServerSocketChannel listen(final Path path) throws IOException {
        final ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        return s;
    }

    private static void mkfifo(final Path path) throws Exception {
        final Process p = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo is not available");
    }

    @Test
    void aFifoAtThePathIsRefusedAndLeftAlone(@TempDir final Path dir) throws Exception {
        final Path fifo = dir.resolve("fifo");
        mkfifo(fifo);
        final IOException e = assertThrows(IOException.class, () -> UnixSocketFile.prepare(fifo));
        assertEquals("cannot listen on unix:" + fifo + ": the path exists and is not a socket (a FIFO); remove it or"
            + " choose another path", e.getMessage());
        assertEquals(0010000, (Integer) Files.getAttribute(fifo, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000,
            "still a FIFO");
    }

    @Test
    void aCharacterDeviceARegularFileADirectoryAndASymlinkAreRefusedAndLeftAlone(@TempDir final Path dir)
        throws Exception {
        final Path regular = Files.writeString(dir.resolve("regular"), "data");
        final Path sub = Files.createDirectory(dir.resolve("sub"));
        final Path link = Files.createSymbolicLink(dir.resolve("link"), regular);
        assertTrue(assertThrows(IOException.class, () -> UnixSocketFile.prepare(Path.of("/dev/null"))).getMessage()
            .contains("(a character device)"));
        assertTrue(assertThrows(IOException.class, () -> UnixSocketFile.prepare(regular)).getMessage()
            .contains("(a regular file)"));
        assertTrue(assertThrows(IOException.class, () -> UnixSocketFile.prepare(sub)).getMessage()
            .contains("(a directory)"));
        assertTrue(assertThrows(IOException.class, () -> UnixSocketFile.prepare(link)).getMessage()
            .contains("(a symbolic link)"));
        assertEquals("data", Files.readString(regular));
        assertTrue(Files.isDirectory(sub));
        assertTrue(Files.isSymbolicLink(link));
        assertTrue(Files.exists(Path.of("/dev/null")));
    }

    @Test
    void aSocketSomeoneListensOnIsRefusedAndLeftAlone(@TempDir final Path dir) throws Exception {
        final Path sock = dir.resolve("live.sock");
        try (ServerSocketChannel live = listen(sock)) {
            final IOException e = assertThrows(IOException.class, () -> UnixSocketFile.prepare(sock));
            assertEquals("cannot listen on unix:" + sock + ": another server is listening there", e.getMessage());
            assertTrue(Files.exists(sock, LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void aStaleSocketIsRemoved(@TempDir final Path dir) throws Exception {
        final Path sock = dir.resolve("stale.sock");
        listen(sock).close(); // the file stays, nobody accepts on it
        assertTrue(Files.exists(sock, LinkOption.NOFOLLOW_LINKS));
        UnixSocketFile.prepare(sock);
        assertFalse(Files.exists(sock, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void onStoppingOnlyTheSocketThisServerBoundIsRemoved(@TempDir final Path dir) throws Exception {
        final Path sock = dir.resolve("dm.sock");
        final UnixSocketFile first = UnixSocketFile.prepare(sock);
        try (ServerSocketChannel a = listen(sock)) {
            first.bound();
            // someone removes the first server's file and a second server binds the path
            Files.delete(sock);
            try (ServerSocketChannel b = listen(sock)) {
                first.release();
                assertTrue(Files.exists(sock, LinkOption.NOFOLLOW_LINKS), "the second server's socket stays");
            }
        }
        Files.delete(sock);
        final UnixSocketFile again = UnixSocketFile.prepare(sock);
        try (ServerSocketChannel c = listen(sock)) {
            again.bound();
            again.release();
            assertFalse(Files.exists(sock, LinkOption.NOFOLLOW_LINKS), "its own socket goes");
        }
    }
}
