package io.irqsim.dm.vfiouser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Open descriptors of this process (Linux /proc), to show a path leaks none. */
final class FdCount {

    private FdCount() {
    }

    static long open() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
