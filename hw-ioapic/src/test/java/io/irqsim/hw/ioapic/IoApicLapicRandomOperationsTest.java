package io.irqsim.hw.ioapic;

import io.irqsim.hw.ioapic.IoApicShadowPlatform.Choices;
import io.irqsim.hw.ioapic.IoApicShadowPlatform.Counters;
import io.irqsim.hw.ioapic.IoApicShadowPlatform.Op;
import io.irqsim.hw.ioapic.IoApicShadowPlatform.Platform;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random-operation testing of one IO-APIC + ApicBus + two LAPICs against the shadow model of
 * {@link IoApicShadowPlatform}: 1000 runs x 1000 operations (MMIO accesses at random offsets in
 * and slightly beyond the window with sizes 1/2/3/4/8/16, kernel-style IOREGSEL/IOWIN pairs, pin
 * level changes, LAPIC INTA/EOI/TPR/SVR writes, IO-APIC EOI register writes and virtual-clock
 * advances) on the ICH (0x20) and 82093AA (0x11) profiles with 24 and 48 pins, plus Xen's
 * 32-bit-IOREGSEL vIO-APIC. Deterministic: run {@code i} draws from {@code new Random(SEED + i)},
 * and a failure names the run's seed so it can be replayed alone.
 */
class IoApicLapicRandomOperationsTest {

    private static final long SEED = 20240611L;
    private static final int RUNS = 1000;
    private static final int OPS_PER_RUN = 1000;

    /** Choices from a seeded {@link Random}. */
    record RandomChoices(Random random) implements Choices {
        @Override
        public int between(final int lo, final int hi) {
            return lo + random.nextInt(hi - lo + 1);
        }

        @Override
        public int anyInt() {
            return random.nextInt();
        }

        @Override
        public long anyLong() {
            return random.nextLong();
        }
    }

    // IoApic class comment + 82093AA 3.2: random guest and device activity never breaks the register
    // model, and the million operations reach every state the invariants are about
    @Test
    void randomOperationsKeepTheRegisterModelConsistent() {
        final Counters counters = new Counters();
        for (int run = 0; run < RUNS; run++) {
            final long seed = SEED + run;
            final Choices c = new RandomChoices(new Random(seed));
            final IoApicModel model = IoApicShadowPlatform.MODELS[c.between(0, IoApicShadowPlatform.MODELS.length - 1)];
            final Platform p = new Platform(model, c.between(0, 15), counters);
            try {
                for (int i = 0; i < OPS_PER_RUN; i++) {
                    final Op op = IoApicShadowPlatform.nextOp(c);
                    p.apply(op, i);
                }
                p.finish(OPS_PER_RUN);
            } catch (final AssertionError e) {
                throw new AssertionError("run with seed " + seed + " on " + model + ": " + e.getMessage(), e);
            }
        }
        assertTrue(counters.operations >= 1_000_000L, "only " + counters.operations + " operations ran");
        assertTrue(counters.remoteIrrRises > 1000, "Remote IRR rose " + counters.remoteIrrRises + " times");
        assertTrue(counters.remoteIrrEoiClears > 300, "EOI cleared Remote IRR " + counters.remoteIrrEoiClears + " times");
        assertTrue(counters.remoteIrrEdgeClears > 300, "edge switch cleared Remote IRR " + counters.remoteIrrEdgeClears);
        assertTrue(counters.readsPredicted > 100_000, "only " + counters.readsPredicted + " reads predicted");
        assertTrue(counters.maskedEdges > 1000, "masked edges dropped " + counters.maskedEdges);
        assertTrue(counters.acknowledged > 3000, "interrupts acknowledged " + counters.acknowledged);
    }
}
