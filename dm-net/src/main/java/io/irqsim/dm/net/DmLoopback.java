package io.irqsim.dm.net;

import io.irqsim.dm.net.client.DeviceModelClient;
import io.irqsim.dm.net.example.ExampleNicModel;
import io.irqsim.dm.net.server.DmServer;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.dm.qtest.QtestAddress;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hv.domain.Vcpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    private DmLoopback(final DmServer server, final DeviceModelClient client, final ExampleNicModel model,
                       final Vcpu vcpu, final Path socketDir) {
        this.server = server;
        this.client = client;
        this.model = model;
        this.vcpu = vcpu;
        this.socketDir = socketDir;
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
        final QtestAddress address;
        if (transport == Transport.UNIX) {
            dir = Files.createTempDirectory("irqsim-dm");
            address = QtestAddress.parse("unix:" + dir.resolve("dm.sock"));
        } else {
            address = QtestAddress.parse("tcp:127.0.0.1:0");
        }
        final DmServer server = DmServer.start(() -> ScenarioMachine.boot(Scenario.defaultScenario(),
            Strategies.byName(Scenario.DEFAULT_STRATEGY)), config, List.of(address), line -> { });
        try {
            final DeviceModelClient client = DeviceModelClient.connect(server.addresses().get(0));
            final ExampleNicModel model = new ExampleNicModel(client);
            model.plug(DOMAIN, SLOT).get(30, TimeUnit.SECONDS);
            final Vcpu vcpu = server.call(s -> s.machine().guest(DOMAIN).domain().vcpu(0));
            return new DmLoopback(server, client, model, vcpu, dir);
        } catch (final ExecutionException | TimeoutException e) {
            server.close();
            throw new IOException("the example model did not attach: " + e, e);
        } catch (final IOException | RuntimeException e) {
            server.close();
            throw e;
        }
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
                vcpu.mmioReadAsync(gpa, 4, this::next);
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

    /** Closes the model (GOODBYE) and the server. */
    @Override
    public void close() {
        try {
            client.close();
        } finally {
            server.close();
            if (socketDir != null) {
                try {
                    Files.deleteIfExists(socketDir.resolve("dm.sock"));
                    Files.deleteIfExists(socketDir);
                } catch (final IOException e) {
                    // a temporary directory: best effort
                }
            }
        }
    }
}
