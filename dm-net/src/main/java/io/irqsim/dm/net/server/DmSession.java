package io.irqsim.dm.net.server;

import io.irqsim.dm.net.proto.DmCodec;
import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.DmFrameDecoder;
import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.FrameDescriptor;
import io.irqsim.dm.net.proto.InvalidFrame;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.proto.Payload;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.GsiEoiListener;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.ioreq.IoreqCompletion;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

import static io.irqsim.dm.net.proto.ErrorCodes.*;

/**
 * One device model's connection, on the machine's thread: the handshake, then the model's
 * requests carried out with the rights of a device-model domain created for it, IOREQs for the
 * guest accesses in its ranges, EOI notices, and, when it goes away by any path, the release of
 * everything it held.
 *
 * <p><b>Rights.</b> ATTACH creates an unprivileged PV stub domain whose {@code deviceModelFor} is
 * the target ({@code d->target} in Xen), and every dm_op, physdev op and domctl the session causes
 * is issued with that domain as the caller, so Xen's own XSM checks ({@code XSM_DM_PRIV}) confine
 * the model to its domain. Ranges and devices are the session's own: a device id names one of this
 * session's devices, an IOREQ reply only completes this session's IOREQs.
 *
 * <p><b>Ordering.</b> The model's frames are carried out one at a time in arrival order; replies
 * go out in that order. IOREQs go out in the order the guest issued the accesses, and the model is
 * expected to answer a device's IOREQs in that order (replies are matched by id in any case).
 * Nothing here blocks: a guest access waits as a stalled vCPU, not as a waiting thread.
 *
 * <p><b>End.</b> GOODBYE, a disconnect, a fatal protocol error, an expired IOREQ deadline or a
 * server shutdown all end the session the same way: its ranges are unmapped (guest accesses there
 * read all ones from then on), every INTx and ISA line it raised is lowered, its pending IOREQs
 * complete (reads all ones, writes dropped), its passthrough bindings are undone, its claims are
 * released (its PCI functions stay on the guest's bus, waiting for a model) and its stub domain
 * is destroyed. A model can then connect and attach again.
 *
 * <p><b>Parts.</b> This class keeps the session's lifecycle (handshake, ATTACH, the end) and the
 * dispatch of frames; {@link SessionLimits} holds its timeouts and error budgets,
 * {@link IoreqForwarder} its IOREQs in flight, and {@link DmOpHandlers} carries out the
 * device-model requests (dm_op, physdev op, domctl) and keeps what they created.
 */
public final class DmSession extends ChannelInboundHandlerAdapter implements GsiEoiListener {

    private enum State { AWAIT_HELLO, OPEN, ENDED }

    private final DmService service;
    private final int number;
    private final SessionLimits limits;
    private final IoreqForwarder ioreqs;
    private final DmOpHandlers dmops;
    private ChannelHandlerContext ctx;
    private String peer = "?";
    private State state = State.AWAIT_HELLO;
    private long features;
    private int maxDevices;
    private Domain target;
    private Domain stub;
    private DomainClaims claims;
    private long nextId = 1;
    /**
     * Whether the session is between a {@code channelRead} and its {@code channelReadComplete}:
     * frames sent then (IOREQs and EOI notices the model's requests cause, replies) are written
     * and flushed together once the read is done, one write system call for all of them, instead
     * of one per frame with the model woken for each. Outside a read (a guest access another
     * session or thread started) a frame is flushed at once.
     */
    private boolean reading;
    private String endReason;
    private long requests;
    private long refused;
    private long eoiNotices;

    DmSession(final DmService service, final int number) {
        this.service = service;
        this.number = number;
        this.limits = new SessionLimits(this, service.config());
        this.ioreqs = new IoreqForwarder(this, service.config().ioreqTimeout().toNanos());
        this.dmops = new DmOpHandlers(this);
    }

    // ---------------------------------------------------------------- channel events

