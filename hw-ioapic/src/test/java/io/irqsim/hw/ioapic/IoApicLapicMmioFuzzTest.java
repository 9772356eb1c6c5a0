package io.irqsim.hw.ioapic;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.irqsim.hw.ioapic.IoApicShadowPlatform.Choices;
import io.irqsim.hw.ioapic.IoApicShadowPlatform.Counters;
import io.irqsim.hw.ioapic.IoApicShadowPlatform.Platform;

/**
 * Coverage-guided fuzzing of the IO-APIC and LAPIC MMIO register models: the fuzzer's input picks
 * a model, an initial APIC ID and a sequence of operations (MMIO accesses of any size and offset,
 * kernel IOREGSEL/IOWIN pairs, pin changes, INTA/EOI/TPR/SVR, EOI-register writes, clock
 * advances), and every operation is checked against the shadow model of
 * {@link IoApicShadowPlatform}. Any exception or broken invariant is a finding. The normal build
 * replays the seeds in {@code IoApicLapicMmioFuzzTestInputs/}; docs/fuzzing.md runs a campaign.
 */
class IoApicLapicMmioFuzzTest {

    /** Operations per input, so one input stays fast. */
    private static final int MAX_OPS = 2000;

    /** Choices read from the fuzzer's input (0 once it runs out). */
    record InputChoices(FuzzedDataProvider data) implements Choices {
        @Override
        public int between(final int lo, final int hi) {
            return data.consumeInt(lo, hi);
        }

        @Override
        public int anyInt() {
            return data.consumeInt();
        }

        @Override
        public long anyLong() {
            return data.consumeLong();
        }
    }

    @FuzzTest(maxDuration = "10m")
    void registerModelsKeepTheirInvariantsUnderAnyOperations(final FuzzedDataProvider data) {
        final Choices c = new InputChoices(data);
        final IoApicModel model = IoApicShadowPlatform.MODELS[c.between(0, IoApicShadowPlatform.MODELS.length - 1)];
        final Platform p = new Platform(model, c.between(0, 15), new Counters());
        int ops = 0;
        while (data.remainingBytes() > 0 && ops < MAX_OPS) {
            p.apply(IoApicShadowPlatform.nextOp(c), ops++);
        }
        p.finish(ops);
    }
}
