package io.irqsim.hw.apic;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The highest-IRR/ISR caches (KVM's {@code highest_isr_cache} / {@code apic_find_highest_irr}
 * idea, arch/x86/kvm/lapic.c) always agree with a plain scan of the registers.
 */
class ApicVectorsTest {

    @Test
    void acknowledgeOfALowerVectorKeepsTheHigherOnePending() {
        final ApicVectors v = new ApicVectors();
        v.request(0x51, true);
        v.request(0x81, false);
        v.moveToService(0x51);
        assertEquals(0x81, v.highestIrr());
        assertEquals(0x51, v.highestIsr());
        v.moveToService(0x81);
        assertEquals(-1, v.highestIrr());
        assertEquals(0x81, v.highestIsr());
        assertEquals(0x81, v.retireHighest(), "EOI retires the highest in-service vector first");
        assertEquals(0x51, v.highestIsr());
        assertEquals(0x51, v.retireHighest());
        assertEquals(-1, v.retireHighest(), "an EOI with ISR empty retires nothing");
    }

    /**
     * Every pair of vectors, the lower one possibly absent: clearing the higher one must find the
     * lower one wherever the two sit (same 64-bit word, adjacent words, word 0 and word 3), in IRR
     * (acknowledge) and in ISR (EOI). Pins the narrowed rescan's word range at both ends.
     */
    @Test
    void clearingTheHighestFindsTheNextOneForEveryPairOfVectors() {
        for (int lo = -1; lo < 256; lo++) {
            for (int hi = lo + 1; hi < 256; hi++) {
                final String pair = "lo " + lo + ", hi " + hi;
                final ApicVectors v = new ApicVectors();
                if (lo >= 0) {
                    v.request(lo, false);
                }
                v.request(hi, true);
                v.moveToService(hi);
                assertEquals(lo, v.highestIrr(), pair);
                assertEquals(hi, v.highestIsr(), pair);
                if (lo >= 0) {
                    v.moveToService(lo);
                    assertEquals(-1, v.highestIrr(), pair);
                    assertEquals(hi, v.highestIsr(), pair);
                }
                assertEquals(hi, v.retireHighest(), pair);
                assertEquals(lo, v.highestIsr(), pair);
                assertEquals(lo, v.retireHighest(), pair);
                assertEquals(-1, v.highestIsr(), pair);
            }
        }
    }

    @Test
    void triggerModeFollowsTheLastAcceptAndSurvivesService() {
        final ApicVectors v = new ApicVectors();
        v.request(0x30, true);
        assertEquals(true, v.tmr(0x30));
        v.request(0x30, false);
        assertEquals(false, v.tmr(0x30));
        v.request(0x30, true);
        v.moveToService(0x30);
        assertEquals(true, v.tmr(0x30), "TMR is read at EOI time to decide on the broadcast");
        assertEquals(1 << 16, v.isrDword(1), "vector 0x30 is bit 16 of ISR's second register");
        assertEquals(1 << 16, v.tmrDword(1));
        assertEquals(0, v.irrDword(1));
    }

    @Test
    void cachesEqualAScanOverALongMixedSequence() {
        final ApicVectors v = new ApicVectors();
        final boolean[] irr = new boolean[256];
        final boolean[] isr = new boolean[256];
        long seed = 0x2545F4914F6CDD1DL;
        for (int step = 0; step < 200_000; step++) {
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            final int op = (int) (seed >>> 60) & 3;
            final int vector = 16 + (int) ((seed >>> 32) & 0xFFFF) % 240;
            if (op <= 1) {
                v.request(vector, op == 0);
                irr[vector] = true;
            } else if (op == 2) {
                final int h = highest(irr);
                if (h >= 0) {
                    v.moveToService(h);
                    irr[h] = false;
                    isr[h] = true;
                }
            } else {
                final int h = highest(isr);
                assertEquals(h, v.retireHighest(), "step " + step);
                if (h >= 0) {
                    isr[h] = false;
                }
            }
            assertEquals(highest(irr), v.highestIrr(), "IRR at step " + step);
            assertEquals(highest(isr), v.highestIsr(), "ISR at step " + step);
            assertEquals(irr[vector], v.irr(vector));
            assertEquals(isr[vector], v.isr(vector));
        }
        v.clear();
        assertEquals(-1, v.highestIrr());
        assertEquals(-1, v.highestIsr());
    }

    private static int highest(final boolean[] bits) {
        for (int i = bits.length - 1; i >= 0; i--) {
            if (bits[i]) {
                return i;
            }
        }
        return -1;
    }
}
