package io.irqsim.hw.mmio;

import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MMIO bus's dispatch paths, each held to the outcome the MmioBus class comment defines
 * whichever path decodes the access: a mapped {@link MmioTrap} sees every access (general path,
 * last hit, the hit before it), each {@link MmioDispatch} call site reaches its device, the hit
 * cache's eviction order holds for writes as for reads, and the mapping rules at their limits
 * (a 1-byte window; a 0-length one is empty, not wrapping).
 */
class MmioBusDispatchPathsTest {

    /** Records what it is handed; reads return offset + 0x100. */
    abstract static class Rec implements MmioDevice {
        final List<String> log = new ArrayList<>();

        @Override
        public long read(final long offset, final int size) {
            log.add("r" + offset);
            return offset + 0x100;
        }

        @Override
        public void write(final long offset, final int size, final long value) {
            log.add("w" + offset + "=" + Long.toHexString(value));
        }

        @Override
        public int acceptedSizes() {
            return ACCESS_ANY;
        }
    }

    // nine classes of their own: more than MmioDispatch.SITES call sites
    static final class D0 extends Rec { }
    static final class D1 extends Rec { }
    static final class D2 extends Rec { }
    static final class D3 extends Rec { }
    static final class D4 extends Rec { }
    static final class D5 extends Rec { }
    static final class D6 extends Rec { }
    static final class D7 extends Rec { }
    static final class D8 extends Rec { }

    private static final class LoggingTrap extends MmioTrap {
        private final List<String> log;

        LoggingTrap(final long base, final MmioDevice device, final List<String> log) {
            super(base, device);
            this.log = log;
        }

        @Override
        protected void trappedWrite(final long address, final int size, final long value) {
            log.add("tw" + Long.toHexString(address) + "=" + Long.toHexString(value));
        }

        @Override
        protected void trappedRead(final long address, final int size, final long value) {
            log.add("tr" + Long.toHexString(address) + "=" + Long.toHexString(value));
        }
    }

    private final MmioBus bus = new MmioBus(new RecordingHwTrace());

    // MmioTrap class comment: the trap observes every access, whichever of the bus's paths (the
    // search, the last hit, the hit before it) decodes it
    @Test
    void trapSeesAccessesOnEveryDispatchPath() {
        final D0 inner = new D0();
        final D1 other = new D1();
        bus.map(0x3000, 0x100, new LoggingTrap(0x3000, inner, inner.log));
        bus.map(0x5000, 0x100, other);
        assertEquals(0x110, bus.read(0x3010, 4));     // searched
        assertTrue(bus.write(0x3020, 4, 0xA));        // last hit
        assertEquals(0x100, bus.read(0x5000, 4));     // the trap's window is now the hit before
        assertEquals(0x130, bus.read(0x3030, 4));     // hit before the last: read
        bus.read(0x5000, 4);
        assertTrue(bus.write(0x3040, 4, 0xB));        // hit before the last: write
        assertEquals(List.of("r16", "tr3010=110", "tw3020=a", "w32=a", "r48", "tr3030=130",
            "tw3040=b", "w64=b"), inner.log);
        assertEquals(2, bus.searches());
    }

    // MmioTrap: its own read/write (a trap used as a plain device) do what the bus does for it
    @Test
    void trapUsedDirectlyObservesWithAbsoluteAddresses() {
        final D2 inner = new D2();
        final MmioTrap trap = new LoggingTrap(0x7000, inner, inner.log);
        assertEquals(0x108, trap.read(8, 4));
        trap.write(0xC, 4, 0x5);
        assertEquals(List.of("r8", "tr7008=108", "tw700c=5", "w12=5"), inner.log);
        assertEquals(0x7000, trap.base());
        assertThrows(IllegalArgumentException.class, () -> new LoggingTrap(0, null, inner.log));
    }

    // MmioDispatch: every call site, and the shared one past the last, hands the access to the device
    @Test
    void everyDispatchSiteReachesItsDevice() {
        for (int site = 0; site <= MmioDispatch.SITES; site++) {
            final D3 d = new D3();
            assertEquals(0x120, MmioDispatch.read(site, d, 0x20, 4), "site " + site);
            MmioDispatch.write(site, d, 0x24, 4, 0x77);
            assertEquals(List.of("r32", "w36=77"), d.log, "site " + site);
        }
    }

    // MmioDispatch.siteFor: however many device classes the JVM has seen, each gets a site in
    // 0..SITES (SITES: the shared call site) and accesses through it still arrive
    @Test
    void moreDeviceClassesThanCallSitesShareTheLastSite() {
        final Rec[] devices = {new D0(), new D1(), new D2(), new D3(), new D4(), new D5(), new D6(), new D7(),
            new D8()};
        long base = 0x10_0000;
        for (final Rec d : devices) {
            final int site = MmioDispatch.siteFor(d);
            assertTrue(site >= 0 && site <= MmioDispatch.SITES, "site " + site);
            bus.map(base, 0x10, d);
            assertEquals(0x104, bus.read(base + 4, 4));
            base += 0x10;
        }
    }

    // MmioBus hit cache: writes keep the same eviction order as reads: a write to the hit before
    // the last promotes it, so a third window evicts the other one
    @Test
    void aWriteToTheHitBeforeTheLastPromotesIt() {
        bus.map(0x1000, 0x10, new D4());
        bus.map(0x2000, 0x10, new D5());
        bus.map(0x3000, 0x10, new D6());
        assertTrue(bus.write(0x1000, 4, 1));
        assertTrue(bus.write(0x2000, 4, 2));
        assertTrue(bus.write(0x1004, 4, 3)); // the hit before the last: promoted
        assertEquals(2, bus.searches());
        assertTrue(bus.write(0x3000, 4, 4)); // evicts 0x2000, not 0x1000
        assertEquals(3, bus.searches());
        assertTrue(bus.write(0x1008, 4, 5));
        assertEquals(3, bus.searches(), "0x1000 was kept");
    }

    // MmioBus.map: a 1-byte window is a valid range (last == base), decoded like any other
    @Test
    void oneByteWindowIsMappedAndDecoded() {
        final D7 d = new D7();
        bus.map(0x4000, 1, d);
        assertEquals(0x00, bus.read(0x4000, 1), "0x100 cut to the access size; a rejection would read 0xFF");
        assertEquals(0xFFFF, bus.read(0x4000, 2), "runs past the window: rejected");
        assertEquals(List.of("r0"), d.log);
    }

    // MmioBus.map: length 0 is an empty range, at any base (at 0 it must not become the whole space)
    @Test
    void zeroLengthIsReportedAsEmptyEvenAtBaseZero() {
        for (final long base : new long[] {0, 0x1000}) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> bus.map(base, 0, new D8()));
            assertTrue(e.getMessage().startsWith("empty MMIO range"), e.getMessage());
        }
        assertTrue(bus.mappings().isEmpty());
    }

    // MmioDevice.name: a device that does not name itself is named by its class in the bus's
    // configuration errors
    @Test
    void unnamedDeviceIsNamedByItsClassInMappingErrors() {
        bus.map(0x8000, 0x10, new D0());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> bus.map(0x8008, 0x10, new D1()));
        assertTrue(e.getMessage().contains("D1") && e.getMessage().contains("D0"), e.getMessage());
    }
}
