package io.irqsim.dm.net.example;

import io.irqsim.dm.net.client.DeviceModelClient;
import io.irqsim.dm.net.client.IoreqHandler;
import io.irqsim.dm.net.client.PciDevice;
import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.guest.device.NicTestDevice;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The example device model: irqsim's NIC-like test device ({@link NicTestDevice}'s register
 * layout) emulated outside irqsim, across the network, the way QEMU emulates a device for a Xen
 * guest. It attaches to a domain, presents a PCI function with a 4 KiB BAR0 and INTA (the guest
 * hot-plugs it and its driver probes it), raises INTx on a doorbell (a guest write, or
 * {@link #fire()}), and lowers it when the guest's driver acknowledges.
 *
 * <pre>
 * BAR0 offset  access  register
 *   0x00       R       ID: 0x53515249 ('I','R','Q','S' in memory)
 *   0x04       R       STATUS: bit 0 = interrupt pending
 *   0x08       W1C     ACK: writing bit 0 clears the pending interrupt (INTx lowered)
 *   0x0C       W       DOORBELL: any write raises an interrupt
 *   0x10       R       RAISED: interrupts raised
 *   0x14       R       ACKED: interrupts acknowledged
 * </pre>
 * 4-byte accesses only: others read all ones and are ignored on write.
 *
 * <p>All state lives on the client's I/O thread (the register handlers and the EOI listener run
 * there); {@link #fire()} and {@link #fireSequence(int)} hand over to it. Lowering the line on ACK
 * happens inside the ACK write's handler, so the server has lowered it before the guest's write
 * completes and its EOI follows: no spurious re-delivery.
 */
public final class ExampleNicModel implements IoreqHandler {

    /** PCI vendor id: QEMU's (0x1b36), as its {@code pci-testdev}. */
    public static final int VENDOR_ID = 0x1B36;
    /** PCI device id: {@code pci-testdev}'s. */
    public static final int DEVICE_ID = 0x0005;
    /** Class code: Ethernet controller. */
    public static final int CLASS_CODE = 0x020000;

    private final DeviceModelClient client;
    private int device;
    private PciDevice pci;
    private boolean pending;
    private long raised;
    private long acked;
    private long coalesced;
    private long eois;
    private long failures;
    private int sequenceLeft;
    private long sequenceStart;
    private CompletableFuture<Long> sequence;
    private final List<EoiWaiter> eoiWaiters = new ArrayList<>();

    /** Someone waiting for the model's EOI count to reach a number. */
    private record EoiWaiter(long count, CompletableFuture<Stats> future) {
    }

    /**
     * @param client a connected client; the model listens to its EOI notices
     */
    public ExampleNicModel(final DeviceModelClient client) {
        this.client = client;
        client.onEoi((dev, gsi) -> {
            if (dev == device) {
                eois++;
                wakeEoiWaiters();
                step();
            }
        });
    }

    /**
     * The function's PCI header.
     *
     * @param slot the guest slot
     * @return REGISTER_PCI's payload: INTA, one 4 KiB memory BAR
     */
    public static Msg.RegisterPci function(final int slot) {
        return new Msg.RegisterPci(slot, 0, 1, VENDOR_ID, DEVICE_ID, CLASS_CODE,
            List.of(NicTestDevice.BAR_SIZE, 0L, 0L, 0L, 0L, 0L));
    }

    /**
     * Attaches to a domain and presents the function there.
     *
     * @param domain the domain's name
     * @param slot the guest slot
     * @return the function, once the guest has it
     */
    public CompletableFuture<PciDevice> plug(final String domain, final int slot) {
        return client.attach(domain).thenCompose(a -> client.registerPci(function(slot), this)).thenApply(d -> {
            device = d.device();
            pci = d;
            return d;
        });
    }

    @Override
    public long read(final long offset, final int size) {
        if (size != 4) {
            return -1L;
        }
        switch ((int) offset) {
            case NicTestDevice.REG_ID: return NicTestDevice.ID & 0xFFFF_FFFFL;
            case NicTestDevice.REG_STATUS: return pending ? NicTestDevice.STATUS_PENDING : 0;
            case NicTestDevice.REG_RAISED: return raised & 0xFFFF_FFFFL;
            case NicTestDevice.REG_ACKED: return acked & 0xFFFF_FFFFL;
            default: return 0;
        }
    }

    @Override
    public void write(final long offset, final int size, final long value) {
        if (size != 4) {
            return;
        }
        if (offset == NicTestDevice.REG_ACK && (value & NicTestDevice.STATUS_PENDING) != 0) {
            ack();
        } else if (offset == NicTestDevice.REG_DOORBELL) {
            raise();
        }
    }

    private void raise() {
        raised++;
        if (pending) {
            coalesced++;
            return;
        }
        pending = true;
        client.setIntx(device, true).whenComplete((v, e) -> countFailure(e));
    }

    private void ack() {
        if (!pending) {
            return;
        }
        pending = false;
        acked++;
        client.setIntx(device, false).whenComplete((v, e) -> countFailure(e));
        if ((client.negotiated().features() & Features.EOI_NOTICE) == 0) {
            step();
        }
    }

    private void countFailure(final Throwable e) {
        if (e != null) {
            failures++;
            if (sequence != null) {
                final CompletableFuture<Long> s = sequence;
                sequence = null;
                s.completeExceptionally(e);
            }
        }
    }

    /** One interrupt of a running sequence is done (EOI'd, or acknowledged without EOI notices). */
    private void step() {
        if (sequence == null) {
            return;
        }
        if (--sequenceLeft == 0) {
            final CompletableFuture<Long> s = sequence;
            sequence = null;
            s.complete(System.nanoTime() - sequenceStart);
        } else {
            raise();
        }
    }

    private void wakeEoiWaiters() {
        for (final Iterator<EoiWaiter> it = eoiWaiters.iterator(); it.hasNext(); ) {
            final EoiWaiter w = it.next();
            if (eois >= w.count()) {
                it.remove();
                w.future().complete(new Stats(raised, acked, coalesced, eois, failures, pending));
            }
        }
    }

    /**
     * @param count a number of EOI notices
     * @return the counters, once the model has had that many EOI notices for its INTx
     */
    public CompletableFuture<Stats> awaitEois(final long count) {
        final CompletableFuture<Stats> f = new CompletableFuture<>();
        client.execute(() -> {
            eoiWaiters.add(new EoiWaiter(count, f));
            wakeEoiWaiters();
        });
        return f;
    }

    /** Raises an interrupt, as a received packet would (coalesced if one is still pending). */
    public void fire() {
        client.execute(this::raise);
    }

    /**
     * Raises {@code count} interrupts one after the other, each once the guest has handled the
     * previous one (its EOI notice), so none coalesce.
     *
     * @param count how many (at least 1)
     * @return the wall-clock nanoseconds the sequence took, when the last one is done
     */
    public CompletableFuture<Long> fireSequence(final int count) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one interrupt");
        }
        final CompletableFuture<Long> f = new CompletableFuture<>();
        client.execute(() -> {
            if (sequence != null) {
                f.completeExceptionally(new IllegalStateException("a sequence is running already"));
                return;
            }
            sequence = f;
            sequenceLeft = count;
            sequenceStart = System.nanoTime();
            raise();
        });
        return f;
    }

    /** @return counters, read on the client's thread: raised, acked, coalesced, eois, failures */
    public CompletableFuture<Stats> stats() {
        final CompletableFuture<Stats> f = new CompletableFuture<>();
        client.execute(() -> f.complete(new Stats(raised, acked, coalesced, eois, failures, pending)));
        return f;
    }

    /** @return the presented function, or {@code null} before {@link #plug} completed */
    public PciDevice device() {
        return pci;
    }

    /** @return BAR0's guest address, or 0 */
    public long bar0() {
        return pci == null ? 0 : pci.barAddresses().get(0);
    }

    /**
     * The model's counters.
     *
     * @param raised interrupts raised (doorbells and fire)
     * @param acked acknowledged by the guest's driver
     * @param coalesced raises that found one still pending
     * @param eois EOI notices for its INTx
     * @param failures requests the server refused
     * @param pending whether an interrupt is pending now
     */
    public record Stats(long raised, long acked, long coalesced, long eois, long failures, boolean pending) {
    }

    /** @return the client */
    public DeviceModelClient client() {
        return client;
    }

    @Override
    public String toString() {
        return "example NIC model" + (pci == null ? "" : " (device " + device + ", BAR0 0x"
            + Long.toHexString(bar0()) + ")");
    }
}
