package io.irqsim.dm.net.client;

import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.DmFrameEncoder;
import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.FrameDescriptor;
import io.irqsim.dm.net.proto.InvalidFrame;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.proto.Payload;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.LongObjectHashMap;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The channel side of a {@link DeviceModelClient}: matches replies to pending requests, answers
 * IOREQs from the region table, passes on EOI and ERROR notices, answers invalid frames, keeps an
 * idle connection alive with PINGs and fails what is pending when the session ends.
 *
 * <p>Confined to the client's I/O thread: Netty calls it there, and the client hands
 * {@link #send} there ({@link DeviceModelClient#execute}) and calls {@link #install} from reply
 * callbacks, which run there too. The package-private fields are the only state other threads
 * touch: the client reads them (and sets the listeners) from any thread.
 */
final class DeviceModelClientHandler extends ChannelInboundHandlerAdapter {

    /** A request waiting for its reply. */
    private static final class Pending {
        final CompletableFuture<Object> future;
        final Function<DmFrame, ?> onReply;

        Pending(final CompletableFuture<Object> future, final Function<DmFrame, ?> onReply) {
            this.future = future;
            this.onReply = onReply;
        }
    }

    private final LongObjectHashMap<Pending> pending = new LongObjectHashMap<>();
    private final IntObjectHashMap<IoreqHandler[]> regions = new IntObjectHashMap<>();
    private ChannelHandlerContext ctx;
    private long nextId = 1;
    private boolean open = true;
    /** Between a {@code channelRead} and its {@code channelReadComplete}, when writes wait for one flush. */
    private boolean reading;

    // shared with DeviceModelClient, which reads them from any thread: written on the I/O thread
    // (negotiated by the client's HELLO reply callback, the rest here), except the listeners, which
    // the client sets from any thread
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    volatile Msg.Hello negotiated;
    volatile EoiListener eoiListener;
    volatile Consumer<DmRemoteException> errorListener;
    volatile DmRemoteException fatal;
    volatile long ioreqsReceived;
    volatile long ioreqsAnswered;
    volatile long ioreqsRefused;
    volatile long eois;

    @Override
    public void handlerAdded(final ChannelHandlerContext context) {
        this.ctx = context;
    }

    @SuppressWarnings("unchecked")
    <T> void send(final Channel channel, final int type, final int device, final Payload payload,
                  final boolean posted, final CompletableFuture<T> f, final Function<DmFrame, T> onReply) {
        if (!open || !channel.isActive()) {
            f.completeExceptionally(fatal != null ? fatal : new ClosedChannelException());
            return;
        }
        final long id = nextId++;
        if (!posted) {
            pending.put(id, new Pending((CompletableFuture<Object>) f, onReply));
        }
        final DmFrame frame = new DmFrame(type, FrameDescriptor.FLAG_MODEL_ORIGIN
            | (posted ? FrameDescriptor.FLAG_POSTED : 0), device, id, payload);
        if (reading) {
            // made by a handler or listener while frames are being read: flushed with the IOREQ
            // replies once the read is done (one write, one wake-up of the server)
            channel.write(frame, channel.voidPromise());
        } else {
            channel.writeAndFlush(frame, channel.voidPromise());
        }
        if (posted) {
            f.complete(null);
        }
    }

    void install(final int device, final int region, final IoreqHandler h) {
        IoreqHandler[] hs = regions.get(device);
        if (hs == null || hs.length <= region) {
            hs = hs == null ? new IoreqHandler[Math.max(Msg.BARS, region + 1)] : Arrays.copyOf(hs, region + 1);
            regions.put(device, hs);
        }
        hs[region] = h;
    }

    @Override
    public void channelRead(final ChannelHandlerContext context, final Object msg) {
        reading = true;
        if (!open) {
            return;
        }
        if (msg instanceof InvalidFrame) {
            invalid((InvalidFrame) msg);
            return;
        }
        final DmFrame f = (DmFrame) msg;
        if (f.isReply()) {
            reply(f);
        } else if (f.type() == Opcodes.IOREQ) {
            ioreq(f);
        } else if (f.type() == Opcodes.EOI) {
            eois++;
            final EoiListener l = eoiListener;
            if (l != null) {
                l.eoi(f.device(), ((Msg.Eoi) f.payload()).gsi());
            }
        } else if (f.type() == Opcodes.ERROR) {
            notice((Msg.Error) f.payload());
        }
    }

    private void reply(final DmFrame f) {
        final Pending p = pending.remove(f.id());
        if (p == null) {
            if (f.type() == Opcodes.ERROR) {
                notice((Msg.Error) f.payload()); // a refused posted request
            } else {
                ctx.write(new DmFrame(Opcodes.ERROR, FrameDescriptor.FLAG_MODEL_ORIGIN, f.device(), f.id(),
                    new Msg.Error(ErrorCodes.UNKNOWN_REPLY, f.type(), 0, "no request " + f.id() + " is pending")));
            }
            return;
        }
        if (f.type() == Opcodes.ERROR) {
            final Msg.Error e = (Msg.Error) f.payload();
            p.future.completeExceptionally(new DmRemoteException(e));
            if (e.fatal()) {
                ended(new DmRemoteException(e));
                ctx.close();
            }
            return;
        }
        try {
            p.future.complete(p.onReply.apply(f));
        } catch (final RuntimeException e) {
            p.future.completeExceptionally(e);
        }
    }

    private void ioreq(final DmFrame f) {
        ioreqsReceived++;
        final Msg.Ioreq q = (Msg.Ioreq) f.payload();
        final IoreqHandler[] hs = regions.get(f.device());
        final IoreqHandler h = hs == null || q.region() >= hs.length ? null : hs[q.region()];
        String fault = null;
        long value = 0;
        if (h == null) {
            fault = "no handler for device " + f.device() + " region " + q.region();
        } else {
            try {
                if (q.read()) {
                    value = h.read(q.offset(), q.size());
                } else {
                    h.write(q.offset(), q.size(), q.data());
                }
            } catch (final RuntimeException e) {
                fault = "handler of device " + f.device() + " region " + q.region() + " failed: " + e;
            }
        }
        if (fault != null) {
            ioreqsRefused++;
            ctx.write(new DmFrame(Opcodes.ERROR, FrameDescriptor.FLAG_REPLY, f.device(), f.id(),
                new Msg.Error(ErrorCodes.MODEL_FAULT, Opcodes.IOREQ, 0, fault)));
            return;
        }
        ioreqsAnswered++;
        ctx.write(DmFrameEncoder.ioreqReply(ctx.alloc(), f.device(), f.id(), value), ctx.voidPromise());
    }

    private void notice(final Msg.Error e) {
        final DmRemoteException ex = new DmRemoteException(e);
        if (e.fatal()) {
            ended(ex);
            ctx.close();
            return;
        }
        final Consumer<DmRemoteException> l = errorListener;
        if (l != null) {
            l.accept(ex);
        }
    }

    private void invalid(final InvalidFrame f) {
        // a broken stream (the decoder's fatal errors) is answered with a notice of id 0; a refused
        // request with an ERROR reply; a refused reply with a notice carrying its (our) id
        final boolean request = !f.fatal() && f.type() != Opcodes.ERROR && !f.wasReply();
        final int flags = f.fatal() ? 0 : request ? FrameDescriptor.FLAG_REPLY : FrameDescriptor.FLAG_MODEL_ORIGIN;
        final DmFrame err = new DmFrame(Opcodes.ERROR, flags, f.fatal() ? 0 : f.device(), f.fatal() ? 0 : f.id(),
            new Msg.Error(f.code(), f.fatal() ? 0 : f.type(), 0, f.text()));
        if (f.fatal()) {
            ended(new DmRemoteException(new Msg.Error(f.code(), f.type(), 0, "the server sent " + f.text())));
            ctx.writeAndFlush(err).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        } else {
            ctx.write(err);
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext context) {
        reading = false;
        context.flush();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext context, final Throwable cause) {
        ended(new DmRemoteException(new Msg.Error(0, 0, 0, "local failure: " + cause)));
        context.close();
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext context, final Object evt) {
        if (evt instanceof IdleStateEvent && ((IdleStateEvent) evt).state() == IdleState.WRITER_IDLE) {
            if (open && negotiated != null) {
                send(context.channel(), Opcodes.PING, 0, new Msg.Ping(0), false, new CompletableFuture<Long>(),
                    f -> 0L);
            }
            return;
        }
        context.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext context) {
        ended(null);
        context.fireChannelInactive();
    }

    private void ended(final DmRemoteException why) {
        if (!open) {
            return;
        }
        open = false;
        if (why != null) {
            fatal = why;
        }
        final List<Pending> waiting = new ArrayList<>(pending.values());
        pending.clear();
        for (final Pending p : waiting) {
            p.future.completeExceptionally(why != null ? why : new ClosedChannelException());
        }
        closed.complete(null);
    }
}
