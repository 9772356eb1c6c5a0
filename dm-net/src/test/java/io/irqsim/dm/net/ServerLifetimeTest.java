package io.irqsim.dm.net;

import io.irqsim.dm.AcceptBackoff;
import io.irqsim.dm.ListenAddress;
import io.irqsim.dm.net.client.DeviceModelClient;
import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.server.DmServer;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.dm.net.server.SessionReport;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's lifetime under pressure: a failed accept (out of descriptors) pauses accepting and
 * is not passed on to Netty's logger; the connection cap on real sockets; an event loop that ends
 * without {@code close} is reported as a failure. Socket waits are bounded (a read timeout).
 */
class ServerLifetimeTest {

    private static DmServer start(final DmServerConfig config, final List<String> log) throws Exception {
        return DmServer.start(() -> ScenarioMachine.boot(Scenario.defaultScenario(),
            Strategies.byName(Scenario.DEFAULT_STRATEGY)), config, List.of(ListenAddress.parse("tcp:127.0.0.1:0")),
            log::add);
    }

    private static InetSocketAddress tcp(final DmServer server) {
        final ListenAddress a = ListenAddress.parse(server.addresses().get(0));
        return a.tcpAddress();
    }

    @Test
    void aFailedAcceptPausesAcceptingLogsOnceAndGoesNoFurther() {
        final List<String> log = new ArrayList<>();
        final List<Throwable> reachedTheEnd = new ArrayList<>();
        final AcceptBackoff backoff = new AcceptBackoff(log::add, 1000);
        final EmbeddedChannel listener = new EmbeddedChannel(backoff, new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
                reachedTheEnd.add(cause);
            }
        });
        listener.freezeTime();
        final IOException emfile = new IOException("accept(..) failed: Too many open files");
        listener.pipeline().fireExceptionCaught(emfile);
        listener.pipeline().fireExceptionCaught(emfile);
        assertFalse(listener.config().isAutoRead(), "accepting paused");
        assertEquals(List.of("cannot accept a connection (accept(..) failed: Too many open files): pausing accepts for"
            + " 1000 ms; the connections already open are served"), log, "one line for the episode");
        assertEquals(List.of(), reachedTheEnd, "nothing reaches Netty's logger at the end of the pipeline");
        listener.advanceTimeBy(999, TimeUnit.MILLISECONDS);
        listener.runScheduledPendingTasks();
        assertFalse(listener.config().isAutoRead());
        listener.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        listener.runScheduledPendingTasks();
        assertTrue(listener.config().isAutoRead(), "accepting again after 1 s");
        assertEquals(2, backoff.failures());
        listener.pipeline().fireExceptionCaught(emfile);
        assertEquals(2, log.size(), "a new episode, a new line");
    }

    @Test
    void pastTheConnectionCapANewConnectionGetsServerFullAndTheOthersAreServed() throws Exception {
        final List<String> log = new CopyOnWriteArrayList<>();
        final DmServer server = start(DmServerConfig.DEFAULT.withLimits(DmServerConfig.Limits.DEFAULT
            .withMaxConnections(3)), log);
        final List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                final Socket s = new Socket();
                s.connect(tcp(server), 5000);
                s.setSoTimeout(5000);
                idle.add(s);
                // HELLO and its reply: the server has accepted it and holds a session for it
                s.getOutputStream().write(Frames.bytes(Frames.hello(1)));
                assertEquals(24 + 32, s.getInputStream().readNBytes(24 + 32).length);
            }
            assertEquals(Integer.valueOf(3), server.call(svc -> svc.sessions().size()));
            try (Socket extra = new Socket()) {
                extra.connect(tcp(server), 5000);
                extra.setSoTimeout(5000);
                final byte[] got = extra.getInputStream().readAllBytes(); // until the server closes
                final List<Object> frames = ServerRig.decode(got);
                final DmFrame e = ServerRig.only(frames);
                assertEquals(ErrorCodes.SERVER_FULL, ((Msg.Error) e.payload()).code());
            }
            assertTrue(log.stream().anyMatch(l -> l.contains("holds its 3 connections")), log.toString());
            final CompletableFuture<SessionReport> ended = new CompletableFuture<>();
            server.call(svc -> {
                svc.onSessionEnd(ended::complete);
                return null;
            });
            idle.remove(0).close();
            ended.get(5, TimeUnit.SECONDS);
            try (DeviceModelClient c = DeviceModelClient.connect(server.addresses().get(0))) {
                assertEquals(7L, c.ping(7).get(5, TimeUnit.SECONDS), "a slot came free: a model is served");
            }
        } finally {
            for (final Socket s : idle) {
                s.close();
            }
            server.close();
        }
        assertNull(server.failure(), "closed, not failed");
    }

    @Test
    void anEventLoopThatEndsWithoutCloseIsAFailure() throws Exception {
        final List<String> log = new CopyOnWriteArrayList<>();
        final DmServer server = start(DmServerConfig.DEFAULT, log);
        try {
            server.loop().shutdownGracefully(0, 0, TimeUnit.SECONDS); // as if an Error had ended the loop
            server.awaitClose();
            assertNotNull(server.failure());
            assertTrue(log.contains("the server stopped unexpectedly: its event loop ended; every session is gone"),
                log.toString());
        } finally {
            server.close();
        }
    }
}