    /**
     * @param channel a connection
     * @return who is at its other end, in the {@code --listen} syntax the server prints its own
     *     addresses in: {@code tcp:127.0.0.1:40512}; a Unix-socket client has no path of its own, so
     *     the socket it came in on ({@code unix:/tmp/dm.sock})
     */
    static String peerOf(final io.netty.channel.Channel channel) {
        final java.net.SocketAddress remote = channel.remoteAddress();
        if (remote instanceof io.netty.channel.unix.DomainSocketAddress d && d.path().isEmpty()
            && channel.localAddress() instanceof io.netty.channel.unix.DomainSocketAddress local) {
            return "unix:" + local.path();
        }
        if (remote instanceof java.net.InetSocketAddress inet && inet.getAddress() != null) {
            final String h = inet.getAddress().getHostAddress();
            return "tcp:" + (h.contains(":") ? "[" + h + "]" : h) + ":" + inet.getPort();
        }
        return String.valueOf(remote);
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext context) {
        this.ctx = context;
        this.peer = peerOf(context.channel());
        service.started(this);
        limits.connected(context);
    }

    @Override
    public void channelRead(final ChannelHandlerContext context, final Object msg) {
        reading = true;
        if (state == State.ENDED) {
            return;
        }
        if (msg instanceof InvalidFrame || msg instanceof DmFrame) {
            limits.frameArrived(context);
        }
        if (msg instanceof InvalidFrame) {
            invalid((InvalidFrame) msg);
        } else if (msg instanceof DmFrame) {
            frame((DmFrame) msg);
        } else {
            context.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(final ChannelHandlerContext context) {
        reading = false;
        service.afterWork();
        context.flush();
        if (!context.channel().isWritable()) {
            // the model does not read its replies: stop reading its requests until it catches up
            context.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext context) {
        if (context.channel().isWritable()) {
            context.channel().config().setAutoRead(true);
        }
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext context, final Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // the model shut down its sending side: nothing more will come (a truncated frame, if
            // any, was reported before this event)
            if (state != State.ENDED) {
                end("the model closed its sending side");
                context.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        context.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext context) {
        end("disconnected");
        context.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext context, final Throwable cause) {
        service.log("session " + number + " (" + peer + "): " + cause);
        end("I/O error: " + cause.getMessage());
        context.close();
    }

    // ---------------------------------------------------------------- frames in

    private void invalid(final InvalidFrame f) {
        final boolean stream = f.fatal(); // the decoder's only fatal errors: the byte stream is broken
        if (f.wasReply()) {
            ioreqs.fail(f.id()); // the model's answer was unusable: the guest's access completes unanswered
        }
        if (stream) {
            fatal(false, 0, 0, f.code(), 0, f.text());
        } else if (state == State.AWAIT_HELLO) {
            fatal(isRequest(f.type(), f.flags()), f.id(), f.device(), f.code(), f.type(), f.text());
        } else {
            protocolError(isRequest(f.type(), f.flags()), f.id(), f.device(), f.code(), f.type(), f.text());
        }
    }

    private static boolean isRequest(final int type, final int flags) {
        return type != Opcodes.ERROR && (flags & FrameDescriptor.FLAG_REPLY) == 0;
    }

    private void frame(final DmFrame f) {
        if (state == State.AWAIT_HELLO) {
            if (f.type() == Opcodes.HELLO && !f.isReply()) {
                hello(f);
            } else {
                fatal(isRequest(f.type(), f.flags()), f.id(), f.device(), HANDSHAKE_REQUIRED, f.type(),
                    "the first frame must be a HELLO request, not " + Opcodes.describe(f.type()));
            }
            return;
        }
        if (f.type() == Opcodes.HELLO) {
            fatal(!f.isReply(), f.id(), f.device(), HANDSHAKE_REPEATED, f.type(), "the handshake is done already");
            return;
        }
        final long need = Opcodes.feature(f.type());
        if (need != 0 && (features & need) == 0) {
            protocolError(isRequest(f.type(), f.flags()), f.id(), f.device(), NOT_NEGOTIATED, f.type(),
                Opcodes.describe(f.type()) + " needs feature " + Features.toString(need) + ", not negotiated");
            return;
        }
        if (f.isReply()) {
            ioreqs.reply(f);
        } else if (f.type() == Opcodes.ERROR) {
            notice(f);
        } else {
            request(f);
        }
    }

    private void hello(final DmFrame f) {
        final Msg.Hello h = (Msg.Hello) f.payload();
        final DmServerConfig c = service.config();
        if (h.major() != FrameDescriptor.MAJOR) {
            fatal(true, f.id(), 0, VERSION_MISMATCH, f.type(), "the model speaks " + h.major() + "." + h.minor()
                + ", the server " + FrameDescriptor.MAJOR + "." + FrameDescriptor.MINOR + ": the majors must match");
            return;
        }
        if (h.maxFrame() < FrameDescriptor.MIN_MAX_FRAME || h.maxFrame() > FrameDescriptor.MAX_MAX_FRAME
            || h.maxDevices() == 0) {
            fatal(true, f.id(), 0, BAD_HELLO, f.type(), "maximum frame " + h.maxFrame() + " (must be "
                + FrameDescriptor.MIN_MAX_FRAME + ".." + FrameDescriptor.MAX_MAX_FRAME + "), maximum devices "
                + h.maxDevices() + " (must be at least 1)");
            return;
        }
        final long agreed = h.features() & c.features();
        final long missingForModel = h.required() & ~agreed;
        final long missingForServer = c.requiredFeatures() & ~agreed;
        if ((missingForModel | missingForServer) != 0) {
            fatal(true, f.id(), 0, FEATURE_REQUIRED, f.type(), missingForModel != 0
                ? "the model requires " + Features.toString(missingForModel) + ", which the server does not offer"
                : "the server requires " + Features.toString(missingForServer) + ", which the model does not offer");
            return;
        }
        features = agreed;
        maxDevices = Math.min(h.maxDevices(), c.maxDevices());
        final int maxFrame = (int) Math.min(h.maxFrame(), c.maxFrame());
        final int minor = Math.min(h.minor(), FrameDescriptor.MINOR);
        state = State.OPEN;
        limits.handshakeDone(ctx);
        ctx.write(f.reply(0, new Msg.Hello(FrameDescriptor.MAJOR, minor, maxFrame, maxDevices, agreed,
            c.requiredFeatures())));
        final DmCodec codec = ctx.pipeline().get(DmCodec.class);
        final DmFrameDecoder decoder = codec != null ? codec.decoder() : ctx.pipeline().get(DmFrameDecoder.class);
        if (decoder != null) {
            decoder.setMaxFrameLength(maxFrame);
        }
    }

    private void notice(final DmFrame f) {
        final Msg.Error e = (Msg.Error) f.payload();
        if (limits.countNotice()) {
            fatal(false, 0, 0, TOO_MANY_ERRORS, 0, limits.notices() + " ERROR notices: the server stops listening to the model");
            return;
        }
        service.log("session " + number + " (" + peer + "): the model reports " + e);
        if (!f.isModelOrigin() && f.id() != 0) {
            ioreqs.fail(f.id()); // it refused one of our IOREQs
        }
        if (e.fatal()) {
            end("the model reported " + ErrorCodes.name(e.code()));
            ctx.close();
        }
    }

    private void request(final DmFrame f) {
        switch (f.type()) {
            case Opcodes.PING:
                ok(f, 0, f.payload());
                return;
            case Opcodes.GOODBYE:
                requests++;
                end("goodbye");
                ctx.writeAndFlush(f.reply(0, Msg.Empty.INSTANCE)).addListener(ChannelFutureListener.CLOSE);
                return;
            case Opcodes.ATTACH:
                attach(f);
                return;
            default:
                break;
        }
        if (target == null) {
            refuse(f, NOT_ATTACHED, 0, Opcodes.describe(f.type()) + " needs an ATTACH first");
            return;
        }
        switch (f.type()) {
            case Opcodes.REGISTER_MMIO: dmops.registerMmio(f); return;
            case Opcodes.REGISTER_PIO: dmops.registerPio(f); return;
            case Opcodes.REGISTER_PCI: dmops.registerPci(f); return;
            case Opcodes.SET_INTX: dmops.setIntx(f); return;
            case Opcodes.SET_ISA_IRQ: dmops.setIsaIrq(f); return;
            case Opcodes.SET_PCI_LINK_ROUTE: dmops.setPciLinkRoute(f); return;
            case Opcodes.INJECT_MSI: dmops.injectMsi(f); return;
            case Opcodes.BIND_PT_IRQ: dmops.bindPtIrq(f); return;
            default:
                refuse(f, WRONG_DIRECTION, 0, Opcodes.describe(f.type()) + " is not a request the server carries out");
        }
    }

    // ---------------------------------------------------------------- requests

    Hypervisor xen() {
        return service.machine().xen();
    }

    private void attach(final DmFrame f) {
        if (target != null) {
            refuse(f, ALREADY_ATTACHED, 0, "already attached to " + target);
            return;
        }
        final Msg.Attach a = (Msg.Attach) f.payload();
        Domain d = null;
        if (a.domid() == Msg.DOMID_BY_NAME) {
            for (final Domain x : xen().domains()) {
                if (x.name().equals(a.name()) && !x.isDying()) {
                    d = x;
                    break;
                }
            }
        } else if (a.domid() >= 0 && a.domid() < Domain.DOMID_FIRST_RESERVED) {
            d = xen().domain(a.domid());
        }
        if (d == null || d.isDying()) {
            refuse(f, NO_SUCH_DOMAIN, 0, a.domid() == Msg.DOMID_BY_NAME ? "no domain named '" + a.name() + "'"
                : "no domain " + Integer.toUnsignedString(a.domid()));
            return;
        }
        if (d.isHardwareDomain()) {
            refuse(f, DOMAIN_REFUSED, 0, d + " is the hardware domain: its devices are its own");
            return;
        }
        if (!d.type().isHvmType() || d.hvmIrq() == null) {
            refuse(f, DOMAIN_REFUSED, 0, d + " is not an HVM guest: device-model operations need one");
            return;
        }
        final DomainClaims c = service.claims(d);
        if (c.sessions() >= service.config().maxSessionsPerDomain()) {
            refuse(f, DOMAIN_REFUSED, 0, d + " already has " + c.sessions() + " device models attached");
            return;
        }
        // libxl creates a device-model stub domain: PV, unprivileged, its target the guest
        stub = xen().createDomain(new DomainConfig("dm" + number + "-" + d.name(), DomainType.PV, 1, false, false,
            false, true));
        stub.setDeviceModelFor(d);
        target = d;
        claims = c;
        c.sessionAttached();
        d.addGsiEoiListener(this);
        service.log("session " + number + " (" + peer + "): attached to " + d + " as device-model domain d"
            + stub.id());
        ok(f, 0, new Msg.Attached(d.id(), stub.id(), d.vcpus().size(), d.hvmIrq().nrGsis()));
    }

    // ---------------------------------------------------------------- IOREQs and EOIs out

    /**
     * Sends a guest access to the model; {@code done} runs when it answers, when the deadline
     * passes, or when the session ends, whichever is first.
     */
    void forward(final ForwardedRegion r, final Vcpu vcpu, final boolean read, final long offset, final int size,
                 final long value, final IoreqCompletion done) {
        ioreqs.forward(r, vcpu, read, offset, size, value, done);
    }

    /** @return a new frame id for a frame the server starts (IOREQs and EOI notices share the count) */
    long nextId() {
        return nextId++;
    }

    /** Writes a frame the model did not ask for; flushed now, or with the rest when the current read is done. */
    void send(final Object frame) {
        if (reading) {
            ctx.write(frame, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(frame, ctx.voidPromise());
        }
    }

    @Override
    public void gsiEoi(final Domain domain, final int gsi) {
        if (state != State.OPEN || (features & Features.EOI_NOTICE) == 0) {
            return;
        }
        dmops.gsiEoi(gsi);
    }

    void eoiNotice(final int device, final int gsi) {
        eoiNotices++;
        send(new DmFrame(Opcodes.EOI, FrameDescriptor.FLAG_POSTED, device, nextId++, new Msg.Eoi(gsi)));
    }

    // ---------------------------------------------------------------- replies and errors out

    void ok(final DmFrame f, final int device, final Payload payload) {
        requests++;
        if (!f.isPosted()) {
            ctx.write(f.reply(device, payload), ctx.voidPromise());
        }
    }

    void refuse(final DmFrame f, final int code, final int errno, final String text) {
        refuse(isRequest(f.type(), f.flags()), f.id(), f.device(), code, f.type(), errno, text);
    }

    /**
     * Sends an ERROR for a refused frame: a reply (with MODEL_ORIGIN: the id is the model's) for a
     * refused request, a notice carrying the id for a refused reply.
     */
    void refuse(final boolean request, final long id, final int device, final int code, final int refType,
                        final int errno, final String text) {
        refused++;
        final int flags = request ? FrameDescriptor.FLAG_REPLY | FrameDescriptor.FLAG_MODEL_ORIGIN : 0;
        ctx.write(new DmFrame(Opcodes.ERROR, flags, device, id, new Msg.Error(code, refType, errno, text)),
            ctx.voidPromise());
    }

    void protocolError(final boolean request, final long id, final int device, final int code,
                               final int refType, final String text) {
        refuse(request, id, device, code, refType, 0, text);
        if (limits.countProtocolError()) {
            fatal(false, 0, 0, TOO_MANY_ERRORS, 0, limits.protocolErrors() + " invalid frames: the server stops listening");
        }
    }

    /** Sends one ERROR frame, closes the connection once it is written, and ends the session. */
    void fatal(final boolean request, final long id, final int device, final int code, final int refType,
                       final String text) {
        if (state == State.ENDED) {
            return;
        }
        refused++;
        // ended first: closing may be immediate, and what the decoder reports on the way (a frame
        // cut short by the close) must not become the reason
        end(ErrorCodes.name(code) + ": " + text);
        final int flags = request ? FrameDescriptor.FLAG_REPLY | FrameDescriptor.FLAG_MODEL_ORIGIN : 0;
        ctx.writeAndFlush(new DmFrame(Opcodes.ERROR, flags, device, id, new Msg.Error(code, refType, 0, text)))
            .addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * The one frame a connection past the cap gets instead of a session (then it is closed).
     *
     * @param max the cap
     * @return a SERVER_FULL notice
     */
    static DmFrame serverFull(final int max) {
        return new DmFrame(Opcodes.ERROR, 0, 0, 0, new Msg.Error(SERVER_FULL, 0, 0, "the server holds its " + max
            + " connections; try again later"));
    }

    /** The server is shutting down: one SHUTTING_DOWN error, then the session ends and the connection closes. */
    void shutdown() {
        fatal(false, 0, 0, SHUTTING_DOWN, 0, "the server is shutting down");
    }

    // ---------------------------------------------------------------- the end

    /** Releases everything the session holds; idempotent. */
    private void end(final String reason) {
        if (state == State.ENDED) {
            return;
        }
        state = State.ENDED;
        endReason = reason;
        limits.cancel();
        if (target != null) {
            target.removeGsiEoiListener(this);
            // 1. no new IOREQs: the ranges go (guest accesses there now read all ones)
            dmops.unmapRanges();
            // 2. lower every line it raised, before the guest resumes
            dmops.lowerLines();
            // 3. complete what the guest is waiting for, oldest first
            ioreqs.completeAll();
            // 4. undo its passthrough bindings (the pirq mapping is the toolstack's)
            dmops.unbindPtIrqs();
            // 5. its claims go; its PCI functions wait on the guest's bus for a model
            claims.release(this);
            claims.sessionDetached();
            // 6. the device-model domain goes
            xen().destroyDomain(stub);
        }
        service.ended(this, report());
    }

    // ---------------------------------------------------------------- observation

    /** @return how the session is going (or went) */
    public SessionReport report() {
        return new SessionReport(number, peer, target == null ? null : target.toString(),
            endReason == null ? "live" : endReason, ioreqs.sent(), ioreqs.answered(), ioreqs.expired(), ioreqs.failed(),
            requests,
            refused, eoiNotices);
    }

    /** @return the session number */
    public int number() {
        return number;
    }

    /** @return the domain it is attached to, or {@code null} */
    public Domain target() {
        return target;
    }

    /** @return its device-model domain, or {@code null} before ATTACH */
    public Domain deviceModelDomain() {
        return stub;
    }

    /** @return IOREQs waiting for the model */
    public int pendingIoreqs() {
        return ioreqs.pending();
    }

    /** @return whether the session ended */
    public boolean isEnded() {
        return state == State.ENDED;
    }

    /** @return the negotiated features */
    public long features() {
        return features;
    }

    // ---------------------------------------------------------------- for the session's parts

    DmService service() {
        return service;
    }

    ChannelHandlerContext context() {
        return ctx;
    }

    DomainClaims claims() {
        return claims;
    }

    int maxDevices() {
        return maxDevices;
    }

    boolean awaitingHello() {
        return state == State.AWAIT_HELLO;
    }

    boolean isOpen() {
        return state == State.OPEN;
    }

    @Override
    public String toString() {
        return "session " + number + " (" + peer + ")";
    }
}
