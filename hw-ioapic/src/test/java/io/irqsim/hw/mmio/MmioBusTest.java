package io.irqsim.hw.mmio;

import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MmioBus class comment (dispatched / unmapped / rejected), modelled on QEMU
 * memory_region_access_valid and rust-vmm's Bus: every guest access has exactly one outcome.
 */
class MmioBusTest {

    /** A device that records what it is handed and reads back a fixed 64-bit pattern. */
    static final class Probe implements MmioDevice {
        final String name;
        final int sizes;
        final List<long[]> reads = new ArrayList<>();
        final List<long[]> writes = new ArrayList<>();
        long pattern = 0x8877_6655_4433_2211L;

        Probe(final String name, final int sizes) {
            this.name = name;
            this.sizes = sizes;
        }

        @Override
        public long read(final long offset, final int size) {
            reads.add(new long[] {offset, size});
            return pattern; // deliberately not truncated: the bus must mask it
        }

        @Override
        public void write(final long offset, final int size, final long value) {
            writes.add(new long[] {offset, size, value});
        }

        @Override
        public int acceptedSizes() {
            return sizes;
        }

        @Override
        public String name() {
            return name;
        }

        int accesses() {
            return reads.size() + writes.size();
        }
    }

    private final RecordingHwTrace trace = new RecordingHwTrace();
    private final MmioBus bus = new MmioBus(trace);

    // ---------------------------------------------------------------- mapping rules

