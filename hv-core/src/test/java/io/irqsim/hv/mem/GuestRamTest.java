package io.irqsim.hv.mem;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest RAM window a device may DMA into: fresh RAM reads zeros, a write lands where it was
 * addressed (across page boundaries too), only touched pages take memory, and nothing outside the
 * window, or wrapping around the 64-bit address space, is reachable.
 */
class GuestRamTest {

    private static final long BASE = 0x100_0000L;

    @Test
    void freshRamReadsZerosAndTakesNoPages() {
        final GuestRam ram = new GuestRam(BASE, 0x10000);
        final byte[] b = {1, 2, 3, 4};
        ram.read(BASE + 0x100, b, 0, 4);
        assertArrayEquals(new byte[4], b);
        assertEquals(0, ram.pagesAllocated());
    }

    @Test
    void aWriteAcrossAPageBoundaryReadsBackAndTouchesTwoPages() {
        final GuestRam ram = new GuestRam(BASE, 0x10000);
        final byte[] w = new byte[16];
        for (int i = 0; i < w.length; i++) {
            w[i] = (byte) (0xA0 + i);
        }
        ram.write(BASE + 0xFF8, w, 0, 16);
        final byte[] r = new byte[16];
        ram.read(BASE + 0xFF8, r, 0, 16);
        assertArrayEquals(w, r);
        assertEquals(2, ram.pagesAllocated());
        final byte[] one = new byte[1];
        ram.read(BASE + 0x1000, one, 0, 1);
        assertEquals((byte) 0xA8, one[0], "byte 8 of the write is the first of the second page");
    }

    @Test
    void rangesOutsideTheWindowOrWrappingAroundAreNotContained() {
        final GuestRam ram = new GuestRam(BASE, 0x10000);
        assertTrue(ram.contains(BASE, 0x10000));
        assertTrue(ram.contains(BASE + 0xFFFF, 1));
        assertTrue(ram.contains(BASE + 0x10000, 0), "an empty range at the end");
        assertFalse(ram.contains(BASE - 1, 1));
        assertFalse(ram.contains(BASE + 0xFFFF, 2));
        assertFalse(ram.contains(BASE + 8, -1L), "a count of 2^64 - 1");
        assertFalse(ram.contains(-16L, 32), "wraps past 2^64");
        assertFalse(ram.contains(Long.MIN_VALUE, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> ram.write(BASE + 0xFFFC, new byte[8], 0, 8));
        assertEquals(0, ram.pagesAllocated(), "a refused write touches nothing");
    }

    @Test
    void theWindowIsPageAlignedAndBounded() {
        assertThrows(IllegalArgumentException.class, () -> new GuestRam(BASE + 1, 0x1000));
        assertThrows(IllegalArgumentException.class, () -> new GuestRam(BASE, 0x1001));
        assertThrows(IllegalArgumentException.class, () -> new GuestRam(BASE, 0));
        assertThrows(IllegalArgumentException.class, () -> new GuestRam(BASE, GuestRam.MAX_SIZE * 2));
    }
}
