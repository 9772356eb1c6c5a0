package io.irqsim.hv.trace;

import io.irqsim.hv.Errno;
import io.irqsim.hv.GuestDriver;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.TraceSwitch;
import io.irqsim.hw.time.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The binary trace ({@link TraceFormat}, written like xentrace records) of a whole run decodes
 * back to the events that happened, in memory and in a memory-mapped file, and a run is
 * deterministic: equal inputs give byte-identical traces.
 */
class TraceRoundTripTest {

    static final int GSI = DefaultPlatform.NIC_GSI;
    static final int ASSERTIONS = 3;

    /** The seed scenario on Xen 4.20: a refused irq_permission, then the merged fix and 3 interrupts. */
    static Rig run(final Function<VirtualClock, TraceRecorder> recorder) {
        final Rig rig = Rig.boot(DefaultPlatform.spec(), XenConfig.XEN_4_20, recorder);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(-Errno.EPERM, rig.xen.domctl().irqPermission(dom0, domu.id(), GSI, true));
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        final GuestDriver drv = GuestDriver.attach(domu, rig.device(DefaultPlatform.NIC));
        for (int i = 0; i < ASSERTIONS; i++) {
            rig.device(DefaultPlatform.NIC).setInterruptRequest(true);
            rig.xen.drain();
            rig.xen.advanceTime(10_000);
        }
        assertEquals(ASSERTIONS, drv.handled);
        return rig;
    }

    static Rig runInMemory() {
        return run(clock -> TraceRecorder.inMemory(clock, 16));
    }

    static TraceRecord first(final List<TraceRecord> records, final int event) {
        return records.stream().filter(r -> r.event() == event).findFirst().orElseThrow(
            () -> new AssertionError("no " + HvEvent.name(event) + " record"));
    }

    static long count(final List<TraceRecord> records, final int event) {
        return records.stream().filter(r -> r.event() == event).count();
    }

    // decoding gives back what the run did, with its hypercall results and errno values
    @Test
    void inMemoryTraceDecodesToTheRunsEvents() {
        try (Rig rig = runInMemory()) {
            final TraceReader reader = rig.trace.reader();
            final List<TraceRecord> records = reader.records();
            assertEquals(rig.trace.recordCount(), reader.count());
            assertEquals(reader.count(), records.size());

            final TraceRecord refused = records.stream()
                .filter(r -> r.event() == HvEvent.HYPERCALL && r.a() == HypercallOp.DOMCTL_IRQ_PERMISSION.code())
                .findFirst().orElseThrow();
            assertEquals(GSI, refused.b());
            assertEquals(-Errno.EPERM, refused.c());
            assertEquals(0, refused.domain(), "issued by dom0");
            final TraceRecord setup = records.stream()
                .filter(r -> r.event() == HvEvent.HYPERCALL && r.a() == HypercallOp.PHYSDEVOP_SETUP_GSI.code())
                .findFirst().orElseThrow();
            assertEquals(0, setup.c());

            final TraceRecord reg = first(records, HvEvent.GSI_REGISTER);
            assertEquals(GSI, reg.a());
            assertEquals(3, reg.b(), "level << 1 | active-low");
            assertEquals(0, reg.c());
            final TraceRecord map = first(records, HvEvent.PIRQ_MAP);
            assertEquals(1, map.domain(), "mapped into domU");
            assertEquals(16, map.a());
            assertEquals(GSI, map.b());
            final TraceRecord bind = first(records, HvEvent.PT_BIND);
            assertEquals(0, bind.c());
            assertEquals(ASSERTIONS, count(records, HvEvent.DO_IRQ));
            assertEquals(GSI, first(records, HvEvent.DO_IRQ).b());
            final TraceRecord injected = first(records, HvEvent.VCPU_INTERRUPT);
            assertEquals(Rig.GUEST_VECTOR, injected.b());
            assertEquals(1, injected.domain());
            assertEquals(ASSERTIONS, count(records, HvEvent.VCPU_INTERRUPT));
            assertEquals(ASSERTIONS, count(records, HvEvent.PHYS_EOI));
            assertEquals(2 * ASSERTIONS, count(records, HwEvent.IOAPIC_DELIVER),
                "one physical and one virtual IO-APIC message per assertion");
            assertTrue(count(records, HwEvent.PCI_INTX) >= 2 * ASSERTIONS);

            long time = 0;
            for (final TraceRecord r : records) {
                assertNotNull(r.event() >= HvEvent.MMIO_TRAP ? HvEvent.name(r.event()) : HwEvent.name(r.event()),
                    "every code has a name: " + r.event());
                assertTrue(r.time() >= time, "virtual time never goes back");
                time = r.time();
            }
            assertEquals(List.of(0L, 10_000L, 20_000L), records.stream().filter(r -> r.event() == HvEvent.DO_IRQ)
                .map(TraceRecord::time).toList(), "stamped with virtual time");
        }
    }

