package io.irqsim.hv;

import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.time.Timer;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** {@link Hypervisor#advanceTime} at the ends of the clock: a step to Long.MAX_VALUE ns ends. */
class AdvanceTimeTest {

    private static Rig boot() {
        return Rig.boot(DefaultPlatform.spec(), XenConfig.XEN_4_20, clock -> TraceRecorder.inMemory(clock, 16));
    }

    // a scenario's intervalNs: 0x7fffffffffffffff with no timer armed used to loop forever
    @Test
    void aStepOfLongMaxValueWithNoTimerArmedEndsAtTheEndOfTime() {
        try (Rig rig = boot()) {
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> rig.xen.advanceTime(Long.MAX_VALUE));
            assertEquals(Long.MAX_VALUE, rig.xen.platform().clock().now());
        }
    }

    @Test
    void aStepPastTheEndOfTimeSaturatesAndStillFiresTimers() {
        try (Rig rig = boot()) {
            final int[] fired = new int[1];
            final Timer t = rig.xen.platform().clock().newTimer("test", () -> fired[0]++);
            rig.xen.advanceTime(1000);
            t.armAt(5000);
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> rig.xen.advanceTime(Long.MAX_VALUE));
            assertEquals(1, fired[0]);
            assertEquals(Long.MAX_VALUE, rig.xen.platform().clock().now());
        }
    }

    @Test
    void aNegativeStepIsRefused() {
        try (Rig rig = boot()) {
            assertThrows(IllegalArgumentException.class, () -> rig.xen.advanceTime(-1));
        }
    }
}
