package io.irqsim.dm.qtest;

import io.irqsim.dm.ListenAddress;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The qtest server over real sockets. Deterministic: every wait is on a future or a queue with a
 * timeout, nothing sleeps.
 */
class QtestServerTest {

    private static final long TIMEOUT_S = 20;

    private static EventLoopGroup nioClients;
    private static EventLoopGroup epollClients;

    @BeforeAll
    static void clients() {
        nioClients = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        if (Epoll.isAvailable()) {
            epollClients = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        }
    }

    @AfterAll
    static void shutdown() {
        nioClients.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        if (epollClients != null) {
            epollClients.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** A line client: what the server sends arrives in a queue. */
    static final class Client implements AutoCloseable {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Channel channel;

        Client(final EventLoopGroup group, final Class<? extends Channel> type, final SocketAddress to)
            throws InterruptedException {
            // no half-closure: the client channel closes when the server closes its side
            final Bootstrap b = new Bootstrap().group(group).channel(type)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(final Channel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(8 << 20),
                            new SimpleChannelInboundHandler<io.netty.buffer.ByteBuf>() {
                                @Override
                                protected void channelRead0(final ChannelHandlerContext ctx,
                                                            final io.netty.buffer.ByteBuf msg) {
                                    lines.add(msg.toString(StandardCharsets.ISO_8859_1));
                                }
                            });
                    }
                });
            final var connected = b.connect(to);
            assertTrue(connected.await(TIMEOUT_S, TimeUnit.SECONDS), "connect timed out");
            assertTrue(connected.isSuccess(), () -> "connect failed: " + connected.cause());
            channel = connected.channel();
        }

        void send(final String text) throws InterruptedException {
            final var written = channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
            assertTrue(written.await(TIMEOUT_S, TimeUnit.SECONDS), "write timed out");
            assertTrue(written.isSuccess(), () -> "write failed: " + written.cause());
        }

        String line() throws InterruptedException {
            final String l = lines.poll(TIMEOUT_S, TimeUnit.SECONDS);
            assertNotNull(l, "no reply within " + TIMEOUT_S + " s");
            return l;
        }

        /** Sends one command and returns its reply line (after any IRQ notices, which it returns first). */
        String ask(final String command) throws InterruptedException {
            send(command + "\n");
            return line();
        }

        boolean awaitClosedByServer() throws InterruptedException {
            return channel.closeFuture().await(TIMEOUT_S, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            channel.close().awaitUninterruptibly(TIMEOUT_S, TimeUnit.SECONDS);
        }
    }

    private static Client tcpClient(final QtestServer server) throws InterruptedException {
        return new Client(nioClients, NioSocketChannel.class, server.localAddress());
    }

    /** The level interrupt round trip of the golden transcript, over a socket. */
    private static void levelRoundTrip(final Client c) throws InterruptedException {
        assertEquals("OK", c.ask("irq_intercept_in ioapic"));
        assertEquals("OK", c.ask("writel 0xfee000f0 0x1ff"));
        assertEquals("OK", c.ask("writel 0xfec00000 0x30"));
        assertEquals("OK", c.ask("writel 0xfec00010 0xa041"));
        assertEquals("IRQ raise 16", c.ask("set_irq_in ioapic unnamed-gpio-in 16 1"));
        assertEquals("OK", c.line());
        assertEquals("OK 0x41", c.ask("irqsim_ack"));
        assertEquals("IRQ lower 16", c.ask("set_irq_in ioapic unnamed-gpio-in 16 0"));
        assertEquals("OK", c.line());
        assertEquals("OK", c.ask("writel 0xfee000b0 0"));
        assertEquals("OK 0x000000000000a041", c.ask("readl 0xfec00010"));
    }

    @Test
    void tcpLoopbackOnAnEphemeralPort() throws Exception {
        try (QtestServer server = QtestServer.start(ListenAddress.parse("tcp::0"));
             Client c = tcpClient(server)) {
            assertTrue(server.address().startsWith("tcp:127.0.0.1:") || server.address().startsWith("tcp:[::1]:"),
                server.address());
            assertFalse(server.address().endsWith(":0"));
            assertEquals("OK 0x0000000001050014", c.ask("readl 0xfee00030"));
            levelRoundTrip(c);
        }
    }

    @Test
    void unixSocketInATempDir(@TempDir final Path dir) throws Exception {
        assumeTrue(Epoll.isAvailable(), "native epoll transport not available");
        final Path sock = dir.resolve("qtest.sock");
        final QtestServer server = QtestServer.start(ListenAddress.parse("unix:" + sock));
        try (Client c = new Client(epollClients, EpollDomainSocketChannel.class, new DomainSocketAddress(sock.toFile()))) {
            assertEquals("unix:" + sock, server.address());
            assertTrue(Files.exists(sock));
            assertEquals("OK little", c.ask("endianness"));
            levelRoundTrip(c);
        } finally {
            server.close();
        }
        assertFalse(Files.exists(sock), "the socket file is removed on close");
    }