    // header: magic "IRQSIMTR", version 1, record size 40, record count; exactly header + records
    @Test
    void headerDescribesTheRecords() {
        try (Rig rig = runInMemory()) {
            final byte[] bytes = rig.trace.toByteArray();
            final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals("IRQSIMTR", new String(bytes, 0, 8, StandardCharsets.US_ASCII));
            assertEquals(TraceFormat.MAGIC, b.getLong(0));
            assertEquals(TraceFormat.VERSION, b.getInt(8));
            assertEquals(TraceFormat.RECORD_SIZE, b.getInt(12));
            assertEquals(rig.trace.recordCount(), b.getLong(TraceFormat.COUNT_OFFSET));
            assertEquals(TraceFormat.recordOffset(rig.trace.recordCount()), bytes.length);
        }
    }

    // one thread, virtual time, FIFO work queue: same inputs, same bytes
    @Test
    void equalInputsGiveByteIdenticalTraces() {
        try (Rig a = runInMemory(); Rig b = runInMemory()) {
            assertTrue(a.trace.recordCount() > 100);
            assertArrayEquals(a.trace.toByteArray(), b.trace.toByteArray());
        }
    }

    // a different input (one assertion fewer) gives a different trace
    @Test
    void differentInputsGiveDifferentTraces() {
        try (Rig a = runInMemory(); Rig b = runInMemory()) {
            b.device(DefaultPlatform.NIC).setInterruptRequest(true);
            b.xen.drain();
            assertFalse(Arrays.equals(a.trace.toByteArray(), b.trace.toByteArray()));
        }
    }

    // the memory-mapped file holds the same records; its header count says where they end
    @Test
    void mappedFileTraceDecodesToTheSameRecords(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("sub/run.trace");
        final List<TraceRecord> expected;
        final long count;
        try (Rig mem = runInMemory()) {
            expected = mem.trace.reader().records();
            count = mem.trace.recordCount();
        }
        try (Rig mapped = run(clock -> TraceRecorder.mappedFile(file, clock))) {
            assertTrue(mapped.trace.isMapped());
            assertEquals(count, mapped.trace.recordCount());
        }
        assertTrue(Files.size(file) >= TraceFormat.recordOffset(count));
        final TraceReader reader = TraceReader.open(file);
        assertEquals(count, reader.count());
        assertEquals(expected, reader.records());
    }

    // writeTo writes header and records only; the file reads back the same
    @Test
    void writtenTraceFileReadsBack(@TempDir final Path dir) throws IOException {
        try (Rig rig = runInMemory()) {
            final Path file = dir.resolve("copy.trace");
            rig.trace.writeTo(file);
            assertEquals(TraceFormat.recordOffset(rig.trace.recordCount()), Files.size(file));
            assertEquals(rig.trace.reader().records(), TraceReader.open(file).records());
        }
    }

