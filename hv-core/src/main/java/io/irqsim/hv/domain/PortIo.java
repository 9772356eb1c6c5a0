package io.irqsim.hv.domain;

import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.trace.TraceSwitch;

import java.util.Arrays;

/**
 * An HVM domain's I/O-port space (0..0xffff) as Xen emulates it for {@code in}/{@code out}: a
 * guest port access exits to {@code xen/arch/x86/hvm/io.c:handle_pio@RELEASE-4.20.0}, which hands
 * it to {@code xen/arch/x86/hvm/emulate.c:hvmemul_do_pio_buffer} / {@code hvmemul_do_io}: a port
 * range some emulator claimed (an internal handler, or an ioreq server's {@code IOREQ_TYPE_PIO}
 * range, {@code XEN_DMOP_map_io_range_to_ioreq_server}) gets the access; a port nobody claimed goes
 * to Xen's {@code null_handler}: a read returns all ones, a write is dropped. Accesses are 1, 2 or
 * 4 bytes ({@code handle_pio}'s {@code ASSERT((size - 1) < 4 && size != 3)}); an access that
 * straddles the end of a claimed range is handled as unclaimed (Xen's {@code hvm_find_io_handler}
 * accepts a handler only if it covers the whole access). Every access to a claimed range is
 * recorded ({@link HvEvent#PIO_TRAP}).
 *
 * <p>Claimed ranges are few (one per I/O BAR), kept sorted; a lookup is a binary search and
 * allocates nothing.
 */
public final class PortIo {

    /** Ports: 0..0xffff. */
    public static final int PORTS = 0x10000;

    private final TraceRecorder trace;
    private int[] starts = new int[0];
    private int[] ends = new int[0];
    private MmioDevice[] devices = new MmioDevice[0];
    private long unclaimed;

    PortIo(final TraceRecorder trace) {
        this.trace = trace;
    }

    /**
     * Claims {@code [port, port + length)} for a device (its offsets are from {@code port}).
     *
     * @param port first port
     * @param length ports
     * @param device the emulator
     * @throws IllegalArgumentException if the range is outside 0..0xffff or overlaps a claimed one
     */
    public void map(final int port, final int length, final MmioDevice device) {
        if (port < 0 || length <= 0 || port + length > PORTS) {
            throw new IllegalArgumentException(String.format("port range 0x%x+0x%x is outside 0..0xffff", port, length));
        }
        int at = 0;
        while (at < starts.length && starts[at] < port) {
            at++;
        }
        if ((at > 0 && ends[at - 1] > port) || (at < starts.length && starts[at] < port + length)) {
            throw new IllegalArgumentException(String.format("port range 0x%x+0x%x overlaps a claimed range", port,
                length));
        }
        starts = insert(starts, at, port);
        ends = insert(ends, at, port + length);
        final MmioDevice[] d = Arrays.copyOf(devices, devices.length + 1);
        System.arraycopy(devices, at, d, at + 1, devices.length - at);
        d[at] = device;
        devices = d;
    }

    /**
     * Releases the range starting at {@code port}.
     *
     * @param port its first port
     * @return its device, or {@code null} if none started there
     */
    public MmioDevice unmap(final int port) {
        final int i = Arrays.binarySearch(starts, port);
        if (i < 0) {
            return null;
        }
        final MmioDevice d = devices[i];
        starts = remove(starts, i);
        ends = remove(ends, i);
        final MmioDevice[] n = new MmioDevice[devices.length - 1];
        System.arraycopy(devices, 0, n, 0, i);
        System.arraycopy(devices, i + 1, n, i, n.length - i);
        devices = n;
        return d;
    }

    /**
     * @param port a port
     * @return the device that claimed it, or {@code null}
     */
    public MmioDevice deviceAt(final int port) {
        final int i = find(port, 1);
        return i < 0 ? null : devices[i];
    }

    /**
     * A guest {@code in}: the claiming device's read, or all ones.
     *
     * @param port port
     * @param size 1, 2 or 4
     * @return the value, zero-extended
     */
    public long read(final int port, final int size) {
        checkSize(size);
        return readAny(port, size);
    }

    /**
     * A guest {@code out}: the claiming device's write, or dropped.
     *
     * @param port port
     * @param size 1, 2 or 4
     * @param value the value (its low {@code size} bytes)
     */
    public void write(final int port, final int size, final long value) {
        checkSize(size);
        writeAny(port, size, value);
    }

    /**
     * An 8-byte port write, which no x86 instruction can issue: only for a device model whose
     * register takes nothing narrower (libvfio-user's sample server's BAR0 {@code time_t}); see
     * {@code docs/fidelity.md}.
     *
     * @param port port
     * @param value the value
     */
    public void writeQword(final int port, final long value) {
        writeAny(port, 8, value);
    }

    private long readAny(final int port, final int size) {
        final int i = find(port, size);
        if (i < 0) {
            unclaimed++;
            return MmioDevice.allOnes(size);
        }
        final long v = devices[i].read(port - starts[i], size) & MmioDevice.allOnes(size);
        if (TraceSwitch.anyOn()) {
            trace.event(HvEvent.PIO_TRAP, port, size, v);
        }
        return v;
    }

    private void writeAny(final int port, final int size, final long value) {
        final int i = find(port, size);
        if (i < 0) {
            unclaimed++;
            return;
        }
        final long v = value & MmioDevice.allOnes(size);
        if (TraceSwitch.anyOn()) {
            trace.event(HvEvent.PIO_TRAP, port, size | (1 << 8), v);
        }
        devices[i].write(port - starts[i], size, v);
    }

    /** @return accesses nobody claimed (Xen's null_handler) */
    public long unclaimedAccesses() {
        return unclaimed;
    }

    private int find(final int port, final int size) {
        if (port < 0 || port >= PORTS) {
            return -1;
        }
        int lo = 0;
        int hi = starts.length - 1;
        while (lo <= hi) {
            final int mid = (lo + hi) >>> 1;
            if (ends[mid] <= port) {
                lo = mid + 1;
            } else if (starts[mid] > port) {
                hi = mid - 1;
            } else {
                return port + size <= ends[mid] ? mid : -1;
            }
        }
        return -1;
    }

    private static void checkSize(final int size) {
        if (size != 1 && size != 2 && size != 4) {
            throw new IllegalArgumentException("port access size " + size + " (x86 in/out: 1, 2 or 4)");
        }
    }

    private static int[] insert(final int[] a, final int at, final int v) {
        final int[] n = new int[a.length + 1];
        System.arraycopy(a, 0, n, 0, at);
        n[at] = v;
        System.arraycopy(a, at, n, at + 1, a.length - at);
        return n;
    }

    private static int[] remove(final int[] a, final int at) {
        final int[] n = new int[a.length - 1];
        System.arraycopy(a, 0, n, 0, at);
        System.arraycopy(a, at + 1, n, at, n.length - at);
        return n;
    }
}
