package io.irqsim.dm.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The baseline of the socket benchmarks: the least a Netty application can do to move the same
 * bytes the same way. Two peers on the same transport as {@link DmLoopback} (Netty's epoll TCP on
 * 127.0.0.1, or an epoll Unix domain socket; NIO TCP where epoll is missing), each with its own
 * one-thread event loop group as the device-model server and client have, {@code TCP_NODELAY} on
 * both sides, the default allocator; no codec, no decoding, no protocol: a peer counts the bytes
 * that arrive (releasing the buffers) and, once a whole request is in, writes and flushes the reply
 * bytes from a buffer prepared at start.
 *
 * <p>An <em>operation</em> is a fixed script of exchanges: in exchange {@code i} the initiating
 * peer sends {@code requests[i]} bytes and waits for {@code replies[i]} bytes back; the next
 * exchange (or the next operation) starts on the initiator's event loop as soon as they are in, as
 * a guest's next access starts on the machine thread when the previous one completes. Which peer
 * initiates mirrors the measured path: the "server" peer (irqsim's side) for a forwarded read, the
 * "client" peer (the device model's side) for a model-raised interrupt.
 */
public final class RawEcho implements AutoCloseable {

    /** Which peer starts each exchange. */
    public enum Initiator {
        /** The accepting peer (irqsim's side), like an IOREQ. */
        SERVER,
        /** The connecting peer (the device model's side), like SET_INTX. */
        CLIENT
    }

    private final EventLoopGroup serverGroup;
    private final EventLoopGroup clientGroup;
    private final Channel listener;
    private final Channel client;
    private final Peer initiator;
    private final Path socketDir;

    private RawEcho(final EventLoopGroup serverGroup, final EventLoopGroup clientGroup, final Channel listener,
                    final Channel client, final Peer initiator, final Path socketDir) {
        this.serverGroup = serverGroup;
        this.clientGroup = clientGroup;
        this.listener = listener;
        this.client = client;
        this.initiator = initiator;
        this.socketDir = socketDir;
    }

    /**
     * Starts both peers and connects them.
     *
     * @param transport TCP on loopback or a Unix domain socket (needs epoll)
     * @param who which peer initiates the exchanges
     * @param requests bytes the initiator sends in each exchange of an operation
     * @param replies bytes the other peer sends back in each exchange
     * @return the connected pair
     * @throws IOException if the sockets cannot be set up
     * @throws InterruptedException if interrupted while starting
     */
    public static RawEcho start(final DmLoopback.Transport transport, final Initiator who, final int[] requests,
                                final int[] replies) throws IOException, InterruptedException {
        if (requests.length == 0 || requests.length != replies.length) {
            throw new IllegalArgumentException("one reply size per request size: " + Arrays.toString(requests) + " / "
                + Arrays.toString(replies));
        }
        final boolean unix = transport == DmLoopback.Transport.UNIX;
        if (unix && !DmTransport.epollAvailable()) {
            throw new IOException("a Unix domain socket needs Netty's native epoll transport, not available here: "
                + DmTransport.epollUnavailabilityCause());
        }
        Path dir = null;
        final SocketAddress bindTo;
        if (unix) {
            dir = Files.createTempDirectory("irqsim-echo");
            bindTo = new DomainSocketAddress(dir.resolve("echo.sock").toFile());
        } else {
            bindTo = new InetSocketAddress("127.0.0.1", 0);
        }
        // the server's peer answers (or initiates) with the replies (requests), the client's the other way
        final boolean serverStarts = who == Initiator.SERVER;
        final Peer serverPeer = new Peer(serverStarts, serverStarts ? requests : replies,
            serverStarts ? replies : requests);
        final Peer clientPeer = new Peer(!serverStarts, serverStarts ? replies : requests,
            serverStarts ? requests : replies);
        final EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, DmTransport.ioHandlerFactory());
        final EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, DmTransport.ioHandlerFactory());
        Channel listener = null;
        try {
            final ServerBootstrap sb = new ServerBootstrap().group(serverGroup)
                .channel(unix ? DmTransport.unixServerChannel() : DmTransport.tcpServerChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(final Channel ch) {
                        ch.pipeline().addLast(serverPeer);
                    }
                });
            if (!unix) {
                sb.childOption(ChannelOption.TCP_NODELAY, true);
            }
            final ChannelFuture bound = sb.bind(bindTo).await();
            if (!bound.isSuccess()) {
                throw new IOException("echo: cannot listen on " + bindTo + ": " + bound.cause(), bound.cause());
            }
            listener = bound.channel();
            final Bootstrap cb = new Bootstrap().group(clientGroup)
                .channel(unix ? DmTransport.unixChannel() : DmTransport.tcpChannel())
                .handler(clientPeer);
            if (!unix) {
                cb.option(ChannelOption.TCP_NODELAY, true);
            }
            final ChannelFuture connected = cb.connect(listener.localAddress()).await();
            if (!connected.isSuccess()) {
                throw new IOException("echo: cannot connect to " + listener.localAddress() + ": " + connected.cause(),
                    connected.cause());
            }
            serverPeer.active.get(10, TimeUnit.SECONDS);
            clientPeer.active.get(10, TimeUnit.SECONDS);
            return new RawEcho(serverGroup, clientGroup, listener, connected.channel(),
                serverStarts ? serverPeer : clientPeer, dir);
        } catch (final ExecutionException | TimeoutException e) {
            shutdown(serverGroup, clientGroup, listener, dir);
            throw new IOException("echo: the peers did not connect: " + e, e);
        } catch (final IOException | InterruptedException | RuntimeException e) {
            shutdown(serverGroup, clientGroup, listener, dir);
            throw e;
        }
    }

    /**
     * Runs {@code count} operations one after the other on the initiator's event loop.
     *
     * @param count how many (at least 1)
     * @return the wall-clock nanoseconds they took, once the last reply is in
     */
    public CompletableFuture<Long> run(final int count) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one operation");
        }
        final CompletableFuture<Long> f = new CompletableFuture<>();
        initiator.ctx.executor().execute(() -> initiator.begin(count, f));
        return f;
    }

    /** Closes the connection and stops both event loops (their threads end). */
    @Override
    public void close() {
        client.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        shutdown(serverGroup, clientGroup, listener, socketDir);
    }

    private static void shutdown(final EventLoopGroup serverGroup, final EventLoopGroup clientGroup,
                                 final Channel listener, final Path dir) {
        if (listener != null) {
            listener.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        clientGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        serverGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (dir != null) {
            try {
                Files.deleteIfExists(dir.resolve("echo.sock"));
                Files.deleteIfExists(dir);
            } catch (final IOException e) {
                // a temporary directory: best effort
            }
        }
    }

    /**
     * One end of the connection, confined to its event loop. It sends {@code out[i]} and expects
     * {@code in[i]} in exchange {@code i}; the initiator sends first, the other peer answers.
     */
    private static final class Peer extends ChannelInboundHandlerAdapter {
        private final boolean initiates;
        private final int[] in;
        private final ByteBuf[] out;
        final CompletableFuture<Void> active = new CompletableFuture<>();
        ChannelHandlerContext ctx;
        private int step;
        private long received;
        private int left;
        private long start;
        private CompletableFuture<Long> done;

        Peer(final boolean initiates, final int[] outSizes, final int[] inSizes) {
            this.initiates = initiates;
            this.in = inSizes.clone();
            this.out = new ByteBuf[outSizes.length];
            for (int i = 0; i < outSizes.length; i++) {
                // prepared once: each write sends a duplicate of it (its bytes are never released)
                out[i] = Unpooled.unreleasableBuffer(Unpooled.directBuffer(outSizes[i]).writeZero(outSizes[i]));
            }
        }

        @Override
        public boolean isSharable() {
            return true; // one instance per side, added to one channel only
        }

        @Override
        public void channelActive(final ChannelHandlerContext context) {
            ctx = context;
            active.complete(null);
            context.fireChannelActive();
        }

        void begin(final int count, final CompletableFuture<Long> f) {
            done = f;
            left = count;
            step = 0;
            start = System.nanoTime();
            send();
        }

        private void send() {
            ctx.writeAndFlush(out[step].duplicate(), ctx.voidPromise());
        }

        @Override
        public void channelRead(final ChannelHandlerContext context, final Object msg) {
            final ByteBuf b = (ByteBuf) msg;
            received += b.readableBytes();
            b.release();
            while (received >= in[step]) {
                received -= in[step];
                if (initiates) {
                    if (++step == in.length) {
                        step = 0;
                        if (--left == 0) {
                            final CompletableFuture<Long> f = done;
                            done = null;
                            f.complete(System.nanoTime() - start);
                            return;
                        }
                    }
                    send();
                } else {
                    send();
                    step = step + 1 == in.length ? 0 : step + 1;
                }
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext context, final Throwable cause) {
            final CompletableFuture<Long> f = done;
            if (f != null) {
                f.completeExceptionally(cause);
            }
            context.close();
        }

        @Override
        public void channelInactive(final ChannelHandlerContext context) {
            final CompletableFuture<Long> f = done;
            if (f != null) {
                f.completeExceptionally(new IOException("echo connection closed"));
            }
            context.fireChannelInactive();
        }
    }
}
