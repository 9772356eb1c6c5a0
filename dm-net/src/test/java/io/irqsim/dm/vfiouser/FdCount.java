package io.irqsim.dm.vfiouser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Open descriptors of this process (Linux /proc) of the kinds a vfio-user client can leak: sockets,
 * eventfds and other anonymous inodes, pipes, memfds (the shared DMA window). Regular files are left out: the JVM opens jars and
 * class files on its own schedule while a test runs (a class loaded for the first time), which says
 * nothing about the client.
 */
final class FdCount {

    private FdCount() {
    }

    static long open() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(FdCount::isLeakable).count();
        }
    }

    private static boolean isLeakable(final Path fd) {
        try {
            final String target = Files.readSymbolicLink(fd).toString();
            return target.startsWith("socket:") || target.startsWith("anon_inode:") || target.startsWith("pipe:")
                || target.startsWith("/memfd:");
        } catch (final NoSuchFileException e) {
            return false; // closed while listed (the listing's own descriptor, another thread's)
        } catch (final IOException e) {
            return false;
        }
    }
}
