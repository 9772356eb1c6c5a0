package io.irqsim.bench;

import io.irqsim.dm.net.ForwardedReadBenchmark;
import io.irqsim.dm.net.ModelInterruptBenchmark;
import io.irqsim.dm.vfiouser.VfioUserReadBenchmark;
import io.irqsim.hv.InjectionBenchmark;
import io.irqsim.hv.PvDom0EventBenchmark;
import io.irqsim.hv.VioapicTrapBenchmark;
import io.irqsim.hv.trace.TraceRecordingBenchmark;
import io.irqsim.hw.apic.LocalApicBenchmark;
import io.irqsim.hw.ioapic.IoApicRteWriteBenchmark;
import io.irqsim.hw.mmio.MmioBusBenchmark;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The build's proof that the in-memory hot paths allocate nothing (docs/architecture.md: "Hot paths allocate
 * nothing"): every {@code @Benchmark} method, for every parameter combination, runs
 * {@value #WARMUP} times, then in windows of {@value #WINDOW} calls with the calling thread's
 * allocation counter ({@link com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes()})
 * read right before and after each call. A window must come out at exactly 0 bytes; up to
 * {@value #WINDOWS} windows are tried. Invocation-level set-up and tear-down run outside the
 * readings, as JMH keeps them out of its timings. Nothing is timed.
 *
 * <p>Why windows and not one reading: the counter is exact (it includes the bytes used in the
 * thread's current TLAB) and reading it allocates nothing ({@link #counterReadingAllocatesNothing}),
 * but while C2 is still compiling the path the JVM does a little one-time work of its own on the
 * running thread (a few strings of 56..448 bytes in all, attributed to no bytecode of ours; it
 * never happens with {@code -Xint} nor with C1 only, and stops after some 100,000 calls). An
 * operation that allocates does so in every window, so it still fails; the JVM's one-time work
 * does not repeat, so a later window is clean. Every path here also measures 0 bytes with
 * {@code -Xint}: they are allocation-free by construction (no iterators, boxing, varargs, lambdas
 * made per call, copied lists), not only after escape analysis.
 *
 * <p>Benchmarks annotated {@link AllocatesByDesign} are run a few times and their allocation per
 * operation is printed, not asserted. The socket benchmarks ({@link #SOCKET_BENCHMARKS}) are not
 * run here at all, each for the reason given there.
 */
class AllocationFreeTest {

    /** Every benchmark class; {@link #everyBenchmarkClassIsChecked} keeps this list complete. */
    static final List<Class<?>> BENCHMARKS = List.of(IoApicRteWriteBenchmark.class, LocalApicBenchmark.class,
        MmioBusBenchmark.class, VioapicTrapBenchmark.class, InjectionBenchmark.class, PvDom0EventBenchmark.class,
        TraceRecordingBenchmark.class);

    /**
     * The benchmark classes this test leaves out, with why: what they measure crosses sockets and
     * three threads (the JMH thread only waits for a batch, so its allocation counter would read
     * nearly nothing and prove nothing), and the protocol path allocates a few small objects per
     * frame on the event loops by design (frame records, futures per batch). {@code -prof gc}
     * reports their allocation; {@link #everyBenchmarkClassIsChecked} keeps this list and
     * {@link #BENCHMARKS} together complete.
     */
    static final Map<Class<?>, String> SOCKET_BENCHMARKS = Map.of(
        ForwardedReadBenchmark.class, "a forwarded MMIO read over a real socket, on the server's and the model's"
            + " event loops, next to a raw Netty echo",
        ModelInterruptBenchmark.class, "model-raised interrupts over a real socket, on the server's and the model's"
            + " event loops, next to a raw Netty echo",
        VfioUserReadBenchmark.class, "a guest BAR read forwarded as a vfio-user REGION_READ over a Unix socket to a"
            + " server thread, next to a raw echo on the same socket (the client's message arrays)");

    static final int WARMUP = 20_000;
    static final int WINDOW = 100_000;
    static final int WINDOWS = 5;
    static final int BY_DESIGN_ITERATIONS = 200;

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static long allocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    @Test
    void counterReadingAllocatesNothing() {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled(),
            "this JVM does not count per-thread allocation");
        long total = 0;
        for (int i = 0; i < WINDOW; i++) {
            final long before = allocatedBytes();
            total += allocatedBytes() - before;
        }
        assertEquals(0, total, "reading the allocation counter allocated");
        final long before = allocatedBytes();
        final long[] sink = new long[1000];
        assertTrue(allocatedBytes() - before >= 8000, "the counter did not see an 8 KB array" + sink.length);
    }

    @Test
    void everyBenchmarkClassIsChecked() throws IOException {
        final Set<String> listed = new TreeSet<>();
        try (InputStream in = getClass().getResourceAsStream("/META-INF/BenchmarkList")) {
            assertNotNull(in, "META-INF/BenchmarkList missing: JMH's annotation processor did not run");
            final BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                // "JMH S <length> <benchmark class> S <length> <generated class> ..."
                final String[] tokens = line.split(" ");
                if (tokens.length > 3) {
                    listed.add(tokens[3]);
                }
            }
        }
        final Set<String> checked = new TreeSet<>();
        BENCHMARKS.forEach(c -> checked.add(c.getName()));
        SOCKET_BENCHMARKS.keySet().forEach(c -> checked.add(c.getName()));
        assertEquals(listed, checked, "AllocationFreeTest.BENCHMARKS (or SOCKET_BENCHMARKS, with a reason) must name"
            + " every benchmark class");
        for (final Class<?> c : SOCKET_BENCHMARKS.keySet()) {
            assertTrue(!BENCHMARKS.contains(c) && !SOCKET_BENCHMARKS.get(c).isBlank(), c.getSimpleName());
        }
    }

    @TestFactory
    List<DynamicTest> everyInMemoryBenchmarkAllocatesNothing() {
        final List<DynamicTest> tests = new ArrayList<>();
        for (final Class<?> type : BENCHMARKS) {
            for (final Method m : BenchmarkDriver.benchmarkMethods(type)) {
                for (final Map<String, String> params : BenchmarkDriver.parameterCombinations(m)) {
                    final String name = type.getSimpleName() + "." + m.getName() + (params.isEmpty() ? "" : params);
                    final AllocatesByDesign byDesign = m.getAnnotation(AllocatesByDesign.class);
                    tests.add(DynamicTest.dynamicTest(name, () -> {
                        if (byDesign != null) {
                            reportAllocation(m, params, byDesign);
                        } else {
                            assertAllocatesNothing(m, params);
                        }
                    }));
                }
            }
        }
        return tests;
    }

    private static void assertAllocatesNothing(final Method m, final Map<String, String> params) throws Throwable {
        try (BenchmarkDriver d = BenchmarkDriver.open(m, params)) {
            for (int i = 0; i < WARMUP; i++) {
                d.beforeEach();
                d.invokeOnce();
                d.afterEach();
            }
            final List<Long> windows = new ArrayList<>();
            for (int w = 0; w < WINDOWS; w++) {
                final long bytes = measure(d, WINDOW);
                if (bytes == 0) {
                    return;
                }
                windows.add(bytes);
            }
            throw new AssertionError(d.name() + " allocated in every window of " + WINDOW + " operations: " + windows
                + " bytes (" + (double) windows.get(WINDOWS - 1) / WINDOW + " B/op in the last); find where with"
                + " -prof gc, or JFR's jdk.ObjectAllocationOutsideTLAB events with -XX:-UseTLAB");
        }
    }

    private static void reportAllocation(final Method m, final Map<String, String> params,
                                         final AllocatesByDesign why) throws Throwable {
        try (BenchmarkDriver d = BenchmarkDriver.open(m, params)) {
            for (int i = 0; i < BY_DESIGN_ITERATIONS; i++) {
                d.beforeEach();
                d.invokeOnce();
                d.afterEach();
            }
            final long total = measure(d, BY_DESIGN_ITERATIONS);
            System.out.printf("%s allocates %.0f B/op by design (not checked): %s%n", d.name(),
                (double) total / BY_DESIGN_ITERATIONS, why.value());
        }
    }

    private static long measure(final BenchmarkDriver d, final int iterations) throws Throwable {
        long total = 0;
        for (int i = 0; i < iterations; i++) {
            d.beforeEach();
            final long before = allocatedBytes();
            d.invokeOnce();
            total += allocatedBytes() - before;
            d.afterEach();
        }
        return total;
    }
}
