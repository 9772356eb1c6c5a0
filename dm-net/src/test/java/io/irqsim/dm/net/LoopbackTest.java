package io.irqsim.dm.net;

import io.irqsim.dm.net.example.ExampleNicModel;
import io.irqsim.dm.net.server.SessionReport;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.linux.NicTestDriver;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The example model attached to {@code irqsim serve}'s server over a real socket, TCP and Unix:
 * it presents its function to domU, the guest's driver probes it, and it raises 10,000 interrupts
 * that the driver handles, each through two forwarded accesses (read STATUS, write ACK) and an
 * EOI. None is lost and every IOREQ is answered, counted on both sides.
 */
class LoopbackTest {

    static final int INTERRUPTS = 10_000;

    @ParameterizedTest
    @EnumSource(DmLoopback.Transport.class)
    void tenThousandInterruptsNoneLostEveryIoreqAnswered(final DmLoopback.Transport transport) throws Exception {
        assumeTrue(transport == DmLoopback.Transport.TCP || DmTransport.epollAvailable(),
            "Unix sockets need the native epoll transport");
        try (DmLoopback lb = DmLoopback.start(transport)) {
            final Bdf bdf = new Bdf(0, DmLoopback.SLOT, 0);
            // the guest probed the function: config space from REGISTER_PCI, BAR0 where the server put it
            final String probed = lb.server().call(s -> {
                final LinuxDomU g = s.machine().guest(DmLoopback.DOMAIN);
                final NicTestDriver drv = g.driver(bdf);
                return String.format("%04x:%04x irq>0 %b bar0 0x%x mem %b", g.dev(bdf).function().vendorId(),
                    g.dev(bdf).function().deviceId(), drv.irq() > 0, g.dev(bdf).function().barAddress(0),
                    (g.dev(bdf).function().configRead(PciConfigRegisters.COMMAND, 2)
                        & PciConfigRegisters.COMMAND_MEMORY) != 0);
            });
            assertEquals("1b36:0005 irq>0 true bar0 0xf0060000 mem true", probed);

            lb.interrupts(INTERRUPTS).get(300, TimeUnit.SECONDS);

            final ExampleNicModel.Stats m = lb.model().stats().get(10, TimeUnit.SECONDS);
            assertEquals(new ExampleNicModel.Stats(INTERRUPTS, INTERRUPTS, 0, INTERRUPTS, 0, false), m);
            final String guest = lb.server().call(s -> {
                final LinuxDomU g = s.machine().guest(DmLoopback.DOMAIN);
                final NicTestDriver drv = g.driver(bdf);
                return drv.handled() + " handled, " + drv.notMine() + " not mine, " + g.unhandledInterrupts()
                    + " unhandled, " + g.domain().vcpu(0).ioreqsInFlight() + " in flight";
            });
            assertEquals(INTERRUPTS + " handled, 0 not mine, 0 unhandled, 0 in flight", guest);
            final SessionReport r = lb.server().call(s -> s.sessions().get(0).report());
            assertEquals(2L * INTERRUPTS, r.ioreqsSent(), r.toString());
            assertEquals(r.ioreqsSent(), r.ioreqsAnswered(), r.toString());
            assertEquals(0, r.ioreqsExpired() + r.ioreqsFailed(), r.toString());
            assertEquals(INTERRUPTS, r.eoiNotices(), r.toString());
            assertEquals(0, r.refused(), r.toString());
            assertEquals(2L * INTERRUPTS, lb.client().ioreqsReceived());
            assertEquals(lb.client().ioreqsReceived(), lb.client().ioreqsAnswered());
            assertEquals(0, lb.client().ioreqsRefused());
            assertEquals(INTERRUPTS, lb.client().eoisReceived());

            // a plain forwarded read from outside the guest's driver: the model's RAISED register
            assertEquals(INTERRUPTS, lb.guestRead());
            lb.guestReads(100).get(60, TimeUnit.SECONDS);
            assertEquals(2L * INTERRUPTS + 101, lb.client().ioreqsAnswered());
            final boolean ended = lb.server().call(s -> s.sessions().get(0).isEnded());
            assertFalse(ended);
        }
    }
}
