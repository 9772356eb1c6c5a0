package io.irqsim.dm.net;

import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.DmFrameDecoder;
import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.hw.time.Timer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.irqsim.dm.net.server.VirtualTimePacer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.irqsim.dm.net.Frames.MO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What keeps a served machine and its server bounded: the idle timeout, the budget of a model's
 * ERROR notices and what is logged of them, the reports of ended sessions, and the virtual time
 * that follows the wall clock so that timers fire. Time is the embedded channels' (frozen, moved
 * by the test).
 */
class ServerLimitsTest {

    ServerRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    private static DmServerConfig limits(final DmServerConfig.Limits l) {
        return DmServerConfig.DEFAULT.withLimits(l);
    }

    private static DmFrame notice(final String text) {
        return new DmFrame(Opcodes.ERROR, MO, 0, 0, new Msg.Error(ErrorCodes.MODEL_FAULT, 0, 0, text));
    }

    private static Msg.Error lastError(final List<Object> frames) {
        final DmFrame last = (DmFrame) frames.get(frames.size() - 1);
        assertEquals(Opcodes.ERROR, last.type(), frames.toString());
        return (Msg.Error) last.payload();
    }

    @Test
    void aSessionThatSendsNoCompleteFrameForTheIdleTimeoutIsEnded() {
        rig = ServerRig.boot();
        final EmbeddedChannel ch = rig.connectFrozen();
        ServerRig.handshake(ch);
        ch.advanceTimeBy(4, TimeUnit.MINUTES);
        ch.runScheduledPendingTasks();
        // a PING at 4 min: the model is alive, the 5 min count starts again
        assertEquals(Opcodes.PING, ServerRig.only(ServerRig.exchange(ch, Frames.ping(5))).type());
        // then a frame's first bytes, trickled, never complete
        ServerRig.send(ch, java.util.Arrays.copyOf(Frames.bytes(Frames.ping(6)), 20));
        ch.advanceTimeBy(4, TimeUnit.MINUTES);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen(), "8 min after HELLO, 4 min after the PING: still open");
        ch.advanceTimeBy(1, TimeUnit.MINUTES);
        ch.runScheduledPendingTasks();
        final Msg.Error e = lastError(ServerRig.decode(ServerRig.drain(ch)));
        assertEquals(ErrorCodes.TIMED_OUT, e.code());
        assertFalse(ch.isOpen(), "5 min without a complete frame: closed");
        assertTrue(rig.service.sessions().isEmpty());
        assertTrue(rig.service.endedSessions().get(0).reason().startsWith("TIMED_OUT"),
            rig.service.endedSessions().toString());
    }

    @Test
    void aClientTricklingAByteASecondIsClosedAtTheHandshakeTimeout() {
        rig = ServerRig.boot();
        final EmbeddedChannel ch = rig.connectFrozen();
        final byte[] hello = Frames.bytes(Frames.hello(1));
        int sent = 0;
        while (ch.isOpen() && sent < hello.length) {
            ServerRig.send(ch, new byte[] {hello[sent++]});
            ch.advanceTimeBy(1, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
        }
        assertFalse(ch.isOpen(), "closed before the " + hello.length + "-byte HELLO was complete");
        assertEquals(10, sent, "after 10 bytes, at 10 s");
        assertEquals(ErrorCodes.TIMED_OUT, lastError(ServerRig.decode(ServerRig.drain(ch))).code());
    }

    @Test
    void anIdleTimeoutOfZeroMeansNone() {
        rig = ServerRig.boot(limits(DmServerConfig.Limits.DEFAULT.withTimeouts(Duration.ofSeconds(10), Duration.ZERO)));
        final EmbeddedChannel ch = rig.connectFrozen();
        ServerRig.handshake(ch);
        ch.advanceTimeBy(30, TimeUnit.DAYS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen());
    }

    @Test
    void aModelPastItsNoticeBudgetIsEndedAndOnlyTheBudgetIsLogged() {
        rig = ServerRig.boot(limits(DmServerConfig.Limits.DEFAULT.withMaxNotices(3)));
        final EmbeddedChannel ch = rig.connectFrozen();
        ServerRig.handshake(ch);
        final int before = rig.log.size();
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of(), ServerRig.exchange(ch, notice("fault " + i)), "a notice is not answered");
        }
        assertTrue(ch.isOpen(), "three notices: within the budget");
        final Msg.Error e = lastError(ServerRig.exchange(ch, notice("fault 3")));
        assertEquals(ErrorCodes.TOO_MANY_ERRORS, e.code());
        assertFalse(ch.isOpen());
        final long reports = rig.log.subList(before, rig.log.size()).stream()
            .filter(l -> l.contains("the model reports")).count();
        assertEquals(3, reports, rig.log.toString());
    }

    @Test
    void aNoticeCannotForgeALogLine() {
        rig = ServerRig.boot();
        final EmbeddedChannel ch = rig.connectFrozen();
        ServerRig.handshake(ch);
        ServerRig.exchange(ch, notice("oops\nirqsim serve: session 9 (/10.0.0.1:1): attached to d0\u001b[2K\u2028x"));
        final String line = rig.log.stream().filter(l -> l.contains("the model reports")).findFirst().orElseThrow();
        assertFalse(line.chars().anyMatch(c -> c < 0x20 || c == 0x2028), line);
        assertTrue(line.contains("oops\\nirqsim serve: session 9"), line);
        assertTrue(line.contains("\\u001b[2K\\u2028x"), line);
    }

    @Test
    void theReportsOfEndedSessionsAreBoundedHoweverManyEnd() {
        rig = ServerRig.boot();
        final int kept = DmServerConfig.Limits.DEFAULT.keptReports();
        for (int i = 0; i < 1_000; i++) {
            rig.connectFrozen().close();
        }
        assertEquals(1_000, rig.service.endedCount());
        final List<io.irqsim.dm.net.server.SessionReport> after1000 = rig.service.endedSessions();
        assertEquals(kept, after1000.size());
        for (int i = 0; i < 9_000; i++) {
            rig.connectFrozen().close();
        }
        assertEquals(10_000, rig.service.endedCount());
        final List<io.irqsim.dm.net.server.SessionReport> after10000 = rig.service.endedSessions();
        assertEquals(kept, after10000.size(), "as many reports kept after 10,000 sessions as after 1,000");
        assertEquals(10_000, after10000.get(kept - 1).session(), "the newest is kept");
        assertEquals(10_000 - kept + 1, after10000.get(0).session(), "the oldest kept");
        assertTrue(rig.service.sessions().isEmpty());
    }

    /** Answers every IOREQ in {@code frames} with 0 (STATUS: nothing pending); @return how many there were. */
    private static int answerZero(final EmbeddedChannel ch, final List<Object> frames) {
        int n = 0;
        for (final Object o : frames) {
            if (o instanceof DmFrame && ((DmFrame) o).type() == Opcodes.IOREQ && !((DmFrame) o).isReply()) {
                ServerRig.send(ch, Frames.bytes(Frames.ioreqReply(((DmFrame) o).device(), ((DmFrame) o).id(), 0)));
                n++;
            }
        }
        return n;
    }

    private static long ioreqs(final List<Object> frames) {
        return frames.stream().filter(o -> o instanceof DmFrame && ((DmFrame) o).type() == Opcodes.IOREQ).count();
    }

    @Test
    void aGsiAModelStormedRecoversForTheNextModelAsWallTimePasses() {
        rig = ServerRig.boot();
        final EmbeddedChannel loop = new EmbeddedChannel(); // the server's event loop and its clock
        loop.freezeTime();
        rig.service.paceVirtualTime(loop.eventLoop(), Duration.ofMillis(1));
        // a model storms its guest: INTx up, and every STATUS read answered 0, so the guest's
        // handler finds nothing, EOIs, and the level line interrupts it again
        final EmbeddedChannel storm = rig.connectFrozen();
        ServerRig.attach(storm, "domU");
        final int dev = ServerRig.only(ServerRig.exchange(storm, Frames.request(Opcodes.REGISTER_PCI, 0, 3,
            Frames.nic(6)))).device();
        ServerRig.send(storm, Frames.bytes(Frames.request(Opcodes.SET_INTX, dev, 4, new Msg.SetIntx(1))));
        // one decoder for the whole storm (the guest takes the interrupt some 10,000 times)
        final EmbeddedChannel model = new EmbeddedChannel(new DmFrameDecoder(DmFrameDecoder.Role.CLIENT));
        int rounds = 0;
        int n;
        do {
            storm.runPendingTasks();
            io.netty.buffer.ByteBuf b;
            while ((b = storm.readOutbound()) != null) {
                model.writeInbound(b);
            }
            final List<Object> out = new java.util.ArrayList<>();
            Object f;
            while ((f = model.readInbound()) != null) {
                out.add(f);
            }
            n = answerZero(storm, out);
            rounds += n;
        } while (n > 0 && rounds < 20_000);
        List<Object> out;
        assertTrue(rounds > 1_000, "the guest kept taking the interrupt: " + rounds);
        storm.close(); // it goes away: its line is lowered
        // the next model at the same GSI raises its line
        final EmbeddedChannel next = rig.connectFrozen();
        ServerRig.attach(next, "domU");
        final int dev2 = ServerRig.only(ServerRig.exchange(next, Frames.request(Opcodes.REGISTER_PCI, 0, 3,
            Frames.nic(6)))).device();
        out = ServerRig.exchange(next, Frames.request(Opcodes.SET_INTX, dev2, 4, new Msg.SetIntx(1)));
        long taken = ioreqs(out);
        for (int ms = 0; ms < 20 && taken == 0; ms++) {
            loop.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            loop.runScheduledPendingTasks();
            taken += ioreqs(ServerRig.decode(ServerRig.drain(next)));
        }
        assertTrue(taken > 0, "within 20 ms of wall time the guest takes the next model's interrupt (reads STATUS)");
    }

    @Test
    void withNoTimerArmedVirtualTimeCatchesUpEvery100MsOnly() {
        rig = ServerRig.boot();
        final EmbeddedChannel loop = new EmbeddedChannel();
        loop.freezeTime();
        final VirtualTimePacer pacer = rig.service.paceVirtualTime(loop.eventLoop(), Duration.ofMillis(1));
        final long start = rig.machine.xen().platform().clock().now();
        assertEquals(0, rig.machine.xen().platform().clock().armedTimers());
        loop.advanceTimeBy(99, TimeUnit.MILLISECONDS);
        loop.runScheduledPendingTasks();
        assertEquals(start, rig.machine.xen().platform().clock().now(), "no wake-up in the first 99 ms");
        loop.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        loop.runScheduledPendingTasks();
        assertEquals(start + TimeUnit.MILLISECONDS.toNanos(100), rig.machine.xen().platform().clock().now());
        pacer.stop();
    }

    @Test
    void aTimerArmedWhileServingFiresAsWallTimePasses() {
        rig = ServerRig.boot();
        final EmbeddedChannel loop = rig.connectFrozen(); // stands for the server's event loop and its clock
        final VirtualTimePacer pacer = rig.service.paceVirtualTime(loop.eventLoop(), Duration.ofMillis(1));
        final long start = rig.machine.xen().platform().clock().now();
        final boolean[] fired = {false};
        final Timer t = rig.machine.xen().platform().clock().newTimer("test", () -> fired[0] = true);
        t.armAfter(TimeUnit.MILLISECONDS.toNanos(5));
        pacer.kick(); // as the server does after work on the machine
        loop.advanceTimeBy(4, TimeUnit.MILLISECONDS);
        loop.runScheduledPendingTasks();
        assertFalse(fired[0], "4 ms of wall time: not yet");
        loop.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        loop.runScheduledPendingTasks();
        assertTrue(fired[0], "5 ms: fired");
        assertEquals(TimeUnit.MILLISECONDS.toNanos(5), rig.machine.xen().platform().clock().now() - start,
            "virtual time moved with the loop's clock");
        pacer.stop();
    }
}
