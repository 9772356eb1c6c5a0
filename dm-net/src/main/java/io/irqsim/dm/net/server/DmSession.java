package io.irqsim.dm.net.server;

import io.irqsim.dm.net.proto.DmCodec;
import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.DmFrameDecoder;
import io.irqsim.dm.net.proto.DmFrameEncoder;
import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.FrameDescriptor;
import io.irqsim.dm.net.proto.InvalidFrame;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.proto.Payload;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.toolstack.DeviceModel;
import io.irqsim.guest.toolstack.IrqFlow;
import io.irqsim.guest.toolstack.Libxl;
import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.GsiEoiListener;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.ioreq.IoreqCompletion;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.trace.HwTrace;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
 */
public final class DmSession extends ChannelInboundHandlerAdapter implements GsiEoiListener {

    private enum State { AWAIT_HELLO, OPEN, ENDED }

    /** A device the model registered: a set of ranges, or a PCI function. */
    private static final class Device {
        final int id;
        final EmulatedFunction function;
        final List<ForwardedRegion> regions = new ArrayList<>();
        int level;
        boolean raisedSinceEoi;

        Device(final int id, final EmulatedFunction function) {
            this.id = id;
            this.function = function;
        }
    }

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

    private final DmService service;
    private final int number;
    private final long timeoutNanos;
    private ChannelHandlerContext ctx;
    private String peer = "?";
    private State state = State.AWAIT_HELLO;
    private long features;
    private int maxDevices;
    private Domain target;
    private Domain stub;
    private DomainClaims claims;
    private final List<Device> devices = new ArrayList<>();
    private final LongObjectHashMap<PendingIoreq> pending = new LongObjectHashMap<>();
    /** Pending IOREQs in the order they were sent (answered ones leave lazily from the head). */
    private final ArrayDeque<PendingIoreq> bySendTime = new ArrayDeque<>();
    /** The one timer of the session: due when the oldest pending IOREQ's deadline passes. */
    private ScheduledFuture<?> sweep;
    /** Until HELLO: ends the session if it does not come in time. */
    private ScheduledFuture<?> handshakeTimer;
    /** After HELLO: ends the session when no complete frame came for the idle timeout (checked lazily). */
    private ScheduledFuture<?> idleTimer;
    /** When the last complete frame (valid or not) arrived, on the event loop's ticker. */
    private long lastFrameAt;
    private int notices;
    private long nextId = 1;
    /**
     * Whether the session is between a {@code channelRead} and its {@code channelReadComplete}:
     * frames sent then (IOREQs and EOI notices the model's requests cause, replies) are written
     * and flushed together once the read is done, one write system call for all of them, instead
     * of one per frame with the model woken for each. Outside a read (a guest access another
     * session or thread started) a frame is flushed at once.
     */
    private boolean reading;
    private int isaRaised;
    private int isaRaisedSinceEoi;
    private final List<BindPtIrq> ptBindings = new ArrayList<>();
    private final Map<Bdf, Integer> stubPirqs = new HashMap<>();
    private int protocolErrors;
    private String endReason;
    private long ioreqsSent;
    private long ioreqsAnswered;
    private long ioreqsExpired;
    private long ioreqsFailed;
    private long requests;
    private long refused;
    private long eoiNotices;

    DmSession(final DmService service, final int number) {
        this.service = service;
        this.number = number;
        this.timeoutNanos = service.config().ioreqTimeout().toNanos();
    }

    // ---------------------------------------------------------------- channel events

