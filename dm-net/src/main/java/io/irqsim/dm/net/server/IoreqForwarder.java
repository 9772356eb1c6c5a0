package io.irqsim.dm.net.server;

import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.DmFrameEncoder;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.ioreq.IoreqCompletion;
import io.irqsim.hw.mmio.MmioDevice;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.irqsim.dm.net.proto.ErrorCodes.*;

/**
 * A session's IOREQ path, the part of Xen's ioreq server a remote device model sees: guest
 * accesses in the session's ranges go to the model as IOREQ frames, its replies complete them (the
 * stalled vCPU resumes), and one deadline timer for all of them ends the session if the oldest is
 * not answered in time. When the session ends, whatever is still pending completes unanswered
 * (reads all ones, writes dropped).
 */
final class IoreqForwarder {

    /** A guest access waiting for the model, and when it was sent (for its deadline). */
    private static final class PendingIoreq {
        final long id;
        final int device;
        final boolean read;
        final int size;
        final long sentAt;
        final IoreqCompletion done;
        boolean finished;

        PendingIoreq(final long id, final int device, final boolean read, final int size, final long sentAt,
                     final IoreqCompletion done) {
            this.id = id;
            this.device = device;
            this.read = read;
            this.size = size;
            this.sentAt = sentAt;
            this.done = done;
        }

        /** Completes the guest's access: the value read, or all ones if the model gave none. */
        void complete(final boolean answered, final long value) {
            finished = true;
            done.complete(read ? (answered ? value & MmioDevice.allOnes(size) : MmioDevice.allOnes(size)) : 0);
        }
    }

    private final DmSession session;
    private final long timeoutNanos;
    private final LongObjectHashMap<PendingIoreq> pending = new LongObjectHashMap<>();
    /** Pending IOREQs in the order they were sent (answered ones leave lazily from the head). */
    private final ArrayDeque<PendingIoreq> bySendTime = new ArrayDeque<>();
    /** The one timer of the session: due when the oldest pending IOREQ's deadline passes. */
    private ScheduledFuture<?> sweep;
    private long sent;
    private long answered;
    private long expired;
    private long failed;

    IoreqForwarder(final DmSession session, final long timeoutNanos) {
        this.session = session;
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * Sends a guest access to the model; {@code done} runs when it answers, when the deadline
     * passes, or when the session ends, whichever is first.
     */
    void forward(final ForwardedRegion r, final Vcpu vcpu, final boolean read, final long offset, final int size,
                 final long value, final IoreqCompletion done) {
        final ChannelHandlerContext ctx = session.context();
        if (!session.isOpen() || !ctx.channel().isActive()) {
            done.complete(read ? MmioDevice.allOnes(size) : 0);
            return;
        }
        final long id = session.nextId();
        final PendingIoreq p = new PendingIoreq(id, r.device(), read, size, ctx.executor().ticker().nanoTime(), done);
        pending.put(id, p);
        bySendTime.addLast(p);
        if (sweep == null) {
            sweep = ctx.executor().schedule(this::sweep, timeoutNanos, TimeUnit.NANOSECONDS);
        }
        sent++;
        // encoded here, straight into a buffer of the channel's allocator: no frame or payload record per access
        session.send(DmFrameEncoder.ioreq(ctx.alloc(), r.device(), id, r.space(), read, size, r.region(), vcpu.id(),
            offset, r.base() + offset, read ? 0 : value));
    }

    /** The model's answer to an IOREQ: IOREQ_DONE with the value read, or an ERROR reply. */
    void reply(final DmFrame f) {
        final PendingIoreq p = pending.get(f.id());
        if (p == null) {
            session.protocolError(false, f.id(), f.device(), UNKNOWN_REPLY, f.type(),
                "no IOREQ " + f.id() + " is waiting for an answer (unknown, answered or expired)");
            return;
        }
        if (p.device != f.device()) {
            session.refuse(false, f.id(), f.device(), BAD_VALUE, f.type(), 0, "IOREQ " + f.id() + " was for device "
                + p.device + ", not " + f.device());
            return;
        }
        pending.remove(f.id());
        if (f.type() == Opcodes.ERROR) {
            failed++;
            p.complete(false, 0);
        } else {
            answered++;
            p.complete(true, ((Msg.IoreqDone) f.payload()).data());
        }
        dropFinished();
    }

    /**
     * The session's deadline timer: one for all its IOREQs (no timer per request), due when the
     * oldest one still pending reaches its deadline; re-armed for the next oldest.
     */
    private void sweep() {
        sweep = null;
        if (session.isEnded()) {
            return;
        }
        dropFinished();
        final PendingIoreq oldest = bySendTime.peekFirst();
        if (oldest == null) {
            return;
        }
        final ChannelHandlerContext ctx = session.context();
        final long late = ctx.executor().ticker().nanoTime() - oldest.sentAt;
        if (late >= timeoutNanos) {
            expired(oldest);
        } else {
            sweep = ctx.executor().schedule(this::sweep, timeoutNanos - late, TimeUnit.NANOSECONDS);
        }
    }

    private void dropFinished() {
        while (!bySendTime.isEmpty() && bySendTime.peekFirst().finished) {
            bySendTime.pollFirst();
        }
    }

    private void expired(final PendingIoreq p) {
        pending.remove(p.id);
        expired++;
        p.complete(false, 0);
        session.fatal(false, p.id, p.device, DEADLINE_EXPIRED, Opcodes.IOREQ, "IOREQ " + p.id
            + " was not answered within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
            + " ms: the device model is treated as gone");
    }

    /** The IOREQ {@code id}, if pending, completes unanswered (the model refused it or its answer was unusable). */
    void fail(final long id) {
        final PendingIoreq p = pending.remove(id);
        if (p != null) {
            failed++;
            p.complete(false, 0);
            dropFinished();
        }
    }

    /** At the session's end: completes what the guest is waiting for, oldest first. */
    void completeAll() {
        if (sweep != null) {
            sweep.cancel(false);
            sweep = null;
        }
        final List<PendingIoreq> waiting = new ArrayList<>(pending.values());
        pending.clear();
        bySendTime.clear();
        waiting.sort(Comparator.comparingLong(p -> p.id));
        for (final PendingIoreq p : waiting) {
            failed++;
            p.complete(false, 0);
        }
    }

    int pending() {
        return pending.size();
    }

    long sent() {
        return sent;
    }

    long answered() {
        return answered;
    }

    long expired() {
        return expired;
    }

    long failed() {
        return failed;
    }
}