    // MmioBus.map: overlapping ranges are a configuration error naming both devices
    @Test
    void overlappingRangeIsRejectedNamingBothDevices() {
        bus.map(0x1000, 0x100, new Probe("uart", MmioDevice.ACCESS_ANY));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> bus.map(0x10FF, 0x10, new Probe("hpet", MmioDevice.ACCESS_ANY)));
        assertTrue(e.getMessage().contains("uart"), e.getMessage());
        assertTrue(e.getMessage().contains("hpet"), e.getMessage());
        assertEquals(1, bus.mappings().size());
    }

    // MmioBus.map: an overlap is rejected whichever side it comes from (inside, covering, touching the first byte)
    @Test
    void overlapIsDetectedInsideCoveringAndAtTheFirstByte() {
        bus.map(0x1000, 0x100, new Probe("a", MmioDevice.ACCESS_ANY));
        assertThrows(IllegalArgumentException.class, () -> bus.map(0x1010, 0x10, new Probe("inside", 4)));
        assertThrows(IllegalArgumentException.class, () -> bus.map(0x0F00, 0x1000, new Probe("covering", 4)));
        assertThrows(IllegalArgumentException.class, () -> bus.map(0x0F00, 0x101, new Probe("touching", 4)));
        bus.map(0x0F00, 0x100, new Probe("adjacent-below", 4));
        bus.map(0x1100, 0x100, new Probe("adjacent-above", 4));
        assertEquals(3, bus.mappings().size());
    }

    // MmioBus.map: an empty range is rejected and the message names the device
    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void emptyRangeIsRejected(final long length) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> bus.map(0x1000, length, new Probe("empty-dev", 4)));
        assertTrue(e.getMessage().contains("empty-dev"), e.getMessage());
        assertTrue(bus.mappings().isEmpty());
    }

    // MmioBus.map: a range running past 2^64 wraps and is rejected
    @Test
    void wrappingRangeIsRejected() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> bus.map(0xFFFF_FFFF_FFFF_F000L, 0x1001, new Probe("top", 4)));
        assertTrue(e.getMessage().contains("wraps"), e.getMessage());
        assertTrue(e.getMessage().contains("top"), "names the device: " + e.getMessage());
        assertTrue(bus.mappings().isEmpty());
    }

    // MmioBus.map: a range ending exactly at the top of the address space is fine, lookups compare unsigned
    @Test
    void rangeEndingAtTopOfAddressSpaceIsMappedAndDecoded() {
        final Probe top = new Probe("top", MmioDevice.ACCESS_ANY);
        final Probe low = new Probe("low", MmioDevice.ACCESS_ANY);
        bus.map(0xFFFF_FFFF_FFFF_F000L, 0x1000, top);
        bus.map(0x1000, 0x1000, low);
        assertEquals(0x8877_6655_4433_2211L, bus.read(0xFFFF_FFFF_FFFF_FFF8L, 8));
        assertEquals(0xFF8, top.reads.get(0)[0]);
        assertSame(top, bus.deviceAt(-1L));
        assertSame(low, bus.deviceAt(0x1FFF));
        assertNull(bus.deviceAt(0x2000));
        assertNull(bus.deviceAt(0x7FFF_FFFF_FFFF_FFFFL));
    }

    // MmioBus.map: a null device is a configuration error
    @Test
    void nullDeviceIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> bus.map(0x1000, 0x10, null));
    }

    // MmioBus.mappings: sorted by base whatever the mapping order
    @Test
    void mappingsAreSortedByBase() {
        final Probe c = new Probe("c", 4);
        final Probe a = new Probe("a", 4);
        final Probe b = new Probe("b", 4);
        bus.map(0xFEE0_0000L, 0x1000, c);
        bus.map(0x1000, 0x10, a);
        bus.map(0xFEC0_0000L, 0x100, b);
        final List<MmioBus.Mapping> m = bus.mappings();
        assertEquals(List.of(new MmioBus.Mapping(0x1000, 0x100F, a),
            new MmioBus.Mapping(0xFEC0_0000L, 0xFEC0_00FFL, b),
            new MmioBus.Mapping(0xFEE0_0000L, 0xFEE0_0FFFL, c)), m);
    }

    // MmioBus.unmap: removes the range starting at base and returns its device; the hole then reads all-ones
    @Test
    void unmapRemovesTheRangeAndReturnsTheDevice() {
        final Probe p = new Probe("p", MmioDevice.ACCESS_4);
        bus.map(0x2000, 0x10, p);
        assertNull(bus.unmap(0x2004), "only the base address identifies a range");
        assertSame(p, bus.unmap(0x2000));
        assertNull(bus.unmap(0x2000));
        assertEquals(0xFFFF_FFFFL, bus.read(0x2000, 4));
        assertEquals(1, bus.unmappedReads());
        assertTrue(p.reads.isEmpty());
        bus.map(0x2000, 0x10, new Probe("q", 4)); // the range can be reused
        assertEquals(1, bus.mappings().size());
    }

    // ---------------------------------------------------------------- dispatched

    // MmioBus: dispatched accesses get (address - base, size, value truncated to size)
    @Test
    void dispatchPassesOffsetSizeAndTruncatedValue() {
        final Probe p = new Probe("p", MmioDevice.ACCESS_ANY);
        bus.map(0x4000, 0x100, p);
        assertTrue(bus.write(0x4012, 2, 0xABCD_EF12_3456L));
        assertEquals(0x12, p.writes.get(0)[0]);
        assertEquals(2, p.writes.get(0)[1]);
        assertEquals(0x3456, p.writes.get(0)[2]);
        assertTrue(bus.write(0x4018, 8, -1L));
        assertEquals(-1L, p.writes.get(1)[2]);
        assertEquals(2, p.writes.size());
        assertTrue(p.reads.isEmpty());
        assertEquals(0, bus.rejectedAccesses());
    }

    // MmioBus.read: the result is masked to the access size even if a device returns more
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void readResultIsTruncatedToAccessSize(final int size) {
        final Probe p = new Probe("p", MmioDevice.ACCESS_ANY);
        bus.map(0x4000, 0x100, p);
        assertEquals(0x8877_6655_4433_2211L & MmioDevice.allOnes(size), bus.read(0x4000 + 8L * size, size));
        assertEquals(8L * size, p.reads.get(0)[0]);
    }

    // ---------------------------------------------------------------- unmapped

    // MmioBus: an unmapped read returns all ones of the access size (x86 master abort), counted and traced
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void unmappedReadReturnsAllOnesOfAccessSize(final int size) {
        final Probe p = new Probe("p", MmioDevice.ACCESS_ANY);
        bus.map(0x1000, 0x10, p);
        final long expected = size == 8 ? -1L : (1L << (8 * size)) - 1;
        assertEquals(expected, bus.read(0x9000, size));
        assertEquals(1, bus.unmappedReads());
        assertTrue(p.reads.isEmpty(), "the only device was not asked");
        final RecordingHwTrace.Event e = trace.last(HwEvent.MMIO_UNMAPPED_READ);
        assertEquals(new RecordingHwTrace.Event(HwEvent.MMIO_UNMAPPED_READ, 0x9000, size, expected), e);
    }

    // MmioBus: an unmapped write is dropped, counted and traced
    @Test
    void unmappedWriteIsDroppedCountedAndTraced() {
        final Probe p = new Probe("p", MmioDevice.ACCESS_ANY);
        bus.map(0x1000, 0x10, p);
        assertFalse(bus.write(0x1010, 4, 0x1234));
        assertFalse(bus.write(0x0FFF, 1, 0x56));
        assertEquals(2, bus.unmappedWrites());
        assertEquals(0, p.accesses());
        assertEquals(new RecordingHwTrace.Event(HwEvent.MMIO_UNMAPPED_WRITE, 0x1010, 4, 0x1234),
            trace.events(HwEvent.MMIO_UNMAPPED_WRITE).get(0));
    }

    // MmioBus: an invalid size on an unmapped address still reads all 64 bits set, without throwing
    @Test
    void unmappedReadWithInvalidSizeReturnsAllOnes() {
        assertEquals(-1L, bus.read(0x5000, 3));
        assertFalse(bus.write(0x5000, 3, 1));
        assertEquals(1, bus.unmappedReads());
        assertEquals(1, bus.unmappedWrites());
    }

    // ---------------------------------------------------------------- rejected

    // MmioBus: an access starting inside a range but running past its end is rejected
    @Test
    void accessCrossingTheEndOfARangeIsRejected() {
        final Probe p = new Probe("p", MmioDevice.ACCESS_ANY);
        bus.map(0x1000, 0x0C, p); // [0x1000, 0x100B]
        assertEquals(-1L, bus.read(0x1008, 8));
        assertFalse(bus.write(0x1008, 8, 0));
        assertEquals(0x4433_2211L, bus.read(0x1008, 4), "the last full dword is still inside");
        assertEquals(2, bus.rejectedAccesses());
        assertEquals(1, p.accesses());
        final List<RecordingHwTrace.Event> ev = trace.events(HwEvent.MMIO_REJECTED);
        assertEquals(new RecordingHwTrace.Event(HwEvent.MMIO_REJECTED, 0x1008, 8, 0), ev.get(0));
        assertEquals(new RecordingHwTrace.Event(HwEvent.MMIO_REJECTED, 0x1008, 8 | (1 << 8), 0), ev.get(1));
    }

    // MmioBus: a size the device does not declare in acceptedSizes() is rejected before the device runs
    @Test
    void sizeTheDeviceDoesNotAcceptIsRejected() {
        final Probe p = new Probe("dword-only", MmioDevice.ACCESS_4);
        bus.map(0x1000, 0x100, p);
        assertEquals(0xFFFFL, bus.read(0x1000, 2));
        assertEquals(0xFFL, bus.read(0x1000, 1));
        assertEquals(-1L, bus.read(0x1000, 8));
        assertFalse(bus.write(0x1000, 1, 0x12));
        assertTrue(bus.write(0x1000, 4, 0x12));
        assertEquals(4, bus.rejectedAccesses());
        assertEquals(1, p.accesses());
        assertEquals(new RecordingHwTrace.Event(HwEvent.MMIO_REJECTED, 0x1000, 1 | (1 << 8), 0x12),
            trace.last(HwEvent.MMIO_REJECTED));
    }

    // MmioBus: sizes other than 1/2/4/8 are rejected without throwing; reads return all 64 bits set
    @ParameterizedTest
    @ValueSource(ints = {3, 0, 5, 16, -1, Integer.MIN_VALUE})
    void invalidSizeIsRejectedWithoutThrowing(final int size) {
        final Probe p = new Probe("p", MmioDevice.ACCESS_ANY);
        bus.map(0x1000, 0x100, p);
        assertEquals(-1L, bus.read(0x1000, size));
        assertFalse(bus.write(0x1000, size, 0x55));
        assertEquals(2, bus.rejectedAccesses());
        assertEquals(0, p.accesses());
        assertEquals(2, trace.count(HwEvent.MMIO_REJECTED));
    }

    // MmioBus: a misaligned access (offset % size != 0) is rejected: all-ones read, write dropped, counted
    @Test
    void misalignedAccessIsRejected() {
        final Probe p = new Probe("p", MmioDevice.ACCESS_ANY);
        bus.map(0x1000, 0x100, p);
        assertEquals(0xFFFFL, bus.read(0x1001, 2));
        assertEquals(0xFFFF_FFFFL, bus.read(0x1002, 4));
        assertEquals(-1L, bus.read(0x1004, 8));
        assertFalse(bus.write(0x1003, 4, 1));
        assertFalse(bus.write(0x100C, 8, 1));
        assertEquals(5, bus.rejectedAccesses());
        assertEquals(0, p.accesses());
        assertEquals(0x11L, bus.read(0x1003, 1), "a byte access is always aligned");
        assertEquals(1, p.accesses());
    }

    // MmioDevice contract (offset % size == 0): a window at an odd base never sees a misaligned offset
    @Test
    void alignmentHoldsForTheAddressAndForTheOffsetIntoTheWindow() {
        final Probe p = new Probe("odd-base", MmioDevice.ACCESS_ANY);
        bus.map(0x1004, 0x20, p);
        assertEquals(-1L, bus.read(0x1008, 8), "aligned address but offset 4");
        assertEquals(-1L, bus.read(0x1004, 8), "offset 0 but misaligned address");
        assertEquals(0x4433_2211L, bus.read(0x1008, 4));
        assertEquals(4, p.reads.get(0)[0]);
        for (final long[] r : p.reads) {
            assertEquals(0, r[0] % r[1]);
        }
        assertEquals(2, bus.rejectedAccesses());
    }

    // MmioDevice: the default device takes only 4-byte accesses; helpers encode sizes
    @Test
    void sizeBitIsNonZeroForOneTwoFourAndEightBytesOnly() {
        final int[] sizes = {Integer.MIN_VALUE, -16, -8, -4, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 32, 64,
            Integer.MAX_VALUE};
        final int[] bits = {0, 0, 0, 0, 0, 0, 0, MmioDevice.ACCESS_1, MmioDevice.ACCESS_2, 0, MmioDevice.ACCESS_4, 0, 0,
            0, MmioDevice.ACCESS_8, 0, 0, 0, 0, 0, 0};
        for (int i = 0; i < sizes.length; i++) {
            assertEquals(bits[i], MmioDevice.sizeBit(sizes[i]), "size " + sizes[i]);
        }
    }

    @Test
    void defaultDeviceAcceptsOnlyDwordsAndSizeHelpersEncodeSizes() {
        final MmioDevice d = new MmioDevice() {
            @Override
            public long read(final long offset, final int size) {
                return 0;
            }

            @Override
            public void write(final long offset, final int size, final long value) {
            }
        };
        assertEquals(MmioDevice.ACCESS_4, d.acceptedSizes());
        assertEquals(0, MmioDevice.sizeBit(3));
        assertEquals(MmioDevice.ACCESS_8, MmioDevice.sizeBit(8));
        assertEquals(0xFFFFL, MmioDevice.allOnes(2));
        assertEquals(-1L, MmioDevice.allOnes(8));
        bus.map(0, 0x10, d);
        assertEquals(0xFFL, bus.read(0, 1));
        assertEquals(0L, bus.read(0, 4));
    }

    // MmioBus(): the untraced bus behaves the same and never throws
    @Test
    void untracedBusCountsTheSameOutcomes() {
        final MmioBus quiet = new MmioBus();
        final Probe p = new Probe("p", MmioDevice.ACCESS_4);
        quiet.map(0x1000, 0x10, p);
        assertEquals(0xFFFF_FFFFL, quiet.read(0x2000, 4));
        assertEquals(0xFFFF_FFFFL, quiet.read(0x1002, 4));
        assertTrue(quiet.write(0x1004, 4, 7));
        assertEquals(1, quiet.unmappedReads());
        assertEquals(1, quiet.rejectedAccesses());
        assertEquals(1, p.writes.size());
        assertTrue(p.reads.isEmpty());
    }
    // ---------------------------------------------------------------- the last hit's mapping (fast path)

    // MmioBus class comment: after a hit, the same range still rejects every access the general path rejects
    @Test
    void everyRejectionRuleHoldsAfterAHitInTheSameRange() {
        final Probe p = new Probe("p", MmioDevice.ACCESS_4 | MmioDevice.ACCESS_8);
        bus.map(0x1000, 0x0C, p); // [0x1000, 0x100B]
        assertTrue(bus.write(0x1000, 4, 1), "the hit");
        assertFalse(bus.write(0x1008, 8, 2), "aligned, but runs past the end");
        assertFalse(bus.write(0x1002, 4, 3), "misaligned");
        assertFalse(bus.write(0x1000, 2, 4), "size the device does not accept");
        assertFalse(bus.write(0x1000, 3, 5), "invalid size");
        assertEquals(-1L, bus.read(0x1000, 3));
        assertEquals(5, bus.rejectedAccesses());
        assertEquals(1, p.writes.size());
        assertTrue(bus.write(0x1008, 4, 6), "the last dword is inside");
        assertEquals(8, p.writes.get(1)[0]);

        final Probe odd = new Probe("odd", MmioDevice.ACCESS_4 | MmioDevice.ACCESS_8);
        bus.map(0x2004, 0x20, odd); // base only 4-aligned
        assertTrue(bus.write(0x2004, 4, 7), "the hit");
        assertFalse(bus.write(0x2008, 8, 8), "aligned address, offset 4");
        assertFalse(bus.write(0x2004, 8, 9), "offset 0, misaligned address");
        assertEquals(7, bus.rejectedAccesses());
        assertEquals(1, odd.writes.size());
        assertEquals(2, p.writes.size());
        assertTrue(p.reads.isEmpty() && odd.reads.isEmpty(), "no rejected read reached a device");
    }

    // MmioBus.unmap: a range that was the last hit decodes nothing once it is gone
    @Test
    void unmappedRangeIsForgottenEvenIfItWasTheLastHit() {
        final Probe p = new Probe("p", MmioDevice.ACCESS_4);
        bus.map(0x1000, 0x10, p);
        assertEquals(0x4433_2211L, bus.read(0x1000, 4));
        assertSame(p, bus.unmap(0x1000));
        assertEquals(0xFFFF_FFFFL, bus.read(0x1000, 4));
        assertFalse(bus.write(0x1000, 4, 1));
        assertEquals(1, p.accesses());
        assertEquals(1, bus.unmappedReads());
        assertEquals(1, bus.unmappedWrites());
    }

    // MmioBus: alternating between two ranges dispatches each access to its own device
    @Test
    void alternatingRangesEachReachTheirDevice() {
        final Probe a = new Probe("a", MmioDevice.ACCESS_4);
        final Probe b = new Probe("b", MmioDevice.ACCESS_4);
        bus.map(0x1000, 0x10, a);
        bus.map(0x2000, 0x10, b);
        for (int i = 0; i < 3; i++) {
            assertTrue(bus.write(0x1004, 4, i));
            assertTrue(bus.write(0x2008, 4, 10 + i));
        }
        assertEquals(3, a.writes.size());
        assertEquals(3, b.writes.size());
        assertEquals(4, a.writes.get(2)[0]);
        assertEquals(2, a.writes.get(2)[2]);
        assertEquals(8, b.writes.get(2)[0]);
        assertEquals(12, b.writes.get(2)[2]);
    }

    // MmioBus hit cache: after one search, a device hammered through its whole window (first and
    // last dword, reads and writes) is found without another, and every access reaches it
    @Test
    void oneDeviceIsSearchedOnceThenServedFromTheCacheToItsLastDword() {
        final Probe a = new Probe("a", MmioDevice.ACCESS_4);
        bus.map(0x1000, 0x10, a);
        for (int i = 0; i < 5; i++) {
            assertTrue(bus.write(0x1000, 4, i));
            assertTrue(bus.write(0x100C, 4, i));
            assertEquals(0x4433_2211L, bus.read(0x100C, 4));
        }
        assertEquals(1, bus.searches());
        assertEquals(15, a.accesses());
        assertFalse(bus.write(0x1010, 4, 1), "one past the window is not a's");
        assertFalse(bus.write(0x100E, 4, 1), "straddles a's end");
        assertEquals(15, a.accesses());
    }

    // MmioBus hit cache: a window of FAST_WINDOW_MAX bytes is served from the cache to its last
    // dword; a longer one (here one dword longer) is decoded by the general path on every access,
    // with the same answers at its first and last dword and one past its end
    @Test
    void aWindowPastTheFastLimitIsDecodedByTheGeneralPathWithTheSameAnswers() {
        final long max = MmioBus.FAST_WINDOW_MAX;
        final Probe fast = new Probe("fast", MmioDevice.ACCESS_4);
        bus.map(0, max, fast);
        for (int i = 0; i < 3; i++) {
            assertTrue(bus.write(max - 4, 4, i));
            assertTrue(bus.write(0, 4, i));
        }
        assertEquals(1, bus.searches(), "a window of exactly the limit is cached");
        assertFalse(bus.write(max, 4, 1), "one past its end");
        assertFalse(bus.write(max - 2, 4, 1), "straddles its end");

        final MmioBus other = new MmioBus(trace);
        final Probe huge = new Probe("huge", MmioDevice.ACCESS_4);
        other.map(0, max + 4, huge);
        for (int i = 0; i < 3; i++) {
            assertTrue(other.write(max, 4, i), "last dword of the longer window");
            assertTrue(other.write(0, 4, i));
        }
        assertEquals(6, other.searches(), "every access of the longer window is searched");
        assertEquals(6, huge.writes.size());
        assertEquals(max, huge.writes.get(0)[0]);
        assertFalse(other.write(max + 4, 4, 1), "one past its end");
        assertFalse(other.write(max + 2, 4, 1), "straddles its end");
        assertEquals(6, huge.writes.size());
    }

    // MmioBus hit cache: a CPU alternating between two windows (Xen's LAPIC EOI, then the IO-APIC
    // EOI register) searches once per window, however long it alternates; a third window evicts
    // the older of the two
    @Test
    void twoAlternatingDevicesAreEachSearchedOnceAndAThirdEvictsTheOlder() {
        final Probe a = new Probe("a", MmioDevice.ACCESS_4);
        final Probe b = new Probe("b", MmioDevice.ACCESS_4);
        final Probe c = new Probe("c", MmioDevice.ACCESS_4);
        bus.map(0x1000, 0x10, a);
        bus.map(0x2000, 0x10, b);
        bus.map(0x3000, 0x10, c);
        for (int i = 0; i < 50; i++) {
            assertTrue(bus.write(0x1004, 4, i));
            assertEquals(0x4433_2211L, bus.read(0x2008, 4));
        }
        assertEquals(2, bus.searches());
        assertEquals(50, a.writes.size());
        assertTrue(a.reads.isEmpty() && b.writes.isEmpty(), "each access went to its own device");
        assertEquals(50, b.reads.size());
        assertTrue(bus.write(0x3000, 4, 1)); // c searched; b (last hit) stays, a goes
        assertEquals(3, bus.searches());
        assertTrue(bus.write(0x2000, 4, 1));
        assertEquals(3, bus.searches(), "b was kept");
        assertTrue(bus.write(0x1000, 4, 1));
        assertEquals(4, bus.searches(), "a was evicted");
        assertEquals(51, a.writes.size());
        assertEquals(1, c.writes.size());
    }

    // MmioBus: the range hit before the last one still applies every rejection rule, and a third
    // range, a hole between them or an unmapped range is decoded as the general path decodes it
    @Test
    void theRangeHitBeforeTheLastKeepsEveryRuleAndForgetsNothingUnmapped() {
        final Probe a = new Probe("a", MmioDevice.ACCESS_4);
        final Probe b = new Probe("b", MmioDevice.ACCESS_4);
        final Probe c = new Probe("c", MmioDevice.ACCESS_4);
        bus.map(0x1000, 0x10, a);
        bus.map(0x2000, 0x10, b);
        bus.map(0x3000, 0x10, c);
        assertTrue(bus.write(0x1000, 4, 1));
        assertTrue(bus.write(0x2000, 4, 2)); // a is now the hit before the last
        assertFalse(bus.write(0x100C, 8, 3), "runs past a's end");
        assertFalse(bus.write(0x1002, 4, 4), "misaligned in a");
        assertFalse(bus.write(0x1010, 4, 5), "the hole after a");
        assertTrue(bus.write(0x100C, 4, 6), "a's last dword");
        assertTrue(bus.write(0x3004, 4, 7), "a third range");
        assertTrue(bus.write(0x2004, 4, 8), "back to b");
        assertSame(a, bus.unmap(0x1000));
        assertFalse(bus.write(0x1000, 4, 9), "a is gone, though it was a recent hit");
        assertTrue(bus.write(0x3008, 4, 10));
        assertEquals(2, a.writes.size());
        assertEquals(2, b.writes.size());
        assertEquals(2, c.writes.size());
        assertEquals(2, bus.rejectedAccesses());
        assertEquals(2, bus.unmappedWrites());
    }

    // MmioTrap: the bus calls the trap before a write reaches the device and after the device
    // answers a read, with the absolute address and the value as the device sees it / returned it
    @Test
    void trapSeesWritesBeforeAndReadsAfterTheDevice() {
        final List<String> log = new ArrayList<>();
        final MmioDevice dev = new MmioDevice() {
            @Override
            public long read(final long offset, final int size) {
                log.add("device read " + offset);
                return 0x1_2345_6789L; // wider than the access: the trap sees it as returned
            }

            @Override
            public void write(final long offset, final int size, final long value) {
                log.add("device write " + offset + " " + Long.toHexString(value));
            }

            @Override
            public int acceptedSizes() {
                return ACCESS_2 | ACCESS_4;
            }

            @Override
            public String name() {
                return "inner";
            }
        };
        final MmioTrap trap = new MmioTrap(0x3000, dev) {
            @Override
            protected void trappedWrite(final long address, final int size, final long value) {
                log.add("trap write " + Long.toHexString(address) + " " + size + " " + Long.toHexString(value));
            }

            @Override
            protected void trappedRead(final long address, final int size, final long value) {
                log.add("trap read " + Long.toHexString(address) + " " + size + " " + Long.toHexString(value));
            }
        };
        bus.map(0x3000, 0x100, trap);
        assertTrue(bus.write(0x3010, 2, 0xABCD_EF01L));
        assertEquals(0x6789L, bus.read(0x3020, 2));
        assertEquals(0x2345_6789L, bus.read(0x3020, 4));
        assertEquals(List.of("trap write 3010 2 ef01", "device write 16 ef01",
            "device read 32", "trap read 3020 2 123456789",
            "device read 32", "trap read 3020 4 123456789"), log);
        assertSame(trap, bus.deviceAt(0x3000), "the bus still shows the trap as the mapped device");
        assertEquals("inner", trap.name());
        assertFalse(bus.write(0x3001, 1, 0), "the wrapped device's sizes apply");
        assertEquals(6, log.size());
    }
}
