package io.irqsim.cli;

import io.irqsim.dm.vfiouser.TestPciDevice;
import io.irqsim.dm.vfiouser.VfioUser;
import io.irqsim.dm.vfiouser.VfioUserTestServer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cli tests' vfio-user servers (dm-net's test server and device) and scenario files with a
 * {@code guests[].vfioUser} entry.
 */
final class VfioUserServers {

    private VfioUserServers() {
    }

    /** A test server whose device raises {@code n} interrupts per connection, and what it saw. */
    static final class Raising implements AutoCloseable {
        final TestPciDevice device = new TestPciDevice();
        final VfioUserTestServer server;
        /** SET_IRQS UNMASKs received, over every connection. */
        final AtomicInteger unmasks = new AtomicInteger();
        /** A permit per UNMASK: the guest has EOId an interrupt and the client unmasked it. */
        final Semaphore unmasked = new Semaphore(0);
        private int raisedThisConnection;

        /**
         * The device raises its first interrupt when a connection hands it the INTx eventfd (as
         * a device already asserting would), and its next each time the client unmasks the
         * previous one, {@code n} per connection.
         */
        Raising(final Path sock, final int n) throws Exception {
            server = VfioUserTestServer.start(sock, (h, p, fds) -> {
                final VfioUserTestServer.Reply reply = device.handle(h, p, fds);
                if (h.command() == VfioUser.CMD_DEVICE_SET_IRQS && p.length >= 20) {
                    final ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
                    final int flags = b.getInt(4);
                    if (b.getInt(8) == VfioUser.IRQ_INTX && flags == (VfioUser.IRQ_SET_DATA_EVENTFD
                        | VfioUser.IRQ_SET_ACTION_TRIGGER)) {
                        raisedThisConnection = 0;
                        raise(n);
                    } else if ((flags & 0x38) == VfioUser.IRQ_SET_ACTION_UNMASK) {
                        unmasks.incrementAndGet();
                        unmasked.release();
                        raise(n);
                    }
                }
                return reply;
            });
        }

        private void raise(final int n) throws java.io.IOException {
            if (raisedThisConnection < n) {
                raisedThisConnection++;
                device.fire();
            }
        }

        @Override
        public void close() {
            server.close();
        }
    }

    /**
     * @param dir where
     * @param name the file's name
     * @param sock the server's socket
     * @param interrupts the entry's {@code interrupts}
     * @param passthrough whether the guest also gets the default platform's NIC 00:03.0 passed through
     * @return a scenario file
     */
    static Path scenario(final Path dir, final String name, final Path sock, final int interrupts,
                         final boolean passthrough) throws Exception {
        final Path file = dir.resolve(name);
        Files.writeString(file, String.join("\n",
            "name: vfio-user-nic",
            "guests:",
            "  - name: domU",
            passthrough ? "    passthrough: [{device: \"00:03.0\", slot: 5}]" : "",
            "    vfioUser: [{socket: \"unix:" + sock + "\", slot: 6, interrupts: " + interrupts + "}]",
            passthrough ? "traffic: [{device: \"00:03.0\", count: 10}]" : "traffic: []",
            ""));
        return file;
    }
}
