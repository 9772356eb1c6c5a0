package io.irqsim.hv.sched;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run queue's guard against a model livelock: one drain runs at most
 * {@link WorkQueue#MAX_ITEMS_PER_DRAIN} items; one more is an interrupt storm nothing bounds, and
 * the drain stops with an error naming it instead of spinning for ever.
 */
class LivelockGuardTest {

    /** Reschedules itself until it has run {@code limit} times. */
    static final class Repeating extends WorkItem {
        final WorkQueue queue;
        final long limit;
        long runs;

        Repeating(final WorkQueue queue, final long limit) {
            this.queue = queue;
            this.limit = limit;
        }

        @Override
        protected void run() {
            if (++runs < limit) {
                queue.schedule(this);
            }
        }
    }

    @Test
    void aDrainOfExactlyTheLimitSettles() {
        final WorkQueue q = new WorkQueue();
        final Repeating r = new Repeating(q, WorkQueue.MAX_ITEMS_PER_DRAIN);
        q.schedule(r);
        assertEquals(WorkQueue.MAX_ITEMS_PER_DRAIN, q.drain());
        assertTrue(q.isIdle());
    }

    @Test
    void oneItemMoreIsAStormTheDrainRefuses() {
        final WorkQueue q = new WorkQueue();
        final Repeating r = new Repeating(q, Long.MAX_VALUE);
        q.schedule(r);
        final IllegalStateException e = assertThrows(IllegalStateException.class, q::drain);
        assertTrue(e.getMessage().contains("did not settle after " + WorkQueue.MAX_ITEMS_PER_DRAIN), e.getMessage());
        assertEquals(WorkQueue.MAX_ITEMS_PER_DRAIN + 1, r.runs);
        assertFalse(q.isDraining(), "the queue is usable again");
    }
}
