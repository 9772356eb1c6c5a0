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
}
