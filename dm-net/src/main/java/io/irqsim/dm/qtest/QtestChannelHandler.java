package io.irqsim.dm.qtest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * One connection's end of the qtest protocol: lines from the {@code LineBasedFrameDecoder} in front
 * of it go to the connection's own {@link QtestSession}, replies go back on the channel. Runs on
 * the channel's event loop, which owns the session and its machine.
 *
 * <p>Back-pressure: a peer that pipelines commands without reading the replies cannot make the
 * server buffer without bound. Lines are executed only while the channel is writable; the others
 * wait in a backlog with reading switched off, and are executed once the peer has read enough.
 *
 * <p>When the peer shuts down its sending side, the remaining lines are answered and then the
 * connection is closed.
 */
final class QtestChannelHandler extends ChannelInboundHandlerAdapter {

    private static final Object TOO_LONG = new Object();

    private final ArrayDeque<Object> backlog = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private QtestSession session;
    private boolean inputShutdown;
    private boolean closing;

    @Override
    public void handlerAdded(final ChannelHandlerContext context) {
        this.ctx = context;
        this.session = new QtestSession(this::send);
    }

    private void send(final String line) {
        final ByteBuf buf = ctx.alloc().buffer(line.length() + 1);
        buf.writeCharSequence(line, StandardCharsets.ISO_8859_1);
        buf.writeByte('\n');
        ctx.write(buf, ctx.voidPromise());
    }

    @Override
    public void channelRead(final ChannelHandlerContext context, final Object msg) {
        final ByteBuf frame = (ByteBuf) msg;
        try {
            backlog.add(frame.toString(StandardCharsets.ISO_8859_1));
        } finally {
            frame.release();
        }
        drain();
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext context) {
        context.flush();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext context, final Throwable cause) {
        if (cause instanceof TooLongFrameException || cause.getCause() instanceof TooLongFrameException) {
            // the decoder discards the rest of the line; answer it and go on with the next one
            backlog.add(TOO_LONG);
            drain();
            context.flush();
            return;
        }
        context.close(); // I/O error (reset by peer, ...): nobody left to answer
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext context) {
        if (context.channel().isWritable()) {
            drain();
            context.flush();
        }
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext context, final Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            drain();
            context.flush();
            return;
        }
        context.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext context) {
        backlog.clear();
        context.fireChannelInactive();
    }

    private void drain() {
        while (!backlog.isEmpty() && ctx.channel().isWritable()) {
            final Object item = backlog.poll();
            if (item == TOO_LONG) {
                session.lineTooLong();
            } else {
                session.handleLine((String) item);
            }
        }
        ctx.channel().config().setAutoRead(backlog.isEmpty());
        if (!backlog.isEmpty()) {
            ctx.flush(); // let the peer catch up; writability comes back below the low water mark
        } else if (inputShutdown && !closing) {
            closing = true;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
