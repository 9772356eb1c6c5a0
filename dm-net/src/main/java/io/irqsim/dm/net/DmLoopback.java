package io.irqsim.dm.net;

import io.irqsim.dm.net.client.DeviceModelClient;
import io.irqsim.dm.net.example.ExampleNicModel;
import io.irqsim.dm.net.server.DmServer;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.dm.ListenAddress;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.guest.toolstack.DeviceModel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.ioreq.IoreqCompletion;
import io.irqsim.hw.pci.Bdf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * A device-model server and the example model attached to it over a real loopback socket, in one
 * process: what the benchmarks and the loopback tests measure. The server boots the default
 * scenario and listens on an ephemeral TCP port or a fresh Unix socket; the client connects,
 * attaches the {@link ExampleNicModel} to {@code domU} and presents it at a slot, where the
 * guest's driver probes it.
 *
 * <p>Two measurements: {@link #guestRead()} is one forwarded MMIO read, guest to model and back
 * (plus the hand-over from the calling thread to the machine's thread and back);
 * {@link #guestReads(int)} chains reads on the machine's thread so only the round trips are timed;
 * {@link #interrupts(int)} has the model raise interrupts one after another, each handled by the
 * guest's driver through two forwarded accesses and EOI'd.
 */
public final class DmLoopback implements AutoCloseable {

    /** The socket kind. */
    public enum Transport {
        /** TCP on 127.0.0.1, an ephemeral port. */
        TCP,
        /** A Unix domain socket in a temporary directory (needs epoll). */
        UNIX
    }

    /** The guest the model attaches to. */
    public static final String DOMAIN = "domU";
    /** The guest slot of the model's function. */
    public static final int SLOT = 6;

    private final DmServer server;
    private final DeviceModelClient client;
    private final ExampleNicModel model;
    private final Vcpu vcpu;
    private final Path socketDir;
    private final String domain;
    private final int slot;

    private DmLoopback(final DmServer server, final DeviceModelClient client, final ExampleNicModel model,
                       final Vcpu vcpu, final Path socketDir, final String domain, final int slot) {
        this.server = server;
        this.client = client;
        this.model = model;
        this.vcpu = vcpu;
        this.socketDir = socketDir;
        this.domain = domain;
        this.slot = slot;
    }

    /**
     * Starts a server on the default scenario (strategy status-quo) and attaches the example model.
     *
     * @param transport TCP or Unix
     * @return the pair, ready
     * @throws IOException if the socket cannot be set up
     * @throws InterruptedException if interrupted while starting
     */
    public static DmLoopback start(final Transport transport) throws IOException, InterruptedException {
        return start(transport, DmServerConfig.DEFAULT);
    }

    /**
     * Starts a server with a configuration of the caller's and attaches the example model.
     *
     * @param transport TCP or Unix
     * @param config the server's limits
     * @return the pair, ready
     * @throws IOException if the socket cannot be set up
     * @throws InterruptedException if interrupted while starting
     */
    public static DmLoopback start(final Transport transport, final DmServerConfig config)
        throws IOException, InterruptedException {
        Path dir = null;
        final ListenAddress address;
        if (transport == Transport.UNIX) {
            dir = Files.createTempDirectory("irqsim-dm");
            address = ListenAddress.parse("unix:" + dir.resolve("dm.sock"));
        } else {
            address = ListenAddress.parse("tcp:127.0.0.1:0");
        }
        try {
            return start(() -> ScenarioMachine.boot(Scenario.defaultScenario(),
                Strategies.byName(Scenario.DEFAULT_STRATEGY)), address, DOMAIN, SLOT, config, dir);
        } catch (final IOException | InterruptedException | RuntimeException e) {
            deleteSocketDir(dir);
            throw e;
        }
    }

    /**
     * Starts a server on a machine of the caller's, listening on {@code address}, and attaches the
     * example model to a guest over that address ({@code irqsim bench --devmodel}).
     *
     * @param machine boots the machine (on the server's thread)
     * @param address where the server listens and the model connects: {@code tcp:HOST:PORT}
     *     (port 0: a free one) or {@code unix:PATH} (needs epoll; the file is removed on close)
     * @param guest the guest's name, or {@code null} for the scenario's first guest
     * @param guestSlot the guest PCI slot of the model's function, or 0 for the first free one
     *     from {@value #SLOT} up
     * @param config the server's limits
     * @return the pair, ready
     * @throws IOException if the socket cannot be set up, the guest does not exist or has no free slot
     * @throws InterruptedException if interrupted while starting
     */
    public static DmLoopback start(final Supplier<ScenarioMachine> machine, final ListenAddress address,
                                   final String guest, final int guestSlot, final DmServerConfig config)
        throws IOException, InterruptedException {
        return start(machine, address, guest, guestSlot, config, null);
    }

    private static DmLoopback start(final Supplier<ScenarioMachine> machine, final ListenAddress address,
                                    final String guest, final int guestSlot, final DmServerConfig config,
                                    final Path dir) throws IOException, InterruptedException {
        final DmServer server = DmServer.start(machine, config, List.of(address), line -> { });
        try {
            final String name = guest != null ? guest : server.call(s -> s.machine().guests().isEmpty() ? null
                : s.machine().guests().get(0).domain().name());
            if (name == null || server.call(s -> s.machine().guest(name)) == null) {
                throw new IOException(name == null ? "the scenario has no guest to attach a device model to"
                    : "the scenario has no guest named '" + name + "'");
            }
            final int slot = guestSlot > 0 ? guestSlot : server.call(s -> freeSlot(s.machine(), name));
            if (slot < 0) {
                throw new IOException("guest " + name + " has no free PCI slot from " + SLOT + " to 31");
            }
            final DeviceModelClient client = DeviceModelClient.connect(server.addresses().get(0));
            final ExampleNicModel model = new ExampleNicModel(client);
            try {
                model.plug(name, slot).get(30, TimeUnit.SECONDS);
            } catch (final ExecutionException | TimeoutException e) {
                client.abort();
                throw new IOException("the example model did not attach to " + name + " at slot " + slot + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e), e);
            }
            final Vcpu vcpu = server.call(s -> s.machine().guest(name).domain().vcpu(0));
            return new DmLoopback(server, client, model, vcpu, dir, name, slot);
        } catch (final IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** The first slot from {@value #SLOT} up that holds no function on the guest's bus, or -1. */
    private static int freeSlot(final ScenarioMachine m, final String guest) {
        final DeviceModel dm = m.deviceModel(m.guest(guest).domain());
        for (int slot = SLOT; slot <= 31; slot++) {
            if (dm == null || dm.bus().function(new Bdf(0, slot, 0)) == null) {
                return slot;
            }
        }
        return -1;
    }

    /**
     * One guest read of the model's RAISED register, forwarded to the model and back, from the
     * calling thread (which waits).
     *
     * @return the value read
     */
    public long guestRead() {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        final long gpa = model.bar0() + NicTestDevice.REG_RAISED;
        server.loop().execute(() -> vcpu.mmioReadAsync(gpa, 4, f::complete));
        return f.join();
    }

    /**
     * {@code count} guest reads one after the other, each started on the machine's thread when the
     * previous one completes.
     *
     * @param count how many
     * @return the wall-clock nanoseconds they took, once the last completed
     */
    public CompletableFuture<Long> guestReads(final int count) {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        final long gpa = model.bar0() + NicTestDevice.REG_RAISED;
        server.loop().execute(new Runnable() {
            private final IoreqCompletion next = this::next; // one completion for the whole chain
            private int left = count;
            private long start;

            @Override
            public void run() {
                start = System.nanoTime();
                next(0);
            }

            private void next(final long value) {
                if (left-- == 0) {
                    f.complete(System.nanoTime() - start);
                    return;
                }
                vcpu.mmioReadAsync(gpa, 4, next);
            }
        });
        return f;
    }

    /**
     * The model raises {@code count} interrupts, each after the guest handled the previous one.
     *
     * @param count how many
     * @return the wall-clock nanoseconds, once the last one is EOI'd
     */
    public CompletableFuture<Long> interrupts(final int count) {
        return model.fireSequence(count);
    }

    /** @return the server */
    public DmServer server() {
        return server;
    }

    /** @return the model's client */
    public DeviceModelClient client() {
        return client;
    }

    /** @return the example model */
    public ExampleNicModel model() {
        return model;
    }

    /** @return the guest the model is attached to */
    public String domain() {
        return domain;
    }

    /** @return the guest PCI slot of the model's function */
    public int slot() {
        return slot;
    }

    /** @return where the server listens (a TCP port 0 shows the port chosen) */
    public String address() {
        return server.addresses().get(0);
    }

    /** Closes the model (GOODBYE) and the server. */
    @Override
    public void close() {
        try {
            client.close();
        } finally {
            server.close();
            deleteSocketDir(socketDir);
        }
    }

    private static void deleteSocketDir(final Path dir) {
        if (dir != null) {
            try {
                Files.deleteIfExists(dir.resolve("dm.sock"));
                Files.deleteIfExists(dir);
            } catch (final IOException e) {
                // a temporary directory: best effort
            }
        }
    }
}
