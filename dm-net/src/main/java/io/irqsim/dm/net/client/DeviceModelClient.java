package io.irqsim.dm.net.client;

import io.irqsim.dm.net.DmTransport;
import io.irqsim.dm.net.proto.DmCodec;
import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.DmFrameDecoder;
import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.FrameDescriptor;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.proto.Payload;
import io.irqsim.dm.ListenAddress;
import io.irqsim.hw.pci.Bdf;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A device model's end of the dm-net protocol: connects to {@code irqsim serve} (TCP or a Unix
 * socket), does the handshake, and offers the protocol's requests as methods returning
 * {@link CompletableFuture}s; IOREQs are answered by the {@link IoreqHandler} of the region they
 * hit, EOI notices go to an {@link EoiListener}.
 *
 * <p>Thread-safe: every method may be called from any thread; the work is handed to the
 * client's single I/O thread, which also runs handlers, listeners and the completion of the
 * futures (so callbacks chained on them must not block either). Requests go out in the order they
 * are made from one thread.
 *
 * <pre>{@code
 * try (DeviceModelClient c = DeviceModelClient.connect("tcp:127.0.0.1:5940")) {
 *     c.attach("domU").join();
 *     int dev = c.registerMmio(0xE000_0000L, 0x1000, handler).join();
 *     ...
 * }
 * }</pre>
 */
public final class DeviceModelClient implements AutoCloseable {

    /**
     * What the client announces in HELLO.
     *
     * @param maxFrame largest frame it accepts (header included)
     * @param maxDevices most devices it will register
     * @param features features offered
     * @param required features it cannot work without
     * @param timeout how long {@link #connect} waits for the connection and the handshake
     */
    public record Options(int maxFrame, int maxDevices, long features, long required, Duration timeout) {
        /** 64 KiB frames, 16 devices, every feature offered, none required, 10 s to connect. */
        public static final Options DEFAULT = new Options(FrameDescriptor.DEFAULT_MAX_FRAME, 16, Features.ALL, 0,
            Duration.ofSeconds(10));

        /**
         * @param offered features offered
         * @param needed features required
         * @return these options with other features
         */
        public Options withFeatures(final long offered, final long needed) {
            return new Options(maxFrame, maxDevices, offered, needed, timeout);
        }
    }

    private final EventLoopGroup group;
    private final Channel channel;
    private final EventLoop loop;
    private final DeviceModelClientHandler handler;

    private DeviceModelClient(final EventLoopGroup group, final Channel channel,
                              final DeviceModelClientHandler handler) {
        this.group = group;
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.handler = handler;
    }

    /** How long a connected client stays silent before it sends a PING (a quarter of the server's default idle timeout). */
    public static final java.time.Duration KEEPALIVE = java.time.Duration.ofSeconds(75);

    /**
     * Connects with the default options.
     *
     * @param address {@code tcp:HOST:PORT} or {@code unix:PATH}
     * @return a client past the handshake
     * @throws IOException if the connection or the handshake fails (a refusal carries the server's error)
     */
    public static DeviceModelClient connect(final String address) throws IOException {
        return connect(ListenAddress.parse(address), Options.DEFAULT);
    }

