package io.irqsim.hw.time;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VirtualClock class comment: time moves only on advanceTo/advanceBy; due timers fire in
 * deadline order, ties in arm order, on the caller's thread (QEMU QEMU_CLOCK_VIRTUAL semantics).
 */
class VirtualClockTest {

    private final VirtualClock clock = new VirtualClock();
    private final List<String> fired = new ArrayList<>();

    private Timer timer(final String name) {
        return clock.newTimer(name, () -> fired.add(name + "@" + clock.now()));
    }

    // VirtualClock: a new clock starts at 0 with nothing armed
    @Test
    void newClockStartsAtZeroWithNothingArmed() {
        assertEquals(0, clock.now());
        assertEquals(0, clock.armedTimers());
        assertEquals(Long.MAX_VALUE, clock.nextDeadline());
    }

    // VirtualClock.advanceTo: due timers fire in deadline order, each seeing now() == its deadline
    @Test
    void timersFireInDeadlineOrder() {
        timer("c").armAt(300);
        timer("a").armAt(100);
        timer("b").armAfter(200);
        assertEquals(3, clock.armedTimers());
        assertEquals(100, clock.nextDeadline());
        clock.advanceTo(1000);
        assertEquals(List.of("a@100", "b@200", "c@300"), fired);
        assertEquals(1000, clock.now());
        assertEquals(0, clock.armedTimers());
    }

    // VirtualClock: ties fire in the order the timers were armed
    @Test
    void tiesFireInArmOrder() {
        for (final String n : new String[] {"t3", "t1", "t4", "t0", "t2"}) {
            timer(n).armAt(50);
        }
        clock.advanceBy(50);
        assertEquals(List.of("t3@50", "t1@50", "t4@50", "t0@50", "t2@50"), fired);
    }

    // VirtualClock.advanceTo: fires timers due at or before the target, not after
    @Test
    void advanceFiresTimersDueAtOrBeforeTargetOnly() {
        final Timer t = timer("t");
        t.armAt(100);
        clock.advanceTo(99);
        assertTrue(fired.isEmpty());
        assertTrue(t.isArmed());
        clock.advanceTo(100);
        assertEquals(List.of("t@100"), fired);
        assertFalse(t.isArmed());
        assertEquals(100, t.deadline());
    }

    // Timer: re-arming an armed timer moves its deadline (and its place among ties)
    @Test
    void rearmMovesDeadline() {
        final Timer a = timer("a");
        final Timer b = timer("b");
        a.armAt(10);
        b.armAt(20);
        a.armAt(30);
        assertEquals(2, clock.armedTimers());
        clock.advanceTo(25);
        assertEquals(List.of("b@20"), fired);
        b.armAt(30); // now b was armed after a: a fires first at the tie
        clock.advanceTo(30);
        assertEquals(List.of("b@20", "a@30", "b@30"), fired);
    }

    // Timer.cancel: disarms; cancelling an idle timer does nothing
    @Test
    void cancelDisarms() {
        final Timer a = timer("a");
        final Timer b = timer("b");
        a.armAt(10);
        b.armAt(10);
        a.cancel();
        a.cancel();
        assertFalse(a.isArmed());
        assertEquals(1, clock.armedTimers());
        clock.advanceTo(100);
        assertEquals(List.of("b@10"), fired);
        timer("never").cancel();
        assertEquals(0, clock.armedTimers());
    }

    // VirtualClock: time never goes backwards
    @Test
    void timeNeverGoesBackwards() {
        clock.advanceTo(500);
        assertThrows(IllegalArgumentException.class, () -> clock.advanceTo(499));
        assertThrows(IllegalArgumentException.class, () -> clock.advanceBy(-1));
        assertThrows(IllegalArgumentException.class, () -> timer("neg").armAfter(-1));
        assertEquals(500, clock.now());
        clock.advanceTo(500); // standing still is allowed
        assertEquals(500, clock.now());
    }

    // VirtualClock.advanceTo: a timer re-arming itself for a deadline within the window fires again
    @Test
    void timerRearmingItselfWithinTheWindowFiresAgain() {
        final List<Long> ticks = new ArrayList<>();
        final Timer[] self = new Timer[1];
        self[0] = clock.newTimer("periodic", () -> {
            ticks.add(clock.now());
            self[0].armAfter(10);
        });
        self[0].armAfter(10);
        clock.advanceBy(35);
        assertEquals(List.of(10L, 20L, 30L), ticks);
        assertEquals(35, clock.now());
        assertTrue(self[0].isArmed());
        assertEquals(40, clock.nextDeadline());
    }

    // Timer.armAt: a deadline already in the past fires on the next advance without moving time back
    @Test
    void deadlineInThePastFiresOnNextAdvance() {
        clock.advanceTo(1000);
        timer("late").armAt(10);
        clock.advanceBy(0);
        assertEquals(List.of("late@1000"), fired);
        assertEquals(1000, clock.now());
    }

