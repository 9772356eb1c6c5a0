package io.irqsim.hv.policy;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random sequences of hardware-domain RTE writes under Xen's ON_UNMASK rule
 * ({@code vioapic_write_redirent} + {@code mp_register_gsi}): the physical IO-APIC's programming
 * (everything but the read-only Remote IRR / delivery status) changes only on a low-dword write
 * that unmasks a masked entry of a pin never registered before, and then takes that entry's
 * trigger and polarity.
 */
class OnUnmaskPhysicalIoApicPropertyTest {

    static final long RO = Rte.REMOTE_IRR | Rte.DELIVERY_STATUS;

    /** One guest write of one RTE dword. */
    record Write(int pin, boolean topWord, int value) {
    }

    static final long SEED = 20231206L;
    static final int RUNS = 150;

    /**
     * @param random the run's source
     * @return 1 to 40 writes to pins 16..23, a quarter of them high dwords; values mostly
     *     kernel-like low dwords (vector, trigger, polarity, mask), one in five anything
     */
    static List<Write> writes(final Random random) {
        final int n = 1 + random.nextInt(40);
        final List<Write> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            final int pin = 16 + random.nextInt(8);
            final boolean topWord = random.nextInt(4) == 0;
            final int value = random.nextInt(5) == 4 ? random.nextInt()
                : (int) Rte.of(random.nextInt(256), Rte.DM_FIXED, false, random.nextBoolean(), random.nextBoolean(),
                    random.nextBoolean(), 0);
            out.add(new Write(pin, topWord, value));
        }
        return out;
    }

    // vioapic_write_redirent + mp_register_gsi over random dom0 write sequences (run i: seed SEED + i)
    @Test
    void physicalProgrammingChangesOnlyOnTheFirstUnmaskOfAPin() {
        for (int run = 0; run < RUNS; run++) {
            final long seed = SEED + run;
            try {
                check(writes(new Random(seed)));
            } catch (final AssertionError e) {
                throw new AssertionError("run with seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    private static void check(final List<Write> writes) {
        try (Rig rig = Rig.boot(DefaultPlatform.spec(), XenConfig.XEN_4_20, clock -> TraceRecorder.inMemory(clock, 16))) {
            rig.trace.setEnabled(false);
            final Domain dom0 = rig.pvhDom0();
            final Vcpu v = dom0.vcpu(0);
            final IoApic vioapic = dom0.vioapics().get(0);
            for (final Write w : writes) {
                final long oldRte = vioapic.rte(w.pin());
                final boolean wasProgrammed = rig.xen.ioapicRouting().isPinProgrammed(w.pin());
                final long[] before = masked(rig.physTable());
                if (w.topWord()) {
                    Rig.writeRteHigh(v, Rig.defaultVioapicBase(), w.pin(), w.value());
                } else {
                    Rig.writeRteLow(v, w.pin(), w.value());
                }
                final long newRte = vioapic.rte(w.pin());
                final long[] after = masked(rig.physTable());
                final boolean unmasked = !w.topWord() && Rte.isMasked(oldRte) && !Rte.isMasked(newRte);
                if (unmasked && !wasProgrammed) {
                    assertEquals(Rte.isLevel(newRte), Rte.isLevel(after[w.pin()]), "trigger of the unmasking entry");
                    assertEquals(Rte.isActiveLow(newRte), Rte.isActiveLow(after[w.pin()]), "polarity of the unmasking entry");
                    after[w.pin()] = before[w.pin()];
                }
                assertArrayEquals(before, after, w.toString());
            }
        }
    }

    static long[] masked(final long[] table) {
        for (int i = 0; i < table.length; i++) {
            table[i] &= ~RO;
        }
        return table;
    }
}
