package io.irqsim.dm.net;

import io.irqsim.dm.net.example.ExampleNicModel;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.pci.Bdf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The example model's registers as the guest sees them across the socket: NicTestDevice's layout
 * (ID, STATUS, ACK, DOORBELL, RAISED, ACKED), a doorbell written by the guest and {@code fire()}
 * both raising an interrupt the guest's driver handles.
 */
class ExampleNicModelTest {

    static DmLoopback lb;

    @BeforeAll
    static void start() throws Exception {
        lb = DmLoopback.start(DmLoopback.Transport.TCP);
    }

    @AfterAll
    static void stop() {
        lb.close();
    }

    private long read(final int reg) throws Exception {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        final long gpa = lb.model().bar0() + reg;
        lb.server().loop().execute(() -> vcpu().mmioReadAsync(gpa, 4, f::complete));
        return f.get(20, TimeUnit.SECONDS);
    }

    private void write(final int reg, final long value) throws Exception {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        final long gpa = lb.model().bar0() + reg;
        lb.server().loop().execute(() -> vcpu().mmioWriteAsync(gpa, 4, value, f::complete));
        f.get(20, TimeUnit.SECONDS);
    }

    private static Vcpu vcpu() {
        return lb.server().call(s -> s.machine().guest(DmLoopback.DOMAIN).domain().vcpu(0));
    }

    private long handled() {
        return lb.server().call(s -> s.machine().guest(DmLoopback.DOMAIN).driver(new Bdf(0, DmLoopback.SLOT, 0))
            .handled());
    }

    @Test
    void registersDoorbellAndFire() throws Exception {
        assertEquals(NicTestDevice.ID & 0xFFFF_FFFFL, read(NicTestDevice.REG_ID));
        assertEquals(0, read(NicTestDevice.REG_STATUS));
        final long eois = lb.model().stats().get(10, TimeUnit.SECONDS).eois();
        final long before = handled();

        write(NicTestDevice.REG_DOORBELL, 1);   // the guest rings: the model raises INTA
        ExampleNicModel.Stats s = lb.model().awaitEois(eois + 1).get(20, TimeUnit.SECONDS);
        assertEquals(before + 1, handled());
        assertEquals(s.raised(), read(NicTestDevice.REG_RAISED));
        assertEquals(s.acked(), read(NicTestDevice.REG_ACKED));

        lb.model().fire();                      // the host side raises
        s = lb.model().awaitEois(eois + 2).get(20, TimeUnit.SECONDS);
        assertEquals(before + 2, handled());
        assertEquals(new ExampleNicModel.Stats(s.raised(), s.raised(), 0, eois + 2, 0, false), s);
        assertEquals(0, read(NicTestDevice.REG_STATUS));
        assertEquals(0xFFFF, readWithSize(2), "only 4-byte accesses: a 2-byte read answers all ones");
    }

    private long readWithSize(final int size) throws Exception {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        final long gpa = lb.model().bar0() + NicTestDevice.REG_ID;
        lb.server().loop().execute(() -> vcpu().mmioReadAsync(gpa, size, f::complete));
        return f.get(20, TimeUnit.SECONDS);
    }
}
