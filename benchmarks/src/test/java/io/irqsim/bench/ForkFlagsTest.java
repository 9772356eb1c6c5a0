package io.irqsim.bench;

import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fork settings every benchmark class carries: at least two forks, each started with exactly
 * the JVM flags of the root pom's {@code irqsim.jvm.flags} (which surefire passes in as a system
 * property), average time in ns. The CI smoke run uses {@code -f 0}, so this is what keeps the
 * forked configuration of a full run from rotting unnoticed.
 */
class ForkFlagsTest {

    @Test
    void everyBenchmarkForksTwiceWithThePomsJvmFlags() {
        final String property = System.getProperty("irqsim.jvm.flags");
        assertNotNull(property, "surefire must pass irqsim.jvm.flags (benchmarks/pom.xml)");
        final String[] expected = property.trim().split("\\s+");
        final List<Class<?>> every = new ArrayList<>(AllocationFreeTest.BENCHMARKS);
        every.addAll(AllocationFreeTest.SOCKET_BENCHMARKS.keySet());
        for (final Class<?> type : every) {
            final Fork fork = type.getAnnotation(Fork.class);
            assertNotNull(fork, type.getSimpleName() + " has no class-level @Fork");
            assertTrue(fork.value() >= 2, type.getSimpleName() + " forks fewer than twice");
            assertArrayEquals(expected, fork.jvmArgsAppend(), type.getSimpleName() + ": @Fork(jvmArgsAppend) differs"
                + " from the root pom's irqsim.jvm.flags (update io.irqsim.bench.JvmFlags)");
            assertEquals(List.of(Mode.AverageTime), List.of(type.getAnnotation(BenchmarkMode.class).value()),
                type.getSimpleName());
            assertEquals(TimeUnit.NANOSECONDS, type.getAnnotation(OutputTimeUnit.class).value(), type.getSimpleName());
        }
    }

    /**
     * The Add-Exports/Add-Opens manifest lists of the cli and benchmarks jars (root pom
     * properties) say the same as {@code irqsim.jvm.flags}, so {@code java -jar} gets the flags
     * the tests and forks get.
     */
    @Test
    void manifestListsMatchTheJvmFlags() {
        final List<String> exports = new ArrayList<>();
        final List<String> opens = new ArrayList<>();
        for (final String flag : System.getProperty("irqsim.jvm.flags").trim().split("\\s+")) {
            final String[] kv = flag.split("=", 2);
            final String pkg = kv[1].substring(0, kv[1].lastIndexOf('='));
            assertTrue(kv[1].endsWith("=ALL-UNNAMED"), flag);
            switch (kv[0]) {
                case "--add-exports" -> exports.add(pkg);
                case "--add-opens" -> opens.add(pkg);
                default -> throw new AssertionError("unexpected JVM flag " + flag);
            }
        }
        assertEquals(exports, List.of(System.getProperty("irqsim.manifest.add-exports").trim().split("\\s+")));
        assertEquals(opens, List.of(System.getProperty("irqsim.manifest.add-opens").trim().split("\\s+")));
    }
}
