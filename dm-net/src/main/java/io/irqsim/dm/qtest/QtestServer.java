package io.irqsim.dm.qtest;

import io.irqsim.dm.AcceptBackoff;
import io.irqsim.dm.ListenAddress;
import io.irqsim.dm.UnixSocketFile;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The qtest protocol on a socket: TCP, or a Unix domain socket through Netty's native epoll
 * transport. Every connection gets its own {@link QtestSession} and so its own freshly built
 * machine, as every QEMU qtest run has its own QEMU; connections never share state.
 *
 * <p>One event-loop thread accepts connections and runs every session, so all machine work
 * happens on that thread. Each connection's pipeline is a {@link LineBasedFrameDecoder} limited
 * to {@link QtestSession#MAX_LINE_LENGTH} (a longer line is answered with {@code FAIL} and
 * discarded, never buffered) and the session's handler.
 */
public final class QtestServer implements AutoCloseable {

    private final ListenAddress requested;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final UnixSocketFile socketFile;

    private QtestServer(final ListenAddress requested, final EventLoopGroup group, final Channel serverChannel,
                        final UnixSocketFile socketFile) {
        this.requested = requested;
        this.group = group;
        this.serverChannel = serverChannel;
        this.socketFile = socketFile;
    }

    /**
     * Starts listening.
     *
     * @param address where
     * @return the running server
     * @throws IOException if the address cannot be bound (in use, bad host, no permission, Unix
     *     sockets without the native transport, a path that exists and is not a socket)
     * @throws InterruptedException if interrupted while binding
     */
    public static QtestServer start(final ListenAddress address) throws IOException, InterruptedException {
        return start(address, DEFAULT_MAX_CONNECTIONS, line -> { });
    }

    /**
     * Most connections open at once by default: each has a machine of its own (a few MiB), so the
     * cap bounds the server's memory as well as its descriptors.
     */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;

    /**
     * Starts listening.
     *
     * @param address where
     * @param maxConnections most connections open at once; one more is told {@code FAIL} and closed
     * @param log where the server's own events go (a paused accept, when out of descriptors)
     * @return the running server
     * @throws IOException if the address cannot be bound (in use, bad host, no permission, Unix
     *     sockets without the native transport, a path that exists and is not a stale socket)
     * @throws InterruptedException if interrupted while binding
     */
    public static QtestServer start(final ListenAddress address, final int maxConnections, final Consumer<String> log)
        throws IOException, InterruptedException {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("at least one connection, not " + maxConnections);
        }
        final boolean epoll = NativeEpoll.isAvailable();
        final IoHandlerFactory ioHandlers;
        final Class<? extends ServerChannel> channelType;
        final SocketAddress bindTo;
        UnixSocketFile socketFile = null;
        if (address.isUnix()) {
            if (!epoll) {
                throw new IOException("cannot listen on " + address + ": Unix sockets need Netty's native epoll"
                    + " transport (Linux x86_64), which is not available: " + NativeEpoll.unavailabilityCause());
            }
            ioHandlers = NativeEpoll.ioHandlerFactory();
            channelType = NativeEpoll.unixServerChannel();
            socketFile = UnixSocketFile.prepare(address.unixPath());
            bindTo = new DomainSocketAddress(address.unixPath().toFile());
        } else {
            ioHandlers = epoll ? NativeEpoll.ioHandlerFactory() : NioIoHandler.newFactory();
            channelType = epoll ? NativeEpoll.tcpServerChannel() : NioServerSocketChannel.class;
            final InetSocketAddress tcp = address.tcpAddress();
            if (tcp.isUnresolved()) {
                throw new IOException("cannot listen on " + address + ": unknown host '" + address.host() + "'");
            }
            bindTo = tcp;
        }

        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, ioHandlers);
        try {
            final ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new AcceptBackoff(log, AcceptBackoff.PAUSE_MILLIS))
                .childHandler(new ChannelInitializer<Channel>() {
                    private int open;

                    @Override
                    protected void initChannel(final Channel ch) {
                        // on the server's one event loop: no other thread touches the count
                        if (open >= maxConnections) {
                            ch.writeAndFlush(Unpooled.copiedBuffer("FAIL the server holds its " + maxConnections
                                + " connections; try again later\n", StandardCharsets.US_ASCII))
                                .addListener(ChannelFutureListener.CLOSE);
                            return;
                        }
                        open++;
                        ch.closeFuture().addListener(f -> open--);
                        ch.pipeline().addLast(
                            new LineBasedFrameDecoder(QtestSession.MAX_LINE_LENGTH, true, true),
                            new QtestChannelHandler());
                    }
                });
            if (!address.isUnix()) {
                b.option(ChannelOption.SO_REUSEADDR, true);
                b.childOption(ChannelOption.TCP_NODELAY, true);
            }
            final ChannelFuture bound = b.bind(bindTo).await();
            if (!bound.isSuccess()) {
                final Throwable cause = bound.cause();
                throw new IOException("cannot listen on " + address + ": " + cause.getMessage(), cause);
            }
            if (socketFile != null) {
                socketFile.bound();
            }
            return new QtestServer(address, group, bound.channel(), socketFile);
        } catch (final IOException | InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** @return the bound socket address (for TCP with port 0, the port chosen) */
    public SocketAddress localAddress() {
        return serverChannel.localAddress();
    }

    /** @return the bound address in {@code --listen} syntax, e.g. {@code tcp:127.0.0.1:40123} */
    public String address() {
        return requested.bound(localAddress());
    }

    /**
     * Blocks until the server is closed.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitClose() throws InterruptedException {
        serverChannel.closeFuture().await();
    }

    /** Stops listening, closes every connection and, for a Unix socket, removes the socket file. */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        if (socketFile != null) {
            socketFile.release(); // only if the file there is still the socket this server bound
        }
    }
}
