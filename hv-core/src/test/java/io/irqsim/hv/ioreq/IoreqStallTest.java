package io.irqsim.hv.ioreq;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A vCPU whose access went to a device model waits for the answer, as a Xen vCPU waits on its
 * ioreq ({@code xen/common/ioreq.c:ioreq_send} / {@code wait_for_io@RELEASE-4.18.0/4.20.0}): no
 * interrupt is injected meanwhile; the completion runs, then pending interrupts are injected.
 */
class IoreqStallTest {

    private static final long GADDR = 0xF000_0000L;

    /** A device model that answers only when told to. */
    static final class SlowModel implements IoreqDevice {
        final Deque<Runnable> pending = new ArrayDeque<>();
        final List<String> writes = new ArrayList<>();

        @Override
        public long read(final long offset, final int size) {
            return -1L;
        }

        @Override
        public void write(final long offset, final int size, final long value) {
            writes.add("sync " + offset);
        }

        @Override
        public String name() {
            return "slow";
        }

        @Override
        public void readAsync(final Vcpu vcpu, final long offset, final int size, final IoreqCompletion done) {
            pending.add(() -> done.complete(0x1234 + offset));
        }

        @Override
        public void writeAsync(final Vcpu vcpu, final long offset, final int size, final long value,
                               final IoreqCompletion done) {
            pending.add(() -> {
                writes.add(offset + "=" + value);
                done.complete(0);
            });
        }
    }

    private final Rig rig = Rig.boot(XenConfig.XEN_4_20);
    private final Domain dom0 = rig.pvhDom0();
    private final Domain domu = rig.hvmGuest("domU");
    private final Vcpu v = domu.vcpu(0);
    private final SlowModel model = new SlowModel();
    private final List<Integer> taken = new ArrayList<>();

    IoreqStallTest() {
        domu.mapEmulated(GADDR, 0x1000, model);
        Rig.enableVlapic(v);
        Rig.writeRte(v, 5, Rte.of(0x45, Rte.DM_FIXED, false, false, false, false, 0));
        Rig.onInterrupt(domu, (cpu, vector) -> {
            taken.add(vector);
            Rig.lapicEoi(cpu);
        });
    }

    private TraceRecord trapAt(final long gpa) {
        for (final TraceRecord r : rig.records(HvEvent.MMIO_TRAP)) {
            if (r.a() == gpa) {
                return r;
            }
        }
        throw new AssertionError("no mmio_trap at 0x" + Long.toHexString(gpa));
    }

    private void isaEdge() {
        assertEquals(0, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 5, 1));
        assertEquals(0, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 5, 0));
    }

    // wait_for_io: the vCPU sleeps until the ioreq is answered; an interrupt meanwhile waits for it
    @Test
    void anInterruptArrivingWhileTheVcpuWaitsOnAnIoreqIsInjectedAfterTheAnswer() {
        final long[] value = {-1};
        v.mmioReadAsync(GADDR + 8, 4, x -> value[0] = x);
        assertTrue(v.isBlocked());
        assertEquals(1, v.ioreqsInFlight());
        isaEdge();
        rig.xen.drain();
        assertTrue(taken.isEmpty(), "not injected while the vCPU waits");
        model.pending.poll().run();
        assertEquals(0x1234 + 8, value[0]);
        assertFalse(v.isBlocked());
        assertEquals(0, v.ioreqsInFlight());
        assertEquals(List.of(0x45), taken);
        final TraceRecord t = trapAt(GADDR + 8);
        assertEquals(4 | 1 << 9, t.b(), "a read of 4 bytes, forwarded to a device model");
    }

    // an ioreq write: the device model applies it when it answers; the vCPU waits until then
    @Test
    void anIoreqWriteCompletesWhenTheModelAnswers() {
        final boolean[] done = new boolean[1];
        v.mmioWriteAsync(GADDR + 4, 4, 0x99, x -> done[0] = true);
        assertTrue(v.isBlocked());
        assertFalse(done[0]);
        assertTrue(model.writes.isEmpty());
        model.pending.poll().run();
        assertTrue(done[0]);
        assertEquals(List.of("4=153"), model.writes);
        assertFalse(v.isBlocked());
        final TraceRecord t = trapAt(GADDR + 4);
        assertEquals(4 | 1 << 8 | 1 << 9, t.b(), "a forwarded write of 4 bytes");
        assertEquals(0x99, t.c());
    }

    // two outstanding ioreqs: the vCPU runs again only when both are answered
    @Test
    void theVcpuStaysStalledUntilEveryOutstandingIoreqIsAnswered() {
        v.mmioReadAsync(GADDR, 4, x -> { });
        v.mmioReadAsync(GADDR + 4, 4, x -> { });
        assertEquals(2, v.ioreqsInFlight());
        isaEdge();
        model.pending.poll().run();
        assertTrue(v.isBlocked());
        assertTrue(taken.isEmpty());
        model.pending.poll().run();
        assertFalse(v.isBlocked());
        assertEquals(List.of(0x45), taken);
    }

    // an access outside any device model's window completes before the call returns
    @Test
    void anAccessOutsideADeviceModelCompletesAtOnce() {
        final long[] value = {-1};
        v.mmioReadAsync(io.irqsim.hw.apic.LocalApicRegisters.DEFAULT_BASE + io.irqsim.hw.apic.LocalApicRegisters.SVR,
            4, x -> value[0] = x);
        assertEquals(0x1FF, value[0] & 0x1FF);
        assertFalse(v.isBlocked());
        final boolean[] done = new boolean[1];
        v.mmioWriteAsync(io.irqsim.hw.apic.LocalApicRegisters.DEFAULT_BASE + io.irqsim.hw.apic.LocalApicRegisters.TPR,
            4, 0, x -> done[0] = true);
        assertTrue(done[0]);
        assertEquals(0, v.ioreqsInFlight());
    }

    // Vcpu.unblock without a matching block is a model bug, reported as such
    @Test
    void unblockWithoutBlockIsRefused() {
        assertThrows(IllegalStateException.class, v::unblock);
    }
}