    // a trace cut short: the header promises more records than the bytes hold
    @Test
    void truncatedTraceIsRefusedWithTheCounts() {
        try (Rig rig = runInMemory()) {
            final byte[] full = rig.trace.toByteArray();
            final long count = rig.trace.recordCount();
            final byte[] cut = Arrays.copyOf(full, full.length - TraceFormat.RECORD_SIZE - 7);
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceReader.of(cut));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
            assertTrue(e.getMessage().contains(count + " records"), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(count - 2)), e.getMessage());
            final IllegalArgumentException h = assertThrows(IllegalArgumentException.class,
                () -> TraceReader.of(Arrays.copyOf(full, 20)));
            assertTrue(h.getMessage().contains("shorter than the 32-byte header"), h.getMessage());
        }
    }

    // TraceReader: a file without the "IRQSIMTR" magic is not a trace
    @Test
    void foreignFileIsRefusedForItsMagic(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("notes.txt");
        Files.writeString(file, "this is not a trace, it is a text file long enough for a header\n");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceReader.open(file));
        assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
    }

    // TraceReader: only format version 1 with 40-byte records is read
    @Test
    void otherVersionOrRecordSizeIsRefused() {
        try (Rig rig = runInMemory()) {
            final byte[] v2 = rig.trace.toByteArray();
            ByteBuffer.wrap(v2).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 2);
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceReader.of(v2));
            assertTrue(e.getMessage().contains("unsupported trace format version 2"), e.getMessage());
            final byte[] size = rig.trace.toByteArray();
            ByteBuffer.wrap(size).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 48);
            final IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> TraceReader.of(size));
            assertTrue(s.getMessage().contains("record size 48"), s.getMessage());
        }
    }

    // TraceReader.get: indexes past the header's count do not exist
    @Test
    void recordIndexOutsideTheTraceIsRefused() {
        try (Rig rig = runInMemory()) {
            final TraceReader reader = rig.trace.reader();
            assertThrows(IndexOutOfBoundsException.class, () -> reader.get(reader.count()));
            assertThrows(IndexOutOfBoundsException.class, () -> reader.get(-1));
        }
    }

    // recording switched off drops events; the count says so
    @Test
    void disabledRecorderDropsEvents() {
        final VirtualClock clock = new VirtualClock();
        try (TraceRecorder t = TraceRecorder.inMemory(clock, 16)) {
            t.event(HvEvent.HYPERCALL, 1, 2, 3);
            t.setEnabled(false);
            t.event(HvEvent.HYPERCALL, 4, 5, 6);
            t.setEnabled(true);
            clock.advanceBy(7);
            t.setContext(1, 5);
            t.event(HvEvent.DOMAIN_CREATE, 5, 2, 1);
            final List<TraceRecord> records = t.reader().records();
            assertEquals(2, records.size());
            assertEquals(new TraceRecord(0, HvEvent.HYPERCALL, -1, TraceFormat.DOMID_XEN, 1, 2, 3), records.get(0));
            assertEquals(new TraceRecord(7, HvEvent.DOMAIN_CREATE, 1, 5, 5, 2, 1), records.get(1));
        }
    }

    // TraceRecorder.traceSwitch: the flag devices test follows setEnabled and goes off for good on
    // close; a guest's emulated-device trace hands out the recorder's flag
    @Test
    void recorderSwitchFollowsEnabledAndClose() {
        final VirtualClock clock = new VirtualClock();
        final TraceRecorder t = TraceRecorder.inMemory(clock, 16);
        final TraceSwitch sw = t.traceSwitch();
        assertSame(sw, new EmulatedDeviceTrace(t, 3).traceSwitch());
        assertTrue(sw.isOn());
        t.setEnabled(false);
        assertFalse(sw.isOn());
        assertFalse(t.isRecording());
        t.setEnabled(true);
        assertTrue(t.isRecording());
        t.close();
        assertFalse(sw.isOn());
        t.setEnabled(true);
        assertFalse(t.isRecording(), "a closed recorder never records again");
        t.event(HvEvent.HYPERCALL, 1, 2, 3);
        assertEquals(0, t.recordCount());
    }

    // HypercallOp codes are stable trace values: each decodes back to its op
    @Test
    void hypercallOpCodesRoundTrip() {
        for (final HypercallOp op : HypercallOp.values()) {
            assertEquals(op, HypercallOp.ofCode(op.code()));
            assertNotNull(op.label());
        }
        assertEquals(null, HypercallOp.ofCode(999));
    }
}
