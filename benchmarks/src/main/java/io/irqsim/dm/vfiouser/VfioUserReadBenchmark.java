package io.irqsim.dm.vfiouser;

import io.irqsim.bench.AbstractIrqsimBenchmark;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.pci.Bdf;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A guest BAR read forwarded to a vfio-user server, next to a raw echo of the same bytes over the
 * same Unix socket, in the same run as dm-net's {@code ForwardedReadBenchmark} (run both with
 * {@code 'io.irqsim.dm'}).
 *
 * <p><b>What is measured.</b> {@link #forwardedRead}: the default scenario's {@code domU} has a
 * vfio-user function plugged at slot 6 ({@link VfioUserGuestDevice}, as {@code irqsim run} plugs a
 * scenario's {@code guests[].vfioUser} entry); its vCPU reads BAR0: the access traps, the BAR's
 * handler sends REGION_READ (32 bytes: header and the region-access header) with one
 * {@code sendmsg}, blocks in {@code recvmsg} for the 16-byte reply header and again for the 20
 * bytes after it, decodes and checks the reply, and the vCPU resumes with the value.
 * {@link #regionRead}: the same REGION_READ straight from the client, no guest. {@link #echo}: the
 * raw baseline: the client's own socket ({@link UnixFdSocket}, JNA {@code sendmsg}/{@code recvmsg})
 * sends the same 32 bytes and receives 16 then 20, the server thread reads the same way and
 * answers 36 bytes without decoding anything ({@link VfioUserBenchServer.Mode#ECHO}).
 *
 * <p><b>Why this differs from dm-net's pair.</b> The vfio-user client is blocking and
 * single-threaded (QEMU's vCPU waits for each reply), so every operation here is one call on the
 * JMH thread, which is the machine's thread: no event loop, no hand-over, one sleep and one wake-up
 * per side per round trip, as in the echo. dm-net's chained rows run on Netty event loops; its
 * "one call" rows add the JMH thread's hand-over. Compare each row with its own echo.
 *
 * <p>The server is the minimal one of {@link VfioUserBenchServer} (on a thread of its own, JDK
 * blocking Unix socket), not the build's test server, so the server's side costs what the echo's
 * costs plus decoding. The paths allocate (the client's message arrays, a few per call) and are
 * left out of {@code AllocationFreeTest}.
 */
public class VfioUserReadBenchmark extends AbstractIrqsimBenchmark {

    /** The guest slot the function is plugged at. */
    static final int SLOT = 6;

    /** The default scenario with the server's function plugged into domU. */
    @State(Scope.Benchmark)
    public static class Guest {
        VfioUserBenchServer server;
        ScenarioMachine machine;
        VfioUserGuestDevice device;
        VfioUserClient client;
        Vcpu vcpu;
        long gpa;

        /** Starts the server, boots the machine, plugs the device and checks a read. */
        @Setup
        public void setup() throws IOException {
            server = VfioUserBenchServer.start(VfioUserBenchServer.Mode.DEVICE);
            machine = ScenarioMachine.boot(Scenario.defaultScenario(), Strategies.byName(Scenario.DEFAULT_STRATEGY));
            machine.trace().setEnabled(false);      // as irqsim serve and bench run: nothing reads it
            client = VfioUserClient.connect(server.socket(), VfioUserClient.DEFAULT_TIMEOUT_MILLIS);
            device = VfioUserGuestDevice.plug(machine, "domU", client, server.socket().toString(), SLOT);
            final var domain = machine.guest("domU").domain();
            vcpu = domain.vcpu(0);
            gpa = machine.deviceModel(domain).bus().function(new Bdf(0, SLOT, 0)).barAddress(0);
            final long v = vcpu.mmioRead(gpa, 4);
            if (v != VfioUserBenchServer.BAR_VALUE) {
                throw new IllegalStateException(String.format("the guest read 0x%x from BAR0, expected 0x%x", v,
                    VfioUserBenchServer.BAR_VALUE));
            }
        }

        /** Unplugs the device (closing the client) and stops the server. */
        @TearDown
        public void tearDown() {
            device.close();
            server.close();
        }
    }

    /** The raw echo over the client's socket. */
    @State(Scope.Benchmark)
    public static class Echo {
        VfioUserBenchServer server;
        UnixFdSocket socket;
        final byte[] request = new byte[VfioUserBenchServer.READ_REQUEST];
        final byte[] head = new byte[VfioUser.HEADER_SIZE];
        final byte[] rest = new byte[VfioUserBenchServer.ECHO_REPLY - VfioUser.HEADER_SIZE];

        /** Starts the echo server and connects. */
        @Setup
        public void setup() throws IOException {
            server = VfioUserBenchServer.start(VfioUserBenchServer.Mode.ECHO);
            socket = UnixFdSocket.connect(server.socket());
            socket.setTimeout(VfioUserClient.DEFAULT_TIMEOUT_MILLIS);
            // a header whose size says 32, as a REGION_READ's does
            request[4] = (byte) VfioUserBenchServer.READ_REQUEST;
            roundTrip();
        }

        int roundTrip() throws IOException {
            socket.send(request, request.length);
            socket.receiveFully(head, 0, head.length, Echo::noFds);
            socket.receiveFully(rest, 0, rest.length, Echo::noFds);
            return rest[rest.length - 1];
        }

        private static void noFds(final int at, final int fd) {
            UnixFdSocket.closeFd(fd);
            throw new IllegalStateException("the echo sent a descriptor");
        }

        /** Closes the connection and stops the server. */
        @TearDown
        public void tearDown() {
            socket.close();
            server.close();
        }
    }

    /**
     * @param s the guest with the device
     * @return the value read
     */
    @Benchmark
    public long forwardedRead(final Guest s) {
        return s.vcpu.mmioRead(s.gpa, 4);
    }

    /**
     * @param s the guest with the device (its client)
     * @return the value read
     */
    @Benchmark
    public long regionRead(final Guest s) {
        try {
            return s.client.regionReadValue(VfioUser.REGION_BAR0, 0, 4);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param s the echo pair
     * @return the last byte received
     */
    @Benchmark
    public int echo(final Echo s) {
        try {
            return s.roundTrip();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
