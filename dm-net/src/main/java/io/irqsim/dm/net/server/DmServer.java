package io.irqsim.dm.net.server;

import io.irqsim.dm.net.DmTransport;
import io.irqsim.dm.AcceptBackoff;
import io.irqsim.dm.ListenAddress;
import io.irqsim.dm.UnixSocketFile;
import io.irqsim.guest.run.ScenarioMachine;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The device-model server ({@code irqsim serve}): one machine, booted from a scenario, and any
 * number of listening sockets (TCP, and Unix domain sockets through Netty's native epoll
 * transport) through which device models attach to its guests.
 *
 * <p><b>Threads.</b> One event loop, one thread, serves the listening sockets and every
 * connection, and owns the machine: the machine is booted on it, every session runs on it, and
 * other threads reach the machine only through {@link #call} / {@link #submit}, which hand work to
 * that thread. One thread is enough (the machine is single-threaded by design, docs/architecture.md "one
 * thread owns the machine") and leaves no hand-over between I/O threads and a machine thread on
 * the path of a forwarded access. Nothing on it blocks on a peer.
 *
 * <p><b>Trace.</b> The machine's boot is recorded; after it, a recorder that writes to memory is
 * switched off (as {@code irqsim bench} does with its machine, and as Xen's own xentrace is off
 * unless asked for): nothing reads it while serving, and it would otherwise grow without bound. A
 * recorder writing to a mapped file, which someone asked for, keeps recording.
 *
 * <p><b>Security.</b> There is no authentication: a TCP address without a host binds the loopback
 * interface, and a Unix socket file is made readable and writable by its owner only (mode 0600).
 * A model has the rights of a device-model domain for the guest it attaches to, nothing more.
 */
public final class DmServer implements AutoCloseable {

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final DmService service;
    private final Consumer<String> log;
    private final List<Channel> listeners = new ArrayList<>();
    private final List<ListenAddress> requested = new ArrayList<>();
    private final List<UnixSocketFile> socketFiles = new ArrayList<>();
    private volatile boolean closing;
    private volatile Throwable failure;
    /** Done once the event loop has ended and its end has been judged (closed, or failed). */
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private DmServer(final EventLoopGroup group, final DmService service, final Consumer<String> log) {
        this.group = group;
        this.loop = group.next();
        this.service = service;
        this.log = log;
    }

    /**
     * Boots a machine on the server's thread and listens on every address.
     *
     * @param machine boots the machine (called on the server's thread)
     * @param config limits and features
     * @param addresses where to listen (at least one)
     * @param log where session events go
     * @return the running server
     * @throws IOException if an address cannot be bound (the server is stopped again)
     * @throws InterruptedException if interrupted while starting
     */
    public static DmServer start(final Supplier<ScenarioMachine> machine, final DmServerConfig config,
                                 final List<ListenAddress> addresses, final Consumer<String> log)
        throws IOException, InterruptedException {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("at least one address to listen on");
        }
        final boolean needUnix = addresses.stream().anyMatch(ListenAddress::isUnix);
        if (needUnix && !DmTransport.epollAvailable()) {
            throw new IOException("cannot listen on a Unix socket: it needs Netty's native epoll transport (Linux x86_64),"
                + " which is not available: " + DmTransport.epollUnavailabilityCause());
        }
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, DmTransport.ioHandlerFactory());
        final DmService service;
        try {
            service = group.next().submit(() -> {
                final ScenarioMachine m = machine.get();
                if (!m.trace().isMapped()) {
                    // nothing reads an in-memory recording while serving: left on, it would grow by
                    // some 900 bytes per interrupt a model raises (19 records) for as long as the
                    // server runs, and cost every forwarded access a record; the boot is in it
                    m.trace().setEnabled(false);
                }
                final DmService svc = new DmService(m, config, log);
                // virtual time follows the wall clock while serving, so the machine's timers fire
                svc.paceVirtualTime(group.next(), VirtualTimePacer.TICK);
                return svc;
            }).get();
        } catch (final ExecutionException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("the machine did not boot: " + e.getCause(), e.getCause());
        }
        final DmServer server = new DmServer(group, service, log);
        group.terminationFuture().addListener(f -> server.terminated());
        try {
            for (final ListenAddress a : addresses) {
                server.listen(a);
            }
        } catch (final IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void listen(final ListenAddress address) throws IOException, InterruptedException {
        final SocketAddress bindTo;
        UnixSocketFile socketFile = null;
        if (address.isUnix()) {
            socketFile = UnixSocketFile.prepare(address.unixPath());
            bindTo = new DomainSocketAddress(address.unixPath().toFile());
        } else {
            final InetSocketAddress tcp = address.tcpAddress();
            if (tcp.isUnresolved()) {
                throw new IOException("cannot listen on " + address + ": unknown host '" + address.host() + "'");
            }
            bindTo = tcp;
        }
        final ServerBootstrap b = new ServerBootstrap()
            .group(group)
            .channel(address.isUnix() ? DmTransport.unixServerChannel() : DmTransport.tcpServerChannel())
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .handler(new AcceptBackoff(this::log, AcceptBackoff.PAUSE_MILLIS))
            .childHandler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(final Channel ch) {
                    service.initConnection(ch);
                }
            });
        if (!address.isUnix()) {
            b.option(ChannelOption.SO_REUSEADDR, true);
            b.childOption(ChannelOption.TCP_NODELAY, true);
        }
        final ChannelFuture bound = b.bind(bindTo).await();
        if (!bound.isSuccess()) {
            throw new IOException("cannot listen on " + address + ": " + bound.cause().getMessage(), bound.cause());
        }
        if (socketFile != null) {
            socketFile.bound();
            socketFiles.add(socketFile);
            try {
                Files.setPosixFilePermissions(address.unixPath(), PosixFilePermissions.fromString("rw-------"));
            } catch (final UnsupportedOperationException e) {
                // not a POSIX file system: the directory's permissions are what protects it
            }
        }
        listeners.add(bound.channel());
        requested.add(address);
    }

    /** @return the bound addresses in {@code --listen} syntax (a TCP port 0 shows the port chosen) */
    public List<String> addresses() {
        final List<String> out = new ArrayList<>();
        for (int i = 0; i < listeners.size(); i++) {
            out.add(requested.get(i).bound(listeners.get(i).localAddress()));
        }
        return out;
    }

    /** @return the event loop that owns the machine */
    public EventLoop loop() {
        return loop;
    }

    /**
     * Runs {@code work} on the machine's thread.
     *
     * @param work what to do with the service (and through it the machine)
     * @param <T> result type
     * @return its result, when it has run
     */
    public <T> CompletableFuture<T> submit(final Function<DmService, T> work) {
        final CompletableFuture<T> f = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                final T result = work.apply(service);
                service.afterWork();
                f.complete(result);
            } catch (final RuntimeException | Error e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /**
     * Runs {@code work} on the machine's thread and waits for it (at most 30 s). Never call it
     * from the machine's thread.
     *
     * @param work what to do
     * @param <T> result type
     * @return its result
     * @throws IllegalStateException if it failed, timed out or the wait was interrupted
     */
    public <T> T call(final Function<DmService, T> work) {
        if (loop.inEventLoop()) {
            final T result = work.apply(service);
            service.afterWork();
            return result;
        }
        try {
            return submit(work).get(30, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the machine", e);
        } catch (final ExecutionException e) {
            throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause()
                : new IllegalStateException(e.getCause());
        } catch (final TimeoutException e) {
            throw new IllegalStateException("the machine's thread did not answer in 30 s", e);
        }
    }

    /**
     * Blocks until the server is closed.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitClose() throws InterruptedException {
        try {
            stopped.get();
        } catch (final ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * @return why the server stopped when nobody closed it (its event loop ended on an error), or
     *     {@code null} if it was closed or still runs
     */
    public Throwable failure() {
        return failure;
    }

    /** The event loop ended: by {@link #close}, or on its own, which is a failure. */
    private void terminated() {
        if (!closing) {
            final Throwable why = new IllegalStateException("the server's event loop stopped unexpectedly");
            failure = why;
            log("the server stopped unexpectedly: its event loop ended; every session is gone");
        }
        stopped.complete(null);
    }

    private void log(final String line) {
        log.accept(LogText.sanitize(line));
    }

    /**
     * Stops: every session gets SHUTTING_DOWN and is ended, the listeners close, Unix socket
     * files are removed.
     */
    @Override
    public void close() {
        closing = true;
        if (!group.isShuttingDown()) {
            try {
                submit(s -> {
                    s.shutdown();
                    return null;
                }).get(5, TimeUnit.SECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (final ExecutionException | TimeoutException e) {
                // closing anyway
            }
            for (final Channel c : listeners) {
                c.close().awaitUninterruptibly();
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        for (final UnixSocketFile f : socketFiles) {
            f.release(); // only if the file there is still the socket this server bound
        }
    }
}
