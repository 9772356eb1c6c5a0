package io.irqsim.hv.policy;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.platform.DefaultPlatform;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;

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

    @Provide
    Arbitrary<List<Write>> writes() {
        final Arbitrary<Integer> pins = Arbitraries.integers().between(16, 23);
        // mostly kernel-like low dwords (vector, trigger, polarity, mask), sometimes anything
        final Arbitrary<Integer> lows = Combinators.combine(Arbitraries.integers().between(0, 255),
                Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.of(true, false))
            .as((vector, level, low, masked) -> (int) Rte.of(vector, Rte.DM_FIXED, false, low, level, masked, 0));
        final Arbitrary<Integer> values = Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, lows), net.jqwik.api.Tuple.of(1, Arbitraries.integers()));
        return Combinators.combine(pins, Arbitraries.of(false, false, false, true), values)
            .as(Write::new).list().ofMinSize(1).ofMaxSize(40);
    }

    // vioapic_write_redirent + mp_register_gsi over random dom0 write sequences
    @Property(tries = 150, seed = "20231206") // fixed seed: the run is deterministic
    void physicalProgrammingChangesOnlyOnTheFirstUnmaskOfAPin(@ForAll("writes") final List<Write> writes) {
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
