package io.irqsim.dm.net;

import io.irqsim.dm.net.client.DeviceModelClient;
import io.irqsim.dm.net.example.ExampleNicModel;
import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.server.DmServer;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.dm.net.server.SessionReport;
import io.irqsim.dm.ListenAddress;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hw.pci.Bdf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model that is killed mid-traffic leaves nothing behind: no line asserted, no guest access
 * waiting, no mapping, no device-model domain; and a model can attach again and take its function
 * back.
 */
class KillTest {

    static final int SLOT = 7;
    static final int GSI = HvmIrq.pciIntxGsi(SLOT, 0);

    DmServer server;
    EventLoopGroup peers;

    @BeforeEach
    void start() throws Exception {
        server = DmServer.start(() -> ScenarioMachine.boot(Scenario.defaultScenario(),
            Strategies.byName(Scenario.DEFAULT_STRATEGY)), DmServerConfig.DEFAULT,
            List.of(ListenAddress.parse("tcp:127.0.0.1:0")), line -> { });
        peers = new MultiThreadIoEventLoopGroup(1, DmTransport.ioHandlerFactory());
    }

    @AfterEach
    void stop() {
        server.close();
        peers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private CompletableFuture<SessionReport> nextSessionEnd() {
        final CompletableFuture<SessionReport> f = new CompletableFuture<>();
        server.call(s -> {
            s.onSessionEnd(f::complete);
            return null;
        });
        return f;
    }

    /** What the kill must not leave behind, read on the machine's thread. */
    private String leftovers() {
        return server.call(s -> {
            final Domain d = s.machine().guest("domU").domain();
            return "intx " + d.hvmIrq().isPciIntxAsserted(SLOT, 0) + ", gsi asserted by " + d.hvmIrq().gsiAssertCount(GSI)
                + ", ioreqs " + d.vcpu(0).ioreqsInFlight() + ", blocked " + d.vcpu(0).isBlocked()
                + ", BAR mapped " + (d.vcpu(0).bus().deviceAt(0xF007_0000L) != null)
                + ", domains " + s.machine().xen().domains().size() + ", sessions " + s.sessions().size();
        });
    }

    @Test
    void killedWithAReadPendingAndTheLineAsserted() throws Exception {
        final CompletableFuture<SessionReport> ended = nextSessionEnd();
        final RawPeer peer = RawPeer.connect(peers, server.addresses().get(0));
        peer.send(Frames.hello(1));
        assertEquals(Opcodes.HELLO, peer.nextFrame().type());
        peer.send(Frames.attach(2, "domU"));
        assertEquals(Opcodes.ATTACH, peer.nextFrame().type());
        peer.send(Frames.request(Opcodes.REGISTER_PCI, 0, 3, Frames.nic(SLOT)));
        final DmFrame registered = peer.nextFrame();
        assertEquals(Opcodes.REGISTER_PCI, registered.type());
        peer.send(Frames.request(Opcodes.SET_INTX, registered.device(), 4, new Msg.SetIntx(1)));
        // the guest takes the interrupt; its driver reads STATUS, which becomes an IOREQ
        final DmFrame ioreq = peer.nextFrame();
        assertEquals(Opcodes.IOREQ, ioreq.type(), ioreq.toString());
        assertEquals(NicTestDevice.REG_STATUS, ((Msg.Ioreq) ioreq.payload()).offset());
        assertEquals(Opcodes.SET_INTX, peer.nextFrame().type());
        assertEquals("intx true, gsi asserted by 1, ioreqs 1, blocked true, BAR mapped true, domains 3, sessions 1",
            leftovers());

        peer.kill(); // never answers

        final SessionReport r = ended.get(20, TimeUnit.SECONDS);
        assertEquals(1, r.ioreqsFailed(), r.toString());
        assertEquals("intx false, gsi asserted by 0, ioreqs 0, blocked false, BAR mapped false, domains 2, sessions 0",
            leftovers());
        // the guest's driver got all ones for STATUS and moved on; its device waits for a model
        final List<String> claims = server.call(s -> s.claimsOf(s.machine().guest("domU").domain()));
        assertEquals(List.of("mmio [0xf0070000, 0xf0070fff] BAR0 of 00:07.0",
            "pci slot 7 1b36:0005 waiting for its model"), claims);
    }

    @Test
    void exampleModelKilledMidTrafficThenAttachesAgain() throws Exception {
        final CompletableFuture<SessionReport> ended = nextSessionEnd();
        final DeviceModelClient c = DeviceModelClient.connect(server.addresses().get(0));
        final ExampleNicModel m = new ExampleNicModel(c);
        m.plug("domU", SLOT).get(20, TimeUnit.SECONDS);
        m.fireSequence(200).get(60, TimeUnit.SECONDS);
        final CompletableFuture<Long> endless = m.fireSequence(1_000_000);
        c.abort(); // mid-traffic: wherever the sequence is

        ended.get(20, TimeUnit.SECONDS);
        assertTrue(endless.isCompletedExceptionally() || !endless.isDone());
        assertEquals("intx false, gsi asserted by 0, ioreqs 0, blocked false, BAR mapped false, domains 2, sessions 0",
            leftovers());
        final long before = server.call(s -> s.machine().guest("domU").driver(new Bdf(0, SLOT, 0)).handled());

        // a new model takes the function back: the guest keeps its driver, interrupts flow again
        final DeviceModelClient c2 = DeviceModelClient.connect(server.addresses().get(0));
        try {
            final ExampleNicModel m2 = new ExampleNicModel(c2);
            assertEquals(0xF007_0000L, m2.plug("domU", SLOT).get(20, TimeUnit.SECONDS).barAddresses().get(0));
            m2.fireSequence(100).get(60, TimeUnit.SECONDS);
            final long after = server.call(s -> s.machine().guest("domU").driver(new Bdf(0, SLOT, 0)).handled());
            assertEquals(100, after - before);
            // (the scenario's own passthrough attach, which fails under its strategy, leaves its device on the
            // guest's bus with a driver of its own: count the drivers of this slot only)
            final long drivers = server.call(s -> s.machine().guest("domU").drivers().stream()
                .filter(d -> d.bdf().equals(new Bdf(0, SLOT, 0))).count());
            assertEquals(1, drivers, "no second hot-plug: the same function, the same driver");
            assertNull(c2.fatalError());
        } finally {
            c2.close();
        }
        assertFalse(c2.isOpen());
    }
}