    // VirtualClock: the timer queue agrees with a sorted reference under random arm/re-arm/cancel
    @Test
    void queueOrderMatchesSortedReferenceUnderRandomArmRearmCancel() {
        final SplittableRandom rnd = new SplittableRandom(20240611L);
        final int n = 200;
        final Timer[] timers = new Timer[n];
        final long[] deadline = new long[n];
        final long[] armSeq = new long[n];
        final boolean[] armed = new boolean[n];
        final List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final int id = i;
            timers[i] = clock.newTimer("t" + i, () -> order.add(id));
        }
        long seq = 0;
        for (int step = 0; step < 5000; step++) {
            final int i = rnd.nextInt(n);
            if (rnd.nextInt(4) == 0) {
                timers[i].cancel();
                armed[i] = false;
            } else {
                deadline[i] = rnd.nextLong(1, 50);
                timers[i].armAt(deadline[i]);
                armed[i] = true;
                armSeq[i] = seq++;
            }
        }
        final List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (armed[i]) {
                expected.add(i);
            }
        }
        expected.sort(Comparator.<Integer>comparingLong(i -> deadline[i]).thenComparingLong(i -> armSeq[i]));
        assertEquals(expected.size(), clock.armedTimers());
        clock.advanceTo(100);
        assertEquals(expected, order);
    }

    // Timer.postponeAfter: pushed back while armed, the timer fires once, at the latest deadline
    @Test
    void postponedTimerFiresOnceAtTheLatestDeadline() {
        final Timer t = timer("eoi");
        t.postponeAfter(1000);
        clock.advanceTo(400);
        t.postponeAfter(1000);
        clock.advanceTo(900);
        t.postponeAfter(1000);
        assertEquals(1900, t.deadline());
        assertEquals(1900, clock.nextDeadline(), "the next deadline is the postponed one, not the first arming's");
        clock.advanceTo(1899);
        assertEquals(List.of(), fired, "nothing fires at the old deadlines 1000 and 1400");
        assertTrue(t.isArmed());
        clock.advanceTo(5000);
        assertEquals(List.of("eoi@1900"), fired);
        assertFalse(t.isArmed());
    }

    // Timer.postponeAfter: among equal deadlines the timer keeps the place an arming at that moment takes
    @Test
    void postponedTimerKeepsTheOrderOfAnArmingAtThatMoment() {
        final Timer eoi = timer("eoi");
        final Timer before = timer("before");
        final Timer after = timer("after");
        eoi.postponeAfter(1000);
        clock.advanceTo(500);
        before.armAt(1500);
        eoi.postponeAfter(1000); // due at 1500 too, armed after "before"
        after.armAt(1500);
        clock.advanceTo(2000);
        assertEquals(List.of("before@1500", "eoi@1500", "after@1500"), fired);
    }

    // Timer.postponeAfter: an earlier deadline, an idle timer, cancel and armAt behave as for armAfter
    @Test
    void postponeToAnEarlierDeadlineOrAfterCancelArmsAtOnce() {
        final Timer t = timer("t");
        t.postponeAfter(100);
        assertEquals(100, clock.nextDeadline());
        t.armAt(5000);
        t.postponeAfter(200);
        assertEquals(200, clock.nextDeadline(), "earlier than the armed deadline: moved now");
        t.postponeAfter(300);
        t.cancel();
        assertEquals(0, clock.armedTimers());
        clock.advanceTo(1000);
        assertEquals(List.of(), fired, "a cancelled postponed timer does not fire at either deadline");
        t.postponeAfter(50);
        t.armAt(1010);
        clock.advanceTo(2000);
        assertEquals(List.of("t@1010"), fired, "armAt replaces a postponement");
    }

    // Timer.postponeAfter: under random steps it fires exactly as armAfter would
    @Test
    void postponeFiresAsArmAfterUnderRandomSteps() {
        final VirtualClock eager = new VirtualClock();
        final List<String> eagerFired = new ArrayList<>();
        final SplittableRandom rnd = new SplittableRandom(20261202L);
        final int n = 8;
        final Timer[] lazy = new Timer[n];
        final Timer[] ref = new Timer[n];
        for (int i = 0; i < n; i++) {
            lazy[i] = timer("t" + i);
            final String name = "t" + i;
            ref[i] = eager.newTimer(name, () -> eagerFired.add(name + "@" + eager.now()));
        }
        for (int step = 0; step < 20_000; step++) {
            final int i = rnd.nextInt(n);
            final int op = rnd.nextInt(10);
            if (op == 0) {
                lazy[i].cancel();
                ref[i].cancel();
            } else if (op < 7) {
                final long delay = rnd.nextLong(0, 64);
                lazy[i].postponeAfter(delay);
                ref[i].armAfter(delay);
            } else if (op == 7) {
                assertEquals(eager.nextDeadline(), clock.nextDeadline());
            } else {
                final long by = rnd.nextLong(0, 40);
                clock.advanceBy(by);
                eager.advanceBy(by);
            }
        }
        clock.advanceBy(1000);
        eager.advanceBy(1000);
        assertTrue(eagerFired.size() > 1000, "the steps fire timers");
        assertEquals(eagerFired, fired);
    }

    // Timer.toString: names the timer and its state (diagnostics)
    @Test
    void timerToStringShowsNameAndState() {
        final Timer t = timer("storm");
        assertTrue(t.toString().contains("storm") && t.toString().contains("idle"));
        t.armAt(7);
        assertTrue(t.toString().contains("@7"));
    }
}