    @Override
    public void handlerAdded(final ChannelHandlerContext context) {
        this.ctx = context;
        this.peer = String.valueOf(context.channel().remoteAddress());
        service.started(this);
        handshakeTimer = context.executor().schedule(this::handshakeTimedOut,
            service.config().limits().handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(final ChannelHandlerContext context, final Object msg) {
        reading = true;
        if (state == State.ENDED) {
            return;
        }
        if (msg instanceof InvalidFrame || msg instanceof DmFrame) {
            lastFrameAt = context.executor().ticker().nanoTime();
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
            fail(f.id()); // the model's answer was unusable: the guest's access completes unanswered
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
            reply(f);
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
        cancelHandshakeTimer();
        final long idle = c.limits().idleTimeout().toNanos();
        if (idle > 0) {
            idleTimer = ctx.executor().schedule(this::idleCheck, idle, TimeUnit.NANOSECONDS);
        }
        ctx.write(f.reply(0, new Msg.Hello(FrameDescriptor.MAJOR, minor, maxFrame, maxDevices, agreed,
            c.requiredFeatures())));
        final DmCodec codec = ctx.pipeline().get(DmCodec.class);
        final DmFrameDecoder decoder = codec != null ? codec.decoder() : ctx.pipeline().get(DmFrameDecoder.class);
        if (decoder != null) {
            decoder.setMaxFrameLength(maxFrame);
        }
    }

    private void reply(final DmFrame f) {
        final PendingIoreq p = pending.get(f.id());
        if (p == null) {
            protocolError(false, f.id(), f.device(), UNKNOWN_REPLY, f.type(),
                "no IOREQ " + f.id() + " is waiting for an answer (unknown, answered or expired)");
            return;
        }
        if (p.device != f.device()) {
            refuse(false, f.id(), f.device(), BAD_VALUE, f.type(), 0, "IOREQ " + f.id() + " was for device "
                + p.device + ", not " + f.device());
            return;
        }
        pending.remove(f.id());
        if (f.type() == Opcodes.ERROR) {
            ioreqsFailed++;
            p.complete(false, 0);
        } else {
            ioreqsAnswered++;
            p.complete(true, ((Msg.IoreqDone) f.payload()).data());
        }
        dropFinished();
    }

    private void notice(final DmFrame f) {
        final Msg.Error e = (Msg.Error) f.payload();
        if (++notices > service.config().limits().maxNotices()) {
            fatal(false, 0, 0, TOO_MANY_ERRORS, 0, notices + " ERROR notices: the server stops listening to the model");
            return;
        }
        service.log("session " + number + " (" + peer + "): the model reports " + e);
        if (!f.isModelOrigin() && f.id() != 0) {
            fail(f.id()); // it refused one of our IOREQs
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
            case Opcodes.REGISTER_MMIO: registerMmio(f); return;
            case Opcodes.REGISTER_PIO: registerPio(f); return;
            case Opcodes.REGISTER_PCI: registerPci(f); return;
            case Opcodes.SET_INTX: setIntx(f); return;
            case Opcodes.SET_ISA_IRQ: setIsaIrq(f); return;
            case Opcodes.SET_PCI_LINK_ROUTE: setPciLinkRoute(f); return;
            case Opcodes.INJECT_MSI: injectMsi(f); return;
            case Opcodes.BIND_PT_IRQ: bindPtIrq(f); return;
            default:
                refuse(f, WRONG_DIRECTION, 0, Opcodes.describe(f.type()) + " is not a request the server carries out");
        }
    }

    // ---------------------------------------------------------------- requests

    private Hypervisor xen() {
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

    /** The device a REGISTER_MMIO/PIO adds to: a new one (device id 0), or one of the session's range devices. */
    private Device rangeDevice(final DmFrame f) {
        if (f.device() == 0) {
            if (devices.size() >= maxDevices) {
                refuse(f, LIMIT, 0, "the session has its " + maxDevices + " device(s), the negotiated maximum");
                return null;
            }
            return new Device(devices.size() + 1, null);
        }
        final Device d = device(f.device());
        if (d == null || d.function != null) {
            refuse(f, NO_SUCH_DEVICE, 0, "device " + f.device() + " is not one of this session's range devices");
            return null;
        }
        if (d.regions.size() >= 255) {
            refuse(f, LIMIT, 0, "device " + d.id + " has 255 regions already");
            return null;
        }
        return d;
    }

    private Device device(final int id) {
        return id >= 1 && id <= devices.size() ? devices.get(id - 1) : null;
    }

    private void registerMmio(final DmFrame f) {
        final Msg.RegisterMmio r = (Msg.RegisterMmio) f.payload();
        final Device d = rangeDevice(f);
        if (d == null) {
            return;
        }
        final long last = r.base() + r.size() - 1;
        final String conflict = claims.mmioConflict(r.base(), last);
        if (conflict != null) {
            refuse(f, OVERLAP, 0, String.format("[0x%x, 0x%x] overlaps %s", r.base(), last, conflict));
            return;
        }
        if (d.id > devices.size()) {
            devices.add(d);
        }
        final int index = d.regions.size();
        final String name = "dm" + number + ".dev" + d.id + ".mmio" + index;
        final ForwardedRegion region = new ForwardedRegion(this, d.id, index, Msg.SPACE_MMIO, r.base(), r.size(), name);
        try {
            target.mapEmulated(r.base(), r.size(), region);
        } catch (final IllegalArgumentException e) {
            // the guest's own map refused it (it overlaps a mapping that is not a model's claim)
            refuse(f, OVERLAP, 0, e.getMessage());
            return;
        }
        claims.claimMmio(new DomainClaims.Claim(this, r.base(), last, name));
        d.regions.add(region);
        ok(f, d.id, new Msg.Registered(index));
    }

    private void registerPio(final DmFrame f) {
        final Msg.RegisterPio r = (Msg.RegisterPio) f.payload();
        final Device d = rangeDevice(f);
        if (d == null) {
            return;
        }
        final long last = r.port() + r.count() - 1L;
        final String conflict = claims.pioConflict(r.port(), last);
        if (conflict != null) {
            refuse(f, OVERLAP, 0, String.format("ports [0x%x, 0x%x] overlap %s", r.port(), last, conflict));
            return;
        }
        if (d.id > devices.size()) {
            devices.add(d);
        }
        final int index = d.regions.size();
        final String name = "dm" + number + ".dev" + d.id + ".pio" + index;
        // claimed and kept, not mapped: irqsim has no guest port-I/O path yet (docs/protocol.md)
        d.regions.add(new ForwardedRegion(this, d.id, index, Msg.SPACE_PIO, r.port(), r.count(), name));
        claims.claimPio(new DomainClaims.Claim(this, r.port(), last, name));
        ok(f, d.id, new Msg.Registered(index));
    }

    private void registerPci(final DmFrame f) {
        final Msg.RegisterPci r = (Msg.RegisterPci) f.payload();
        if (f.device() != 0) {
            refuse(f, BAD_VALUE, 0, "REGISTER_PCI always creates a device: its device id must be 0");
            return;
        }
        if (devices.size() >= maxDevices) {
            refuse(f, LIMIT, 0, "the session has its " + maxDevices + " device(s), the negotiated maximum");
            return;
        }
        final ScenarioMachine m = service.machine();
        final DeviceModel dm = m.deviceModel(target);
        final LinuxDomU guest = m.guest(target);
        if (dm == null || guest == null) {
            refuse(f, DOMAIN_REFUSED, 0, target + " has no guest PCI bus to present a function on");
            return;
        }
        final Bdf bdf = new Bdf(0, r.slot(), 0);
        final EmulatedFunction left = claims.function(r.slot());
        if (left != null) {
            if (left.owner() != null) {
                refuse(f, SLOT_BUSY, 0, "slot " + r.slot() + " holds a function of another device model");
                return;
            }
            if (!left.identity().equals(r)) {
                refuse(f, SLOT_BUSY, 0, "slot " + r.slot() + " keeps the function its disconnected model left there"
                    + String.format(" (%04x:%04x); only the same function can take it back", left.identity().vendorId(),
                    left.identity().deviceId()));
                return;
            }
            final Device d = new Device(devices.size() + 1, left);
            devices.add(d);
            left.setOwner(this);
            mapBars(d, left);
            service.log("session " + number + ": took back " + bdf + " in " + target);
            ok(f, d.id, pciRegistered(left));
            return;
        }
        if (dm.bus().function(bdf) != null) {
            refuse(f, SLOT_BUSY, 0, "slot " + r.slot() + " holds " + dm.bus().function(bdf).name());
            return;
        }
        // the BARs go in the slot's 64 KiB window (DeviceModel's layout), largest first: naturally aligned
        final long window = DeviceModel.GUEST_MMIO_BASE + (long) r.slot() * 0x10000;
        final Integer[] order = {0, 1, 2, 3, 4, 5};
        Arrays.sort(order, Comparator.comparingLong((Integer i) -> r.barSizes().get(i)).reversed());
        final long[] base = new long[Msg.BARS];
        long next = window;
        for (final int i : order) {
            final long size = r.barSizes().get(i);
            if (size != 0) {
                base[i] = next;
                next += size;
                final String conflict = claims.mmioConflict(base[i], base[i] + size - 1);
                if (conflict != null) {
                    refuse(f, OVERLAP, 0, String.format("BAR%d at [0x%x, 0x%x] would overlap %s", i, base[i],
                        base[i] + size - 1, conflict));
                    return;
                }
            }
        }
        final PciFunction view = new PciFunction(bdf, String.format("dm%d %04x:%04x", number, r.vendorId(),
            r.deviceId()), r.vendorId(), r.deviceId(), r.classCode(), r.pin(), HwTrace.NONE);
        for (int i = 0; i < Msg.BARS; i++) {
            if (base[i] != 0) {
                view.defineBar(i, r.barSizes().get(i), false, null);
                view.configWrite(PciConfigRegisters.BAR0 + 4 * i, 4, (int) base[i]);
                claims.claimMmio(new DomainClaims.Claim(null, base[i], base[i] + r.barSizes().get(i) - 1,
                    "BAR" + i + " of " + bdf));
            }
        }
        final EmulatedFunction fn = new EmulatedFunction(r, view, base, this);
        claims.addFunction(fn);
        final Device d = new Device(devices.size() + 1, fn);
        devices.add(d);
        mapBars(d, fn);
        dm.bus().add(view);
        service.log("session " + number + ": presented " + bdf + String.format(" [%04x:%04x]", r.vendorId(),
            r.deviceId()) + " in " + target);
        ok(f, d.id, pciRegistered(fn));
        // the reply goes out before any IOREQ the guest's probe may cause
        guest.hotplug(view);
    }

    private void mapBars(final Device d, final EmulatedFunction fn) {
        for (int i = 0; i < Msg.BARS; i++) {
            final long size = fn.barSize(i);
            final String name = "dm" + number + "." + fn.guestView().bdf() + ".bar" + i;
            final ForwardedRegion region = new ForwardedRegion(this, d.id, i, Msg.SPACE_MMIO, fn.barBase(i), size, name);
            d.regions.add(region);
            if (size != 0) {
                target.mapEmulated(fn.barBase(i), size, region);
            }
        }
    }

    private static Msg.PciRegistered pciRegistered(final EmulatedFunction fn) {
        final List<Long> bars = new ArrayList<>(Msg.BARS);
        for (int i = 0; i < Msg.BARS; i++) {
            bars.add(fn.barBase(i));
        }
        return new Msg.PciRegistered(fn.gsi(), bars);
    }

    private Device intxDevice(final DmFrame f) {
        final Device d = device(f.device());
        if (d == null || d.function == null) {
            refuse(f, NO_SUCH_DEVICE, 0, "device " + f.device() + " is not one of this session's PCI functions");
            return null;
        }
        if (d.function.pin() == 0) {
            refuse(f, BAD_VALUE, 0, "device " + d.id + " has no interrupt pin");
            return null;
        }
        return d;
    }

    private void setIntx(final DmFrame f) {
        final Device d = intxDevice(f);
        if (d == null) {
            return;
        }
        final int level = ((Msg.SetIntx) f.payload()).level();
        final int oldLevel = d.level;
        final boolean oldRaised = d.raisedSinceEoi;
        d.level = level; // before the hypercall: the guest may EOI while it runs
        d.raisedSinceEoi |= level == 1;
        final int rc = xen().dmop().setPciIntxLevel(stub, target.id(), 0, 0, d.function.slot(), d.function.pin() - 1,
            level);
        if (rc != 0) {
            d.level = oldLevel;
            d.raisedSinceEoi = oldRaised;
        }
        answerDmOp(f, d.id, rc, "XEN_DMOP_set_pci_intx_level");
    }

    private void setIsaIrq(final DmFrame f) {
        final Msg.SetIsaIrq s = (Msg.SetIsaIrq) f.payload();
        final int oldRaised = isaRaised;
        final int oldSinceEoi = isaRaisedSinceEoi;
        if (s.isaIrq() < 16) {
            final int bit = 1 << s.isaIrq();
            isaRaised = s.level() == 1 ? isaRaised | bit : isaRaised & ~bit;
            isaRaisedSinceEoi |= s.level() == 1 ? bit : 0;
        }
        final int rc = xen().dmop().setIsaIrqLevel(stub, target.id(), s.isaIrq(), s.level());
        if (rc != 0) {
            isaRaised = oldRaised;
            isaRaisedSinceEoi = oldSinceEoi;
        }
        answerDmOp(f, 0, rc, "XEN_DMOP_set_isa_irq_level");
    }

    private void setPciLinkRoute(final DmFrame f) {
        final Msg.SetPciLinkRoute s = (Msg.SetPciLinkRoute) f.payload();
        final int rc = xen().dmop().setPciLinkRoute(stub, target.id(), s.link(), s.isaIrq());
        answerDmOp(f, 0, rc, "XEN_DMOP_set_pci_link_route");
    }

    private void injectMsi(final DmFrame f) {
        final Msg.InjectMsi s = (Msg.InjectMsi) f.payload();
        final int rc = xen().dmop().injectMsi(stub, target.id(), s.address(), s.data());
        answerDmOp(f, 0, rc, "XEN_DMOP_inject_msi");
    }

    /** Replies to a request a dm_op carried out: OK, or a HYPERVISOR refusal with Xen's errno. */
    private void answerDmOp(final DmFrame f, final int device, final int rc, final String dmop) {
        if (rc != 0) {
            refuse(f, HYPERVISOR, rc, dmop + ": " + Errno.name(rc));
        } else {
            ok(f, device, Msg.Empty.INSTANCE);
        }
    }

    /**
     * QEMU's {@code xen_pt_realize}: {@code xc_physdev_map_pirq(domid, machine_irq, &pirq)} then
     * {@code xc_domain_bind_pt_pci_irq}, here issued by the stub domain. Its machine IRQ is the one
     * the toolstack gave the stub domain when the device was assigned (libxl adds the device to a
     * stub domain too: {@code map_pirq} and the IRQ permission for it), done here on first use.
     */
    private void bindPtIrq(final DmFrame f) {
        final Msg.BindPtIrq b = (Msg.BindPtIrq) f.payload();
        final Bdf bdf = b.segment() == 0 ? new Bdf(b.bus(), b.devfn() >>> 3, b.devfn() & 7) : null;
        if (bdf == null || !target.assignedDevices().contains(bdf)) {
            refuse(f, NOT_ASSIGNED, 0, String.format("%04x:%02x:%02x.%d is not assigned to %s", b.segment(),
                b.bus(), b.devfn() >>> 3, b.devfn() & 7, target));
            return;
        }
        Integer index = stubPirqs.get(bdf);
        if (index == null) {
            final Libxl libxl = service.machine().libxl();
            final IrqFlow flow = libxl.flow();
            final int src = flow.source(libxl, bdf);
            if (src <= 0) {
                refuse(f, HYPERVISOR, src < 0 ? src : -Errno.ENOENT, bdf + " has no machine interrupt ("
                    + flow.sourceStep().label() + ": " + Errno.name(src) + ")");
                return;
            }
            final int pirq = flow.map(libxl, stub, src);
            if (pirq < 0) {
                refuse(f, HYPERVISOR, pirq, "toolstack map_pirq(d" + stub.id() + ", " + src + ") for the device-model"
                    + " domain: " + Errno.name(pirq));
                return;
            }
            final int rc = flow.permit(libxl, stub, src, pirq);
            if (rc != 0) {
                refuse(f, HYPERVISOR, rc, "toolstack " + flow.permitStep().label() + " for the device-model domain: "
                    + Errno.name(rc));
                return;
            }
            index = pirq;
            stubPirqs.put(bdf, pirq);
        }
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(target.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, index, -1);
        int rc = xen().physdev().mapPirq(stub, map);
        if (rc != 0) {
            refuse(f, HYPERVISOR, rc, "PHYSDEVOP_map_pirq(d" + target.id() + ", " + index + "): " + Errno.name(rc));
            return;
        }
        final BindPtIrq bind = new BindPtIrq(map.pirq, 0, b.guestDevice(), b.intx());
        rc = xen().domctl().bindPtIrq(stub, target.id(), bind);
        if (rc != 0) {
            refuse(f, HYPERVISOR, rc, "XEN_DOMCTL_bind_pt_irq(d" + target.id() + ", pirq " + map.pirq + "): "
                + Errno.name(rc));
            return;
        }
        ptBindings.add(bind);
        ok(f, 0, new Msg.PtIrqBound(map.pirq));
    }

    // ---------------------------------------------------------------- timeouts

    private void handshakeTimedOut() {
        handshakeTimer = null;
        if (state == State.AWAIT_HELLO) {
            fatal(false, 0, 0, TIMED_OUT, 0, "no HELLO within "
                + service.config().limits().handshakeTimeout().toMillis() + " ms of connecting");
        }
    }

    /** The idle timer: one per session, re-armed for what is left rather than on every frame. */
    private void idleCheck() {
        idleTimer = null;
        if (state != State.OPEN) {
            return;
        }
        final long limit = service.config().limits().idleTimeout().toNanos();
        final long quiet = ctx.executor().ticker().nanoTime() - lastFrameAt;
        if (quiet >= limit) {
            fatal(false, 0, 0, TIMED_OUT, 0, "no complete frame for " + TimeUnit.NANOSECONDS.toMillis(limit)
                + " ms (a model with nothing to say sends PING)");
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

    // ---------------------------------------------------------------- IOREQs and EOIs out

    /**
     * Sends a guest access to the model; {@code done} runs when it answers, when the deadline
     * passes, or when the session ends, whichever is first.
     */
    void forward(final ForwardedRegion r, final Vcpu vcpu, final boolean read, final long offset, final int size,
                 final long value, final IoreqCompletion done) {
        if (state != State.OPEN || !ctx.channel().isActive()) {
            done.complete(read ? MmioDevice.allOnes(size) : 0);
            return;
        }
        final long id = nextId++;
        final PendingIoreq p = new PendingIoreq(id, r.device(), read, size, ctx.executor().ticker().nanoTime(), done);
        pending.put(id, p);
        bySendTime.addLast(p);
        if (sweep == null) {
            sweep = ctx.executor().schedule(this::sweep, timeoutNanos, TimeUnit.NANOSECONDS);
        }
        ioreqsSent++;
        // encoded here, straight into a buffer of the channel's allocator: no frame or payload record per access
        send(DmFrameEncoder.ioreq(ctx.alloc(), r.device(), id, r.space(), read, size, r.region(), vcpu.id(), offset,
            r.base() + offset, read ? 0 : value));
    }

    /** Writes a frame the model did not ask for; flushed now, or with the rest when the current read is done. */
    private void send(final Object frame) {
        if (reading) {
            ctx.write(frame, ctx.voidPromise());
        } else {
            ctx.writeAndFlush(frame, ctx.voidPromise());
        }
    }

    /**
     * The session's deadline timer: one for all its IOREQs (no timer per request), due when the
     * oldest one still pending reaches its deadline; re-armed for the next oldest.
     */
    private void sweep() {
        sweep = null;
        if (state == State.ENDED) {
            return;
        }
        dropFinished();
        final PendingIoreq oldest = bySendTime.peekFirst();
        if (oldest == null) {
            return;
        }
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
        ioreqsExpired++;
        p.complete(false, 0);
        fatal(false, p.id, p.device, DEADLINE_EXPIRED, Opcodes.IOREQ, "IOREQ " + p.id + " was not answered within "
            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms: the device model is treated as gone");
    }

    private void fail(final long id) {
        final PendingIoreq p = pending.remove(id);
        if (p != null) {
            ioreqsFailed++;
            p.complete(false, 0);
            dropFinished();
        }
    }

    @Override
    public void gsiEoi(final Domain domain, final int gsi) {
        if (state != State.OPEN || (features & Features.EOI_NOTICE) == 0) {
            return;
        }
        for (int i = 0; i < devices.size(); i++) {
            final Device d = devices.get(i);
            if (d.function != null && d.raisedSinceEoi && d.function.gsi() == gsi) {
                d.raisedSinceEoi = d.level == 1;
                eoiNotice(d.id, gsi);
            }
        }
        for (int irq = 0; irq < 16; irq++) {
            if ((isaRaisedSinceEoi & (1 << irq)) != 0 && HvmIrq.isaIrqToGsi(irq) == gsi) {
                isaRaisedSinceEoi = (isaRaisedSinceEoi & ~(1 << irq)) | (isaRaised & (1 << irq));
                eoiNotice(0, gsi);
            }
        }
    }

    private void eoiNotice(final int device, final int gsi) {
        eoiNotices++;
        send(new DmFrame(Opcodes.EOI, FrameDescriptor.FLAG_POSTED, device, nextId++, new Msg.Eoi(gsi)));
    }

    // ---------------------------------------------------------------- replies and errors out

    private void ok(final DmFrame f, final int device, final Payload payload) {
        requests++;
        if (!f.isPosted()) {
            ctx.write(f.reply(device, payload), ctx.voidPromise());
        }
    }

    private void refuse(final DmFrame f, final int code, final int errno, final String text) {
        refuse(isRequest(f.type(), f.flags()), f.id(), f.device(), code, f.type(), errno, text);
    }

    /**
     * Sends an ERROR for a refused frame: a reply (with MODEL_ORIGIN: the id is the model's) for a
     * refused request, a notice carrying the id for a refused reply.
     */
    private void refuse(final boolean request, final long id, final int device, final int code, final int refType,
                        final int errno, final String text) {
        refused++;
        final int flags = request ? FrameDescriptor.FLAG_REPLY | FrameDescriptor.FLAG_MODEL_ORIGIN : 0;
        ctx.write(new DmFrame(Opcodes.ERROR, flags, device, id, new Msg.Error(code, refType, errno, text)),
            ctx.voidPromise());
    }

    private void protocolError(final boolean request, final long id, final int device, final int code,
                               final int refType, final String text) {
        refuse(request, id, device, code, refType, 0, text);
        if (++protocolErrors > service.config().maxProtocolErrors()) {
            fatal(false, 0, 0, TOO_MANY_ERRORS, 0, protocolErrors + " invalid frames: the server stops listening");
        }
    }

    /** Sends one ERROR frame, closes the connection once it is written, and ends the session. */
    private void fatal(final boolean request, final long id, final int device, final int code, final int refType,
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
        cancelHandshakeTimer();
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
        if (target != null) {
            target.removeGsiEoiListener(this);
            // 1. no new IOREQs: the ranges go (guest accesses there now read all ones)
            for (final Device d : devices) {
                for (final ForwardedRegion r : d.regions) {
                    if (r.isMmio() && r.size() != 0) {
                        target.unmap(r.base());
                    }
                }
            }
            // 2. lower every line it raised, before the guest resumes: an all-ones status read with
            //    the line still up would make the guest's handler loop
            for (final Device d : devices) {
                if (d.function != null && d.level == 1) {
                    d.level = 0;
                    xen().dmop().setPciIntxLevel(stub, target.id(), 0, 0, d.function.slot(), d.function.pin() - 1, 0);
                }
            }
            for (int irq = 0; irq < 16; irq++) {
                if ((isaRaised & (1 << irq)) != 0) {
                    xen().dmop().setIsaIrqLevel(stub, target.id(), irq, 0);
                }
            }
            isaRaised = 0;
            // 3. complete what the guest is waiting for, oldest first
            if (sweep != null) {
                sweep.cancel(false);
                sweep = null;
            }
            final List<PendingIoreq> waiting = new ArrayList<>(pending.values());
            pending.clear();
            bySendTime.clear();
            waiting.sort(Comparator.comparingLong(p -> p.id));
            for (final PendingIoreq p : waiting) {
                ioreqsFailed++;
                p.complete(false, 0);
            }
            // 4. undo its passthrough bindings (the pirq mapping is the toolstack's)
            for (final BindPtIrq b : ptBindings) {
                xen().domctl().unbindPtIrq(stub, target.id(), b);
            }
            ptBindings.clear();
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
            endReason == null ? "live" : endReason, ioreqsSent, ioreqsAnswered, ioreqsExpired, ioreqsFailed, requests,
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
        return pending.size();
    }

    /** @return whether the session ended */
    public boolean isEnded() {
        return state == State.ENDED;
    }

    /** @return the negotiated features */
    public long features() {
        return features;
    }

    @Override
    public String toString() {
        return "session " + number + " (" + peer + ")";
    }
}
