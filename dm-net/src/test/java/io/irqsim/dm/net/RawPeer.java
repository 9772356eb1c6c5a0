package io.irqsim.dm.net;

import io.irqsim.dm.net.proto.DmCodec;
import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.DmFrameDecoder;
import io.irqsim.dm.ListenAddress;
import io.irqsim.dm.net.DmTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A misbehaving device model for tests: sends any bytes or frames it is told to over a real
 * socket and queues what the server sends back (decoded as a model would), ending with
 * {@link #CLOSED} when the server closes the connection.
 */
final class RawPeer implements AutoCloseable {

    /** Queued when the connection is closed. */
    static final Object CLOSED = new Object() {
        @Override
        public String toString() {
            return "CLOSED";
        }
    };

    private final Channel channel;
    private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();

    private RawPeer(final EventLoopGroup group, final String address) throws InterruptedException {
        final ListenAddress a = ListenAddress.parse(address);
        final Bootstrap b = new Bootstrap().group(group)
            .channel(a.isUnix() ? DmTransport.unixChannel() : DmTransport.tcpChannel())
            .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(final Channel ch) {
                    ch.pipeline().addLast(new DmCodec(DmFrameDecoder.Role.CLIENT), new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
                            received.add(msg);
                        }

                        @Override
                        public void channelInactive(final ChannelHandlerContext ctx) {
                            received.add(CLOSED);
                        }

                        @Override
                        public void userEventTriggered(final ChannelHandlerContext ctx, final Object evt) {
                            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                                ctx.close();
                            }
                        }

                        @Override
                        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
                            ctx.close();
                        }
                    });
                }
            });
        this.channel = b.connect(a.isUnix() ? new DomainSocketAddress(a.unixPath().toFile()) : a.tcpAddress())
            .sync().channel();
    }

    /**
     * @param group the loop the peer runs on
     * @param address the server's address
     * @return a connected peer
     * @throws InterruptedException if interrupted while connecting
     */
    static RawPeer connect(final EventLoopGroup group, final String address) throws InterruptedException {
        return new RawPeer(group, address);
    }

    void send(final DmFrame... frames) {
        for (final DmFrame f : frames) {
            channel.write(f);
        }
        channel.flush();
    }

    void send(final byte[] bytes) {
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes));
    }

    /** Shuts down the sending side (the server sees end of input); nothing if the server closed already. */
    void shutdownOutput() {
        ((DuplexChannel) channel).shutdownOutput().awaitUninterruptibly();
    }

    /** @return the next thing the server sent (a frame, an InvalidFrame, or {@link #CLOSED}); waits up to 20 s */
    Object next() throws InterruptedException {
        final Object o = received.poll(20, TimeUnit.SECONDS);
        assertNotNull(o, "nothing from the server within 20 s");
        return o;
    }

    /** @return the next frame, which must be one */
    DmFrame nextFrame() throws InterruptedException {
        final Object o = next();
        if (!(o instanceof DmFrame)) {
            throw new AssertionError("expected a frame from the server, got " + o);
        }
        return (DmFrame) o;
    }

    boolean isOpen() {
        return channel.isActive();
    }

    /** Closes the socket at once, with a reset: what the kernel does for a killed process with unread data. */
    void kill() {
        if (channel.isActive()) {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
        }
        channel.close().syncUninterruptibly();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
