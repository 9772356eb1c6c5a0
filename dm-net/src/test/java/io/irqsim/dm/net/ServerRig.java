package io.irqsim.dm.net;

import io.irqsim.dm.net.proto.DmCodec;
import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.DmFrameDecoder;
import io.irqsim.dm.net.proto.InvalidFrame;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.dm.net.server.DmService;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.guest.strategy.Strategy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device-model server without sockets: a booted scenario, its {@link DmService}, and
 * connections as {@link EmbeddedChannel}s whose event loop is the test's thread (so the test
 * thread owns the machine, as the server's loop does when serving, and controls time).
 */
final class ServerRig implements AutoCloseable {

    final ScenarioMachine machine;
    final DmService service;
    final List<String> log = new ArrayList<>();

    private ServerRig(final ScenarioMachine machine, final DmServerConfig config) {
        this.machine = machine;
        this.service = new DmService(machine, config, log::add);
    }

    /** The default scenario (PVH dom0, domU; status-quo: the NIC's passthrough fails), default limits. */
    static ServerRig boot() {
        return boot(DmServerConfig.DEFAULT);
    }

    static ServerRig boot(final DmServerConfig config) {
        return boot(Scenario.defaultScenario(), Strategies.byName(Scenario.DEFAULT_STRATEGY), config);
    }

    static ServerRig boot(final Scenario scenario, final Strategy strategy, final DmServerConfig config) {
        return new ServerRig(ScenarioMachine.boot(scenario, strategy), config);
    }

    /** @return a new connection: a server-side codec and a session */
    EmbeddedChannel connect() {
        return new EmbeddedChannel(new DmCodec(DmFrameDecoder.Role.SERVER), service.newSession());
    }

    /**
     * @return a new connection set up as the server sets one up (a session, or SERVER_FULL past the
     *     cap), its time frozen before the session's timers are armed: time moves only by
     *     {@code advanceTimeBy}
     */
    EmbeddedChannel connectFrozen() {
        final EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        service.initConnection(ch);
        ch.runPendingTasks();
        return ch;
    }

    static void send(final EmbeddedChannel ch, final byte[] bytes) {
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
    }

    /** @return everything the server wrote on the channel so far */
    static byte[] drain(final EmbeddedChannel ch) {
        ch.runPendingTasks();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
        return out.toByteArray();
    }

    /** Decodes what the server sent, as a model's decoder does. */
    static List<Object> decode(final byte[] bytes) {
        final EmbeddedChannel dec = new EmbeddedChannel(new DmFrameDecoder(DmFrameDecoder.Role.CLIENT));
        dec.writeInbound(Unpooled.wrappedBuffer(bytes));
        final List<Object> out = new ArrayList<>();
        Object o;
        while ((o = dec.readInbound()) != null) {
            assertTrue(o instanceof DmFrame, "the server sent an invalid frame: " + o);
            out.add(o);
        }
        dec.finishAndReleaseAll();
        return out;
    }

    /** Sends and returns the decoded answer. */
    static List<Object> exchange(final EmbeddedChannel ch, final DmFrame... frames) {
        send(ch, Frames.bytes(frames));
        return decode(drain(ch));
    }

    /** HELLO with the default client's values; checks the reply. */
    static void handshake(final EmbeddedChannel ch) {
        final List<Object> r = exchange(ch, Frames.hello(1));
        assertEquals(1, r.size(), r.toString());
        assertEquals(Opcodes.HELLO, ((DmFrame) r.get(0)).type(), r.toString());
    }

    /** HELLO, then ATTACH to a domain by name; checks the replies. */
    static void attach(final EmbeddedChannel ch, final String domain) {
        handshake(ch);
        final List<Object> r = exchange(ch, Frames.attach(2, domain));
        assertEquals(1, r.size(), r.toString());
        assertEquals(Opcodes.ATTACH, ((DmFrame) r.get(0)).type(), r.toString());
    }

    /** @return the only frame the server sent, which must be a reply to {@code type} */
    static DmFrame only(final List<Object> frames) {
        assertEquals(1, frames.size(), frames.toString());
        return (DmFrame) frames.get(0);
    }

    static boolean isInvalid(final Object o) {
        return o instanceof InvalidFrame;
    }

    @Override
    public void close() {
        machine.trace().close();
    }
}
