package io.irqsim.hv.sched;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.time.Timer;
import io.irqsim.hw.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The machine thread's run queue: FIFO, an item is queued at most once, and work is never run
 * from inside running work (a drain while draining returns 0 and the outer drain picks the new
 * work up), as Xen defers to softirqs instead of nesting. Timers on the virtual clock feed it.
 */
class WorkQueueTest {

    final WorkQueue queue = new WorkQueue();
    final List<String> log = new ArrayList<>();

    final class Item extends WorkItem {
        final String name;
        Runnable body = () -> { };

        Item(final String name) {
            this.name = name;
        }

        @Override
        protected void run() {
            log.add(name);
            body.run();
        }
    }

    // FIFO, like Xen's softirq/tasklet queues: the run order is the schedule order
    @Test
    void itemsRunInTheOrderTheyWereScheduled() {
        final Item a = new Item("a");
        final Item b = new Item("b");
        final Item c = new Item("c");
        queue.schedule(b);
        queue.schedule(a);
        queue.schedule(c);
        assertFalse(queue.isIdle());
        assertEquals(3, queue.drain());
        assertEquals(List.of("b", "a", "c"), log);
        assertTrue(queue.isIdle());
        assertEquals(0, queue.drain());
        assertEquals(3, queue.itemsRun());
    }

    // an item already waiting is not queued twice (raise_softirq on a pending softirq)
    @Test
    void schedulingAQueuedItemAgainRunsItOnce() {
        final Item a = new Item("a");
        queue.schedule(a);
        assertTrue(a.isQueued());
        queue.schedule(a);
        assertEquals(1, queue.drain());
        assertEquals(List.of("a"), log);
        assertFalse(a.isQueued());
    }

    // no re-entrancy: a drain from inside running work returns 0; the outer drain runs what was
    // scheduled meanwhile, after the current item finishes
    @Test
    void drainWhileDrainingReturnsZeroAndTheOuterDrainRunsTheNewWork() {
        final Item a = new Item("a");
        final Item b = new Item("b");
        final long[] inner = {-1};
        final boolean[] drainingSeen = {false};
        a.body = () -> {
            queue.schedule(b);
            drainingSeen[0] = queue.isDraining();
            inner[0] = queue.drain();
            log.add("a-done");
        };
        queue.schedule(a);
        assertEquals(2, queue.drain());
        assertEquals(0, inner[0]);
        assertTrue(drainingSeen[0]);
        assertEquals(List.of("a", "a-done", "b"), log);
        assertFalse(queue.isDraining());
    }

    // an item may schedule itself again while it runs (it is dequeued before it runs)
    @Test
    void itemRescheduledDuringItsRunRunsAgain() {
        final Item a = new Item("a");
        final int[] left = {3};
        a.body = () -> {
            if (--left[0] > 0) {
                queue.schedule(a);
            }
        };
        queue.schedule(a);
        assertEquals(3, queue.drain());
        assertEquals(List.of("a", "a", "a"), log);
    }

    // a failing item does not leave the queue stuck in "draining"; the rest still runs later
    @Test
    void exceptionInAnItemLeavesTheQueueUsable() {
        final Item bad = new Item("bad");
        final Item next = new Item("next");
        bad.body = () -> {
            throw new IllegalStateException("model bug");
        };
        queue.schedule(bad);
        queue.schedule(next);
        assertThrows(IllegalStateException.class, queue::drain);
        assertFalse(queue.isDraining());
        assertTrue(next.isQueued());
        assertEquals(1, queue.drain());
        assertEquals(List.of("bad", "next"), log);
    }

    // Hypervisor.advanceTime: timers fire in deadline order, each at its own virtual time, and
    // the work each one schedules runs before time moves on
    @Test
    void advanceTimeFiresTimersInOrderAndDrainsAfterEach() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final VirtualClock clock = rig.xen.platform().clock();
        final WorkQueue q = rig.xen.queue();
        final List<Long> ranAt = new ArrayList<>();
        final WorkItem work = new WorkItem() {
            @Override
            protected void run() {
                ranAt.add(clock.now());
            }
        };
        final Timer late = clock.newTimer("late", () -> q.schedule(work));
        final Timer early = clock.newTimer("early", () -> q.schedule(work));
        final Timer exact = clock.newTimer("exact", () -> q.schedule(work));
        late.armAfter(700);
        early.armAfter(200);
        exact.armAfter(1_000);
        rig.xen.advanceTime(1_000);
        assertEquals(List.of(200L, 700L, 1_000L), ranAt, "a timer due exactly at the target fires");
        assertEquals(1_000, clock.now());
        assertTrue(q.isIdle());
        rig.xen.advanceTime(0);
        assertEquals(3, ranAt.size());
        assertSame(clock, rig.xen.platform().clock());
    }
}