    @Test
    void staleUnixSocketIsReplacedButOtherFilesAreNot(@TempDir final Path dir) throws Exception {
        assumeTrue(Epoll.isAvailable(), "native epoll transport not available");
        final Path sock = dir.resolve("qtest.sock");
        // leave a socket file behind: start a server, "crash" without removing the file
        final QtestServer first = QtestServer.start(ListenAddress.parse("unix:" + sock));
        assertTrue(Files.exists(sock));
        final Path kept = dir.resolve("kept");
        Files.move(sock, kept);
        first.close();
        Files.move(kept, sock);
        try (QtestServer second = QtestServer.start(ListenAddress.parse("unix:" + sock));
             Client c = new Client(epollClients, EpollDomainSocketChannel.class, new DomainSocketAddress(sock.toFile()))) {
            assertEquals("unix:" + sock, second.address());
            assertEquals("OK 0", c.ask("clock_step"));
        }
        final Path regular = dir.resolve("regular");
        Files.writeString(regular, "data");
        final IOException e = assertThrows(IOException.class,
            () -> QtestServer.start(ListenAddress.parse("unix:" + regular)));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("data", Files.readString(regular));
    }

    @Test
    void pastTheConnectionCapANewConnectionIsToldFailAndClosed() throws Exception {
        try (QtestServer server = QtestServer.start(ListenAddress.parse("tcp:127.0.0.1:0"), 1, line -> { });
             Client first = tcpClient(server)) {
            assertEquals("OK little", first.ask("endianness"));
            try (java.net.Socket second = new java.net.Socket()) {
                second.connect(server.localAddress(), 5000);
                second.setSoTimeout(5000);
                assertEquals("FAIL the server holds its 1 connections; try again later\n",
                    new String(second.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII));
            }
            assertEquals("OK little", first.ask("endianness"), "the first connection goes on");
        }
    }

    @Test
    void eachConnectionHasItsOwnMachine() throws Exception {
        try (QtestServer server = QtestServer.start(ListenAddress.parse("tcp:127.0.0.1:0"));
             Client a = tcpClient(server);
             Client b = tcpClient(server)) {
            assertEquals("OK", a.ask("writel 0xfec00000 0x1"));
            assertEquals("OK 200", a.ask("clock_step 200"));
            assertEquals("OK 0x0000000000000000", b.ask("readl 0xfec00000"));
            assertEquals("OK 0", b.ask("clock_step"));
            assertEquals("OK 0x0000000000000001", a.ask("readl 0xfec00000"));
        }
    }

    @Test
    void garbageAndOverlongLinesGetFailAndTheServerKeepsServing() throws Exception {
        try (QtestServer server = QtestServer.start(ListenAddress.parse("tcp::0"))) {
            try (Client bad = tcpClient(server)) {
                bad.send("\u0000\u00ff\u0007garbage\n");
                assertEquals("FAIL Unknown command '???garbage'", bad.line());
                // a line longer than the limit, in several writes, with no line feed yet
                final String chunk = "x".repeat(1 << 20);
                for (int i = 0; i < 3; i++) {
                    bad.send(chunk);
                }
                assertEquals("FAIL line too long (longest accepted: " + QtestSession.MAX_LINE_LENGTH + " bytes)",
                    bad.line());
                // the rest of that line is discarded, up to its line feed; the session goes on
                bad.send(chunk + "\nreadl 0xfee00030\n");
                assertEquals("OK 0x0000000001050014", bad.line());
            }
            try (Client good = tcpClient(server)) {
                assertEquals("OK 0x0000000001050014", good.ask("readl 0xfee00030"));
            }
        }
    }

    @Test
    void pipelinedCommandsWithLargeRepliesAreAllAnsweredInOrder() throws Exception {
        try (QtestServer server = QtestServer.start(ListenAddress.parse("tcp::0"));
             Client c = tcpClient(server)) {
            final StringBuilder script = new StringBuilder();
            final int n = 8;
            for (int i = 0; i < n; i++) {
                script.append("read 0 0x100000\nclock_step 1\n");
            }
            c.send(script.toString());
            final String big = "OK 0x" + "f".repeat(2 * QtestSession.MAX_DATA_BYTES);
            for (int i = 0; i < n; i++) {
                assertEquals(big, c.line());
                assertEquals("OK " + (i + 1), c.line());
            }
        }
    }

    @Test
    void remainingRepliesAreSentWhenThePeerStopsSending() throws Exception {
        try (QtestServer server = QtestServer.start(ListenAddress.parse("tcp::0"));
             Client c = tcpClient(server)) {
            c.send("readl 0xfee00030\nclock_step 5\nendianness");
            final var shut = ((DuplexChannel) c.channel).shutdownOutput();
            assertTrue(shut.await(TIMEOUT_S, TimeUnit.SECONDS));
            assertEquals("OK 0x0000000001050014", c.line());
            assertEquals("OK 5", c.line());
            // like QEMU, a last line without its line feed is not a command
            assertTrue(c.awaitClosedByServer(), "server closes after answering");
            assertTrue(c.lines.isEmpty());
        }
    }

    @Test
    void bindFailuresAreReported() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            final IOException e = assertThrows(IOException.class,
                () -> QtestServer.start(ListenAddress.parse("tcp:127.0.0.1:" + taken.getLocalPort())));
            assertTrue(e.getMessage().startsWith("cannot listen on tcp:127.0.0.1:" + taken.getLocalPort()),
                e.getMessage());
        }
    }
}