    /**
     * Connects and does the handshake.
     *
     * @param address where the server listens
     * @param options what to announce
     * @return a client past the handshake
     * @throws IOException if the connection or the handshake fails
     */
    public static DeviceModelClient connect(final ListenAddress address, final Options options) throws IOException {
        final SocketAddress remote;
        final Class<? extends Channel> type;
        if (address.isUnix()) {
            if (!DmTransport.epollAvailable()) {
                throw new IOException("cannot connect to " + address + ": Unix sockets need Netty's native epoll transport,"
                    + " which is not available: " + DmTransport.epollUnavailabilityCause());
            }
            remote = new DomainSocketAddress(address.unixPath().toFile());
            type = DmTransport.unixChannel();
        } else {
            remote = address.tcpAddress();
            type = DmTransport.tcpChannel();
        }
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, DmTransport.ioHandlerFactory());
        final DeviceModelClientHandler handler = new DeviceModelClientHandler();
        try {
            final Bootstrap b = new Bootstrap().group(group).channel(type)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.timeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(final Channel ch) {
                        // a model with nothing to say still says PING now and then: the server ends a
                        // session that sends no complete frame for its idle timeout (5 min by default)
                        ch.pipeline().addLast("keepalive", new IdleStateHandler(0, KEEPALIVE.toSeconds(), 0,
                            TimeUnit.SECONDS));
                        ch.pipeline().addLast("codec", new DmCodec(DmFrameDecoder.Role.CLIENT));
                        ch.pipeline().addLast("client", handler);
                    }
                });
            if (!address.isUnix()) {
                b.option(ChannelOption.TCP_NODELAY, true);
            }
            final ChannelFuture cf = b.connect(remote);
            if (!cf.awaitUninterruptibly(options.timeout().toMillis()) || !cf.isSuccess()) {
                throw new IOException("cannot connect to " + address + ": " + reason(cf.cause()), cf.cause());
            }
            final DeviceModelClient c = new DeviceModelClient(group, cf.channel(), handler);
            c.handshake(options);
            return c;
        } catch (final IOException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * A client over a channel someone else set up (tests: an {@code EmbeddedChannel}); the pipeline
     * must be a client-side {@link DmCodec} followed by {@link #newHandler()}'s handler.
     *
     * @param channel the channel
     * @return a client; its HELLO still has to be sent ({@link #hello})
     */
    public static DeviceModelClient over(final Channel channel) {
        return new DeviceModelClient(null, channel, channel.pipeline().get(DeviceModelClientHandler.class));
    }

    /** @return a handler to put after a client-side {@link DmCodec} for {@link #over} */
    public static ChannelInboundHandlerAdapter newHandler() {
        return new DeviceModelClientHandler();
    }

    private void handshake(final Options options) throws IOException {
        try {
            hello(options).get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (final ExecutionException e) {
            channel.close();
            throw new IOException("handshake with " + channel.remoteAddress() + " failed: " + e.getCause().getMessage(),
                e.getCause());
        } catch (final TimeoutException e) {
            channel.close();
            throw new IOException("no HELLO reply from " + channel.remoteAddress() + " within " + options.timeout(), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new IOException("interrupted during the handshake", e);
        }
    }

    /**
     * Sends HELLO (done by {@link #connect}).
     *
     * @param options what to announce
     * @return the negotiated HELLO, when the server has answered
     */
    public CompletableFuture<Msg.Hello> hello(final Options options) {
        return request(Opcodes.HELLO, 0, new Msg.Hello(FrameDescriptor.MAJOR, FrameDescriptor.MINOR, options.maxFrame(),
            options.maxDevices(), options.features(), options.required()), false, f -> {
                final Msg.Hello h = (Msg.Hello) f.payload();
                final String bad = invalidHello(h, options);
                if (bad != null) {
                    throw new IllegalStateException("the server's HELLO reply is invalid: " + bad);
                }
                handler.negotiated = h;
                channel.pipeline().get(DmCodec.class).decoder().setMaxFrameLength((int) h.maxFrame());
                return h;
            });
    }

    /**
     * Checks a server's HELLO reply as the server checks a model's HELLO: the same major, and
     * limits each within the protocol's range and no larger than what the model offered.
     *
     * @return what is wrong, or {@code null}
     */
    static String invalidHello(final Msg.Hello h, final Options offered) {
        if (h.major() != FrameDescriptor.MAJOR) {
            return "version " + h.major() + "." + h.minor() + ", not " + FrameDescriptor.MAJOR + ".x";
        }
        final long maxFrame = Math.min(offered.maxFrame(), FrameDescriptor.MAX_MAX_FRAME);
        if (h.maxFrame() < FrameDescriptor.MIN_MAX_FRAME || h.maxFrame() > maxFrame) {
            return "maximum frame " + h.maxFrame() + " (must be " + FrameDescriptor.MIN_MAX_FRAME + ".." + maxFrame
                + ")";
        }
        if (h.maxDevices() < 1 || h.maxDevices() > offered.maxDevices()) {
            return "maximum devices " + h.maxDevices() + " (must be 1.." + offered.maxDevices() + ")";
        }
        if ((h.features() & ~offered.features()) != 0) {
            return "features " + Features.toString(h.features()) + " were not all offered";
        }
        return null;
    }

    /**
     * Says why a connection failed, never {@code null}: Netty reports a Unix socket path that does
     * not exist as a {@code FileNotFoundException} without a message.
     */
    private static String reason(final Throwable cause) {
        if (cause == null) {
            return "timed out";
        }
        if (cause instanceof java.io.FileNotFoundException && cause.getMessage() == null) {
            return "No such file or directory";
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    // ---------------------------------------------------------------- requests

    /**
     * Attaches to a domain by name.
     *
     * @param domain the domain's name
     * @return the attachment (domain id, the device-model domain acting for the session)
     */
    public CompletableFuture<Msg.Attached> attach(final String domain) {
        return request(Opcodes.ATTACH, 0, new Msg.Attach(Msg.DOMID_BY_NAME, domain), false,
            f -> (Msg.Attached) f.payload());
    }

    /**
     * Attaches to a domain by id.
     *
     * @param domid the domain id
     * @return the attachment
     */
    public CompletableFuture<Msg.Attached> attach(final int domid) {
        return request(Opcodes.ATTACH, 0, new Msg.Attach(domid, ""), false, f -> (Msg.Attached) f.payload());
    }

    /**
     * Claims a guest-physical MMIO range as a new device.
     *
     * @param base first address
     * @param size length
     * @param regionHandler handles the guest's accesses there
     * @return the device id
     */
    public CompletableFuture<Integer> registerMmio(final long base, final long size, final IoreqHandler regionHandler) {
        return request(Opcodes.REGISTER_MMIO, 0, new Msg.RegisterMmio(base, size), false, f -> {
            handler.install(f.device(), ((Msg.Registered) f.payload()).region(), regionHandler);
            return f.device();
        });
    }

    /**
     * Claims a port range as a new device (feature PORT_IO). irqsim has no guest port-I/O path yet:
     * the range is claimed, no IOREQ reaches it.
     *
     * @param port first port
     * @param count number of ports
     * @param regionHandler handles accesses there
     * @return the device id
     */
    public CompletableFuture<Integer> registerPio(final int port, final int count, final IoreqHandler regionHandler) {
        return request(Opcodes.REGISTER_PIO, 0, new Msg.RegisterPio(port, count), false, f -> {
            handler.install(f.device(), ((Msg.Registered) f.payload()).region(), regionHandler);
            return f.device();
        });
    }

    /**
     * Presents a PCI function on the guest's bus; the guest hot-plugs it and its driver probes it.
     *
     * @param function its header (slot, pin, ids, class, BAR sizes)
     * @param barHandlers the handler of each BAR, by BAR number (fewer than six, or {@code null}
     *     entries, for BARs without one)
     * @return the device, with its BAR addresses
     */
    public CompletableFuture<PciDevice> registerPci(final Msg.RegisterPci function, final IoreqHandler... barHandlers) {
        final IoreqHandler[] bars = Arrays.copyOf(barHandlers, Msg.BARS);
        return request(Opcodes.REGISTER_PCI, 0, function, false, f -> {
            for (int i = 0; i < Msg.BARS; i++) {
                if (bars[i] != null) {
                    handler.install(f.device(), i, bars[i]);
                }
            }
            final Msg.PciRegistered r = (Msg.PciRegistered) f.payload();
            return new PciDevice(f.device(), r.gsi(), r.barAddresses());
        });
    }

    /**
     * Sets the level of a PCI function's INTx.
     *
     * @param device the function's device id
     * @param level asserted or not
     * @return done when the server has set it
     */
    public CompletableFuture<Void> setIntx(final int device, final boolean level) {
        return request(Opcodes.SET_INTX, device, new Msg.SetIntx(level ? 1 : 0), false, f -> null);
    }

    /**
     * Sets the level of a PCI function's INTx without waiting for an answer (POSTED); a refusal
     * reaches {@link #onError}.
     *
     * @param device the function's device id
     * @param level asserted or not
     */
    public void setIntxPosted(final int device, final boolean level) {
        request(Opcodes.SET_INTX, device, new Msg.SetIntx(level ? 1 : 0), true, f -> null);
    }

    /**
     * Sets the level of an ISA IRQ line ({@code XEN_DMOP_set_isa_irq_level}).
     *
     * @param isaIrq 0..15
     * @param level asserted or not
     * @return done when set
     */
    public CompletableFuture<Void> setIsaIrq(final int isaIrq, final boolean level) {
        return request(Opcodes.SET_ISA_IRQ, 0, new Msg.SetIsaIrq(isaIrq, level ? 1 : 0), false, f -> null);
    }

    /**
     * Routes a PCI link to an ISA IRQ ({@code XEN_DMOP_set_pci_link_route}).
     *
     * @param link 0..3
     * @param isaIrq 0..15, 0 for none
     * @return done when set
     */
    public CompletableFuture<Void> setPciLinkRoute(final int link, final int isaIrq) {
        return request(Opcodes.SET_PCI_LINK_ROUTE, 0, new Msg.SetPciLinkRoute(link, isaIrq), false, f -> null);
    }

    /**
     * Injects an MSI ({@code XEN_DMOP_inject_msi}).
     *
     * @param address the MSI address ({@code 0xFEExxxxx})
     * @param data the MSI data
     * @return done when injected
     */
    public CompletableFuture<Void> injectMsi(final long address, final int data) {
        return request(Opcodes.INJECT_MSI, 0, new Msg.InjectMsi(address, data), false, f -> null);
    }

    /**
     * Binds a passed-through device's INTx to a guest INTx, as QEMU's {@code xen_pt} does (feature PT_IRQ).
     *
     * @param host the physical device (assigned to the attached domain)
     * @param guestDevice the guest device number
     * @param intx the guest pin, 0 = INTA
     * @return the guest's pirq
     */
    public CompletableFuture<Integer> bindPtIrq(final Bdf host, final int guestDevice, final int intx) {
        return request(Opcodes.BIND_PT_IRQ, 0, new Msg.BindPtIrq(0, host.bus(), host.devfn(), guestDevice, intx), false,
            f -> ((Msg.PtIrqBound) f.payload()).pirq());
    }

    /**
     * @param data echoed
     * @return the echo
     */
    public CompletableFuture<Long> ping(final long data) {
        return request(Opcodes.PING, 0, new Msg.Ping(data), false, f -> ((Msg.Ping) f.payload()).data());
    }

    /**
     * Leaves: the server releases everything the session held, answers, and closes.
     *
     * @return done when the server has answered
     */
    public CompletableFuture<Void> goodbye() {
        return request(Opcodes.GOODBYE, 0, new Msg.Goodbye(0), false, f -> null);
    }

    // ---------------------------------------------------------------- listeners and state

    /** @param listener told of EOIs of the level interrupts this model raised */
    public void onEoi(final EoiListener listener) {
        handler.eoiListener = listener;
    }

    /** @param listener told of ERROR frames that answer no pending request (refused posted requests, notices) */
    public void onError(final Consumer<DmRemoteException> listener) {
        handler.errorListener = listener;
    }

    /** @return what the handshake agreed, or {@code null} before it */
    public Msg.Hello negotiated() {
        return handler.negotiated;
    }

    /** @return IOREQs received */
    public long ioreqsReceived() {
        return handler.ioreqsReceived;
    }

    /** @return IOREQs answered with a value */
    public long ioreqsAnswered() {
        return handler.ioreqsAnswered;
    }

    /** @return IOREQs answered with MODEL_FAULT */
    public long ioreqsRefused() {
        return handler.ioreqsRefused;
    }

    /** @return EOI notices received */
    public long eoisReceived() {
        return handler.eois;
    }

    /** @return the error that ended the session, or {@code null} */
    public DmRemoteException fatalError() {
        return handler.fatal;
    }

    /** @return whether the connection is open */
    public boolean isOpen() {
        return channel.isActive();
    }

    /** @return completes when the connection is closed */
    public CompletableFuture<Void> closeFuture() {
        return handler.closed;
    }

    /**
     * Runs a task on the client's I/O thread (where handlers and listeners run).
     *
     * @param task the task
     */
    public void execute(final Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /**
     * Closes politely: GOODBYE (waiting at most 2 s for the answer), then the connection. Called
     * on the client's own I/O thread (from a handler), it does not wait: the connection closes
     * once the answer has come.
     */
    @Override
    public void close() {
        if (loop.inEventLoop()) {
            goodbye().whenComplete((v, e) -> abort());
            return;
        }
        if (channel.isActive()) {
            try {
                goodbye().get(2, TimeUnit.SECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (final ExecutionException | TimeoutException e) {
                // closing anyway
            }
        }
        abort();
    }

    /** Closes the connection at once, without GOODBYE (what a crashing model does). */
    public void abort() {
        if (loop.inEventLoop()) {
            channel.close();
            if (group != null) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            return;
        }
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    private <T> CompletableFuture<T> request(final int type, final int device, final Payload payload,
                                             final boolean posted, final Function<DmFrame, T> onReply) {
        final CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> handler.send(channel, type, device, payload, posted, f, onReply));
        return f;
    }
}
