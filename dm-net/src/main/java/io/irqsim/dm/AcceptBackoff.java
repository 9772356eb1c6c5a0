package io.irqsim.dm;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The listening socket's handler: when {@code accept} fails (out of descriptors, {@code EMFILE} or
 * {@code ENFILE}, or out of kernel memory), the server stops accepting for a while and goes on
 * serving the connections it has, then tries again. One line is logged per episode, when it starts,
 * through the server's own log (an open stream: nothing that would need a descriptor, such as a
 * logging framework loading its time-zone data, happens on the way).
 *
 * <p>Netty's {@code ServerBootstrapAcceptor} backs off the same way, but then passes the exception
 * on to the end of the pipeline, where Netty logs it with a stack trace; out of descriptors, that
 * logging failed and its {@code NoClassDefFoundError} ended the only event loop. This handler sits
 * before the acceptor and keeps the exception. One per listening socket (it is not sharable).
 */
public final class AcceptBackoff extends ChannelInboundHandlerAdapter {

    /** How long accepting pauses after a failed {@code accept} (Netty's acceptor pauses 1 s). */
    public static final long PAUSE_MILLIS = 1000;

    private final Consumer<String> log;
    private final long pauseMillis;
    private boolean paused;
    private long failures;

    /**
     * @param log where the one line per episode goes
     * @param pauseMillis how long to stop accepting
     */
    public AcceptBackoff(final Consumer<String> log, final long pauseMillis) {
        this.log = log;
        this.pauseMillis = pauseMillis;
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        failures++;
        if (paused) {
            return;
        }
        paused = true;
        final ChannelConfig config = ctx.channel().config();
        config.setAutoRead(false);
        log.accept("cannot accept a connection (" + cause.getMessage() + "): pausing accepts for " + pauseMillis
            + " ms; the connections already open are served");
        ctx.executor().schedule(() -> {
            paused = false;
            config.setAutoRead(true);
        }, pauseMillis, TimeUnit.MILLISECONDS);
    }

    /** @return failed accepts seen (on the event loop) */
    public long failures() {
        return failures;
    }

    /** @return whether accepting is paused now (on the event loop) */
    public boolean paused() {
        return paused;
    }
}
