package io.irqsim.dm.net.server;

import io.irqsim.dm.net.proto.ErrorCodes;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * What a session lets a model get away with before it is ended: the handshake timeout (no HELLO
 * in time), the idle timeout (no complete frame in time), and the counts of invalid frames and of
 * ERROR notices past which the server stops listening. The numbers are the server's
 * ({@link DmServerConfig#limits()}).
 */
final class SessionLimits {

    private final DmSession session;
    private final DmServerConfig config;
    /** Until HELLO: ends the session if it does not come in time. */
    private ScheduledFuture<?> handshakeTimer;
    /** After HELLO: ends the session when no complete frame came for the idle timeout (checked lazily). */
    private ScheduledFuture<?> idleTimer;
    /** When the last complete frame (valid or not) arrived, on the event loop's ticker. */
    private long lastFrameAt;
    private int notices;
    private int protocolErrors;

    SessionLimits(final DmSession session, final DmServerConfig config) {
        this.session = session;
        this.config = config;
    }

    /** On connecting: the handshake timer starts. */
    void connected(final ChannelHandlerContext ctx) {
        handshakeTimer = ctx.executor().schedule(this::handshakeTimedOut,
            config.limits().handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    /** A complete frame (valid or not) arrived. */
    void frameArrived(final ChannelHandlerContext ctx) {
        lastFrameAt = ctx.executor().ticker().nanoTime();
    }

    /** The handshake is done: its timer stops, the idle timer (if any) starts. */
    void handshakeDone(final ChannelHandlerContext ctx) {
        cancelHandshakeTimer();
        final long idle = config.limits().idleTimeout().toNanos();
        if (idle > 0) {
            idleTimer = ctx.executor().schedule(this::idleCheck, idle, TimeUnit.NANOSECONDS);
        }
    }

    /** @return whether one more ERROR notice from the model is past the limit */
    boolean countNotice() {
        return ++notices > config.limits().maxNotices();
    }

    int notices() {
        return notices;
    }

    /** @return whether one more invalid frame is past the limit */
    boolean countProtocolError() {
        return ++protocolErrors > config.maxProtocolErrors();
    }

    int protocolErrors() {
        return protocolErrors;
    }

    /** The session ended: its timers stop. */
    void cancel() {
        cancelHandshakeTimer();
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }

    private void handshakeTimedOut() {
        handshakeTimer = null;
        if (session.awaitingHello()) {
            session.fatal(false, 0, 0, ErrorCodes.TIMED_OUT, 0, "no HELLO within "
                + config.limits().handshakeTimeout().toMillis() + " ms of connecting");
        }
    }

    /** The idle timer: one per session, re-armed for what is left rather than on every frame. */
    private void idleCheck() {
        idleTimer = null;
        if (!session.isOpen()) {
            return;
        }
        final ChannelHandlerContext ctx = session.context();
        final long limit = config.limits().idleTimeout().toNanos();
        final long quiet = ctx.executor().ticker().nanoTime() - lastFrameAt;
        if (quiet >= limit) {
            session.fatal(false, 0, 0, ErrorCodes.TIMED_OUT, 0, "no complete frame for "
                + TimeUnit.NANOSECONDS.toMillis(limit) + " ms (a model with nothing to say sends PING)");
        } else {
            idleTimer = ctx.executor().schedule(this::idleCheck, limit - quiet, TimeUnit.NANOSECONDS);
        }
    }

    private void cancelHandshakeTimer() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
            handshakeTimer = null;
        }
    }
}
