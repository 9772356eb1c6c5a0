package io.irqsim.hv.policy;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three answers to "when does Xen map a hardware-domain GSI", checked against every
 * combination of old mask, new mask and written dword, with a recording {@link HwdomGsiMapper}.
 */
class HwdomGsiMapPoliciesTest {

    /** Records the calls a policy makes. */
    static final class Spy implements HwdomGsiMapper {
        final List<String> calls = new ArrayList<>();
        int mapPirqResult;

        @Override
        public int mapGsi(final Domain hwdom, final int gsi, final boolean level, final boolean activeLow) {
            calls.add("map " + gsi + (level ? " level" : " edge") + (activeLow ? " low" : " high"));
            return 0;
        }

        @Override
        public int registerAndBind(final Domain hwdom, final int gsi, final boolean level, final boolean activeLow) {
            calls.add("register+bind " + gsi + (level ? " level" : " edge") + (activeLow ? " low" : " high"));
            return 0;
        }

        @Override
        public int mapPirq(final Domain hwdom, final int gsi) {
            calls.add("pirq " + gsi);
            return mapPirqResult;
        }
    }

    static final long MASKED_EDGE_HIGH = Rte.of(0x30, Rte.DM_FIXED, false, false, false, true, 0);
    static final long UNMASKED_LEVEL_LOW = Rte.of(0x31, Rte.DM_FIXED, false, true, true, false, 0);
    static final long MASKED_LEVEL_LOW = Rte.of(0x31, Rte.DM_FIXED, false, true, true, true, 0);
    static final long UNMASKED_EDGE_HIGH = Rte.of(0x30, Rte.DM_FIXED, false, false, false, false, 0);

    // vioapic_write_redirent: only (!top_word && old mask && !new mask) calls vioapic_hwdom_map_gsi,
    // with the new entry's trigger and polarity
    @Test
    void onUnmaskMapsOnlyOnALowDwordMaskedToUnmaskedTransition() {
        final long[] entries = {MASKED_EDGE_HIGH, UNMASKED_LEVEL_LOW, MASKED_LEVEL_LOW, UNMASKED_EDGE_HIGH};
        int transitions = 0;
        for (final long oldRte : entries) {
            for (final long newRte : entries) {
                for (final boolean top : new boolean[] {false, true}) {
                    final Spy spy = new Spy();
                    HwdomGsiMapPolicies.ON_UNMASK.rteWritten(spy, null, 16, oldRte, newRte, top);
                    final boolean transition = !top && Rte.isMasked(oldRte) && !Rte.isMasked(newRte);
                    if (transition) {
                        transitions++;
                        assertEquals(List.of("map 16" + (Rte.isLevel(newRte) ? " level" : " edge")
                            + (Rte.isActiveLow(newRte) ? " low" : " high")), spy.calls);
                    } else {
                        assertEquals(List.of(), spy.calls, Rte.toString(oldRte) + " -> " + Rte.toString(newRte)
                            + (top ? " (top word)" : ""));
                    }
                }
            }
        }
        assertEquals(4, transitions);
    }

    // Stefano's first idea: every write maps, top word included, with whatever the entry holds
    @Test
    void onAnyWriteMapsOnEveryWrite() {
        final Spy spy = new Spy();
        HwdomGsiMapPolicies.ON_ANY_WRITE.rteWritten(spy, null, 17, Rte.RESET, Rte.RESET, false);
        HwdomGsiMapPolicies.ON_ANY_WRITE.rteWritten(spy, null, 17, Rte.RESET, MASKED_LEVEL_LOW, true);
        HwdomGsiMapPolicies.ON_ANY_WRITE.rteWritten(spy, null, 17, UNMASKED_LEVEL_LOW, UNMASKED_LEVEL_LOW, false);
        assertEquals(List.of("map 17 edge high", "map 17 level low", "map 17 level low"), spy.calls);
    }

    // Stefano's second idea: the pirq on every write, registration and binding on unmask only
    @Test
    void pirqEarlyMapsThePirqAlwaysAndRegistersOnlyOnUnmask() {
        final Spy spy = new Spy();
        HwdomGsiMapPolicies.PIRQ_EARLY.rteWritten(spy, null, 18, Rte.RESET, MASKED_LEVEL_LOW, false);
        HwdomGsiMapPolicies.PIRQ_EARLY.rteWritten(spy, null, 18, MASKED_LEVEL_LOW, MASKED_LEVEL_LOW, true);
        HwdomGsiMapPolicies.PIRQ_EARLY.rteWritten(spy, null, 18, MASKED_LEVEL_LOW, UNMASKED_LEVEL_LOW, false);
        assertEquals(List.of("pirq 18", "pirq 18", "pirq 18", "register+bind 18 level low"), spy.calls);
    }

    // a failed pirq mapping stops the rest
    @Test
    void pirqEarlyStopsWhenThePirqCannotBeMapped() {
        final Spy spy = new Spy();
        spy.mapPirqResult = -1;
        HwdomGsiMapPolicies.PIRQ_EARLY.rteWritten(spy, null, 18, MASKED_LEVEL_LOW, UNMASKED_LEVEL_LOW, false);
        assertEquals(List.of("pirq 18"), spy.calls);
    }

    // each proposal is named in output; only ON_UNMASK is Xen's
    @Test
    void policiesDescribeThemselvesDistinctly() {
        final String a = HwdomGsiMapPolicies.ON_UNMASK.describe();
        final String b = HwdomGsiMapPolicies.ON_ANY_WRITE.describe();
        final String c = HwdomGsiMapPolicies.PIRQ_EARLY.describe();
        assertTrue(a.contains("Xen"));
        assertFalse(b.isEmpty());
        assertFalse(c.isEmpty());
        assertNotEquals(a, b);
        assertNotEquals(b, c);
        assertNotEquals(a, c);
    }
}
