package io.irqsim.hw.mmio;

import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.HwTrace;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Maps address ranges to {@link MmioDevice}s and dispatches accesses to them.
 *
 * <p>Every access has exactly one outcome:
 * <ul>
 *   <li><b>dispatched</b>: size is 1, 2, 4 or 8, the device accepts that size, the access is
 *       naturally aligned and lies entirely inside one mapped range: the device gets
 *       {@code (address - base, size[, value])}, write values truncated to {@code size} bytes;</li>
 *   <li><b>unmapped</b>: no range contains the first byte: reads return all ones (a master abort
 *       on x86), writes are dropped; counted and traced;</li>
 *   <li><b>rejected</b>: a range contains the first byte but the access is not one the device
 *       takes (size not 1/2/4/8, size the device does not accept, misaligned, or running past
 *       the range's end): reads return all ones of the access size (or all 64 bits for an
 *       invalid size), writes are dropped; counted and traced.</li>
 * </ul>
 * Nothing throws on a guest-driven access. Mapping rejects empty, overflowing and overlapping
 * ranges with an {@link IllegalArgumentException} (configuration errors, not guest input).
 *
 * <p>Hot path: the mapping of the last hit is kept in plain fields (its base, length, accepted
 * sizes, device, trap and call site); an access that falls entirely inside it, with a size the
 * device accepts and natural alignment, is dispatched after a handful of compares, without
 * touching the arrays. Everything else (another mapping, unmapped, rejected) takes the general
 * path: a binary search over sorted primitive arrays, then the checks above one by one. A mapped
 * {@link MmioTrap} is resolved when it is mapped: the bus calls its observer and its device
 * directly. Each device class is called from a call site of its own ({@link MmioDispatch}), so
 * the JIT can inline the device however many device classes the JVM has seen. Dispatch
 * allocates nothing and counts nothing: the bus counts only the accesses that went wrong
 * (unmapped, rejected), which it alone sees; what a device was handed is the device's to count.
 * (A per-access counter here was a load and a store on every MMIO access; dropping it took 4% off
 * a four-access RTE read.) Not thread-safe; the machine is confined to one thread.
 */
public final class MmioBus {

    private final HwTrace trace;

    private long[] bases = new long[0];
    private long[] lasts = new long[0];
    private MmioDevice[] devices = new MmioDevice[0];
    /** Each device's {@link MmioDevice#acceptedSizes()}, read once when it is mapped (it must not change). */
    private int[] accepted = new int[0];
    /** What an access is handed to: the mapped device, or the device behind a mapped {@link MmioTrap}. */
    private MmioDevice[] targets = new MmioDevice[0];
    /** The mapped {@link MmioTrap}, or {@code null}. */
    private MmioTrap[] traps = new MmioTrap[0];
    /** The {@link MmioDispatch} call site of each target's class. */
    private int[] sites = new int[0];

    /** Each mapping's decode, resolved when it is mapped (index order = {@link #bases} order). */
    private Window[] windows = new Window[0];
    /*
     * A two-entry cache of the two windows last hit, most recent first ({@link Window#NONE}: empty,
     * matches nothing). The most recent one is also copied into plain fields, so a guest hammering
     * one device (IOREGSEL then IOWIN) tests it without loading a window first; the other one is
     * tested next and, when hit, swaps places with it, so a CPU that alternates between two windows
     * (a driver between its device's BAR and the IO-APIC, a guest between its vLAPIC and vIO-APIC)
     * finds both without a search.
     */
    private Window hit0 = Window.NONE;
    private long hitBase;
    private long hitLength;
    private int hitAccepted;
    private MmioDevice hitTarget;
    private MmioTrap hitTrap;
    private int hitSite;
    private Window hit1 = Window.NONE;

    private long searches;
    private long unmappedReads;
    private long unmappedWrites;
    private long rejected;

    /** A bus nobody traces. */
    public MmioBus() {
        this(HwTrace.NONE);
    }

    /**
     * A bus reporting unmapped and rejected accesses to {@code trace}.
     *
     * @param trace where to report
     */
    public MmioBus(final HwTrace trace) {
        this.trace = trace;
    }

    /**
     * Maps {@code device} at {@code [base, base + length)}.
     *
     * @param base first address
     * @param length window length in bytes, at least 1
     * @param device the device
     * @throws IllegalArgumentException if the range is empty, wraps past 2^64, or overlaps a mapped one
     */
    public void map(final long base, final long length, final MmioDevice device) {
        if (device == null) {
            throw new IllegalArgumentException("device must not be null");
        }
        if (length <= 0) {
            throw new IllegalArgumentException("empty MMIO range at 0x" + Long.toHexString(base)
                + " (length " + length + ") for " + device.name());
        }
        final long last = base + length - 1;
        if (Long.compareUnsigned(last, base) < 0) {
            throw new IllegalArgumentException("MMIO range at 0x" + Long.toHexString(base)
                + " length 0x" + Long.toHexString(length) + " for " + device.name()
                + " wraps past the top of the address space");
        }
        for (int i = 0; i < bases.length; i++) {
            if (Long.compareUnsigned(base, lasts[i]) <= 0 && Long.compareUnsigned(bases[i], last) <= 0) {
                throw new IllegalArgumentException(String.format(
                    "MMIO range [0x%x, 0x%x] for %s overlaps [0x%x, 0x%x] of %s",
                    base, last, device.name(), bases[i], lasts[i], devices[i].name()));
            }
        }
        final List<Mapping> all = mappings();
        all.add(new Mapping(base, last, device));
        rebuild(all);
    }

    /**
     * Removes the range that starts at {@code base}.
     *
     * @param base first address of a mapped range
     * @return the device that was mapped there, or {@code null} if none was
     */
    public MmioDevice unmap(final long base) {
        final List<Mapping> all = mappings();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).base == base) {
                final MmioDevice removed = all.remove(i).device;
                rebuild(all);
                return removed;
            }
        }
        return null;
    }

    /**
     * The device whose range contains {@code address}.
     *
     * @param address an address
     * @return the device, or {@code null} if the address is unmapped
     */
    public MmioDevice deviceAt(final long address) {
        final int i = find(address);
        return i < 0 ? null : devices[i];
    }

    /**
     * Reads {@code size} bytes at {@code address}. Never throws.
     *
     * @param address guest-physical address
     * @param size access size in bytes
     * @return the value, or all ones when unmapped or rejected
     */
    public long read(final long address, final int size) {
        // Dword accesses (every IO-APIC and LAPIC register) get their own inlined copy of the
        // path with the size a constant, so the JIT folds the size, alignment and mask arithmetic
        // (-6..9% on the MMIO peer rows, measured with the peer-bench driver)
        return size == 4 ? readSized(address, 4) : readSized(address, size);
    }

    private long readSized(final long address, final int size) {
        final long off = address - hitBase;
        if (Window.hits(hitAccepted, hitLength, address, off, size)) {
            final long v = MmioDispatch.read(hitSite, hitTarget, off, size);
            final MmioTrap trap = hitTrap;
            if (trap != null) {
                trap.trappedRead(address, size, v);
            }
            return v & MmioDevice.allOnes(size);
        }
        final Window w = hit1;
        final long off1 = address - w.base;
        if (Window.hits(w.accepted, w.length, address, off1, size)) {
            promote(w);
            final long v = MmioDispatch.read(w.site, w.target, off1, size);
            if (w.trap != null) {
                w.trap.trappedRead(address, size, v);
            }
            return v & MmioDevice.allOnes(size);
        }
        return readGeneral(address, size);
    }

    private long readGeneral(final long address, final int size) {
        final int i = find(address);
        if (i < 0) {
            unmappedReads++;
            final long ones = MmioDevice.allOnes(validSize(size) ? size : 8);
            trace.event(HwEvent.MMIO_UNMAPPED_READ, address, size, ones);
            return ones;
        }
        if (!acceptable(i, address, size)) {
            rejected++;
            trace.event(HwEvent.MMIO_REJECTED, address, size, 0);
            return MmioDevice.allOnes(validSize(size) ? size : 8);
        }
        final long v = MmioDispatch.read(sites[i], targets[i], address - bases[i], size);
        if (traps[i] != null) {
            traps[i].trappedRead(address, size, v);
        }
        return v & MmioDevice.allOnes(size);
    }

    /**
     * Writes the low {@code size} bytes of {@code value} at {@code address}. Never throws.
     *
     * @param address guest-physical address
     * @param size access size in bytes
     * @param value value to write
     * @return {@code true} if a device took the write, {@code false} if it was dropped
     */
    public boolean write(final long address, final int size, final long value) {
        // a constant size for dword accesses, as in read
        return size == 4 ? writeSized(address, 4, value) : writeSized(address, size, value);
    }

    private boolean writeSized(final long address, final int size, final long value) {
        final long off = address - hitBase;
        if (Window.hits(hitAccepted, hitLength, address, off, size)) {
            final long v = value & MmioDevice.allOnes(size);
            final MmioTrap trap = hitTrap;
            if (trap != null) {
                trap.trappedWrite(address, size, v);
            }
            MmioDispatch.write(hitSite, hitTarget, off, size, v);
            return true;
        }
        return writeSecond(address, size, value);
    }

    /** The second cached window, then the search; kept out of {@link #writeSized} so that stays small. */
    private boolean writeSecond(final long address, final int size, final long value) {
        final Window w = hit1;
        final long off = address - w.base;
        if (Window.hits(w.accepted, w.length, address, off, size)) {
            promote(w);
            final long v = value & MmioDevice.allOnes(size);
            if (w.trap != null) {
                w.trap.trappedWrite(address, size, v);
            }
            MmioDispatch.write(w.site, w.target, off, size, v);
            return true;
        }
        return writeGeneral(address, size, value);
    }

    private boolean writeGeneral(final long address, final int size, final long value) {
        final int i = find(address);
        if (i < 0) {
            unmappedWrites++;
            trace.event(HwEvent.MMIO_UNMAPPED_WRITE, address, size, value);
            return false;
        }
        if (!acceptable(i, address, size)) {
            rejected++;
            trace.event(HwEvent.MMIO_REJECTED, address, size | (1 << 8), value);
            return false;
        }
        final long v = value & MmioDevice.allOnes(size);
        if (traps[i] != null) {
            traps[i].trappedWrite(address, size, v);
        }
        MmioDispatch.write(sites[i], targets[i], address - bases[i], size, v);
        return true;
    }

    /** @return reads that hit no mapped range */
    public long unmappedReads() {
        return unmappedReads;
    }

    /** @return writes that hit no mapped range */
    public long unmappedWrites() {
        return unmappedWrites;
    }

    /** @return accesses refused for size, alignment or crossing a range end */
    public long rejectedAccesses() {
        return rejected;
    }

    /**
     * @return how many accesses missed both cached windows and searched the mappings: the cost
     *     the hit cache exists to avoid (tests pin that a device, or two alternating, are found
     *     without one)
     */
    long searches() {
        return searches;
    }

    /** @return the mapped ranges, sorted by base address */
    public List<Mapping> mappings() {
        final List<Mapping> out = new ArrayList<>(bases.length);
        for (int i = 0; i < bases.length; i++) {
            out.add(new Mapping(bases[i], lasts[i], devices[i]));
        }
        return out;
    }

    private boolean acceptable(final int i, final long address, final int size) {
        final int bit = MmioDevice.sizeBit(size);
        if (bit == 0 || (accepted[i] & bit) == 0) {
            return false;
        }
        // aligned both as an address and as an offset into the window (MmioDevice: offset % size == 0)
        if ((address & (size - 1)) != 0 || ((address - bases[i]) & (size - 1)) != 0) {
            return false;
        }
        // the last byte must still be inside the same range
        return Long.compareUnsigned(address + size - 1, lasts[i]) <= 0
            && Long.compareUnsigned(address + size - 1, address) >= 0;
    }

    private static boolean validSize(final int size) {
        return MmioDevice.sizeBit(size) != 0;
    }

    private int find(final long address) {
        searches++;
        final long[] b = bases;
        int lo = 0;
        int hi = b.length - 1;
        int floor = -1;
        while (lo <= hi) {
            final int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(b[mid], address) <= 0) {
                floor = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (floor >= 0 && Long.compareUnsigned(address, lasts[floor]) <= 0) {
            remember(windows[floor]);
            return floor;
        }
        return -1;
    }

    /**
     * The second window was hit: it becomes the first (the two swap), so a device accessed again
     * and again after another one takes the plain-field path from its second access on.
     */
    private void promote(final Window w) {
        hit1 = hit0;
        setHit0(w);
    }

    /** Makes {@code w} the most recent hit, keeping the previous one as the second entry. */
    private void remember(final Window w) {
        if (hit0 != w) {
            hit1 = hit0;
            setHit0(w);
        }
    }

    private void setHit0(final Window w) {
        hit0 = w;
        hitBase = w.base;
        hitLength = w.length;
        hitAccepted = w.accepted;
        hitTarget = w.target;
        hitTrap = w.trap;
        hitSite = w.site;
    }

    private void rebuild(final List<Mapping> all) {
        Collections.sort(all, (x, y) -> Long.compareUnsigned(x.base, y.base));
        final int n = all.size();
        final long[] nb = new long[n];
        final long[] nl = new long[n];
        final MmioDevice[] nd = new MmioDevice[n];
        final int[] na = new int[n];
        final MmioDevice[] nt = new MmioDevice[n];
        final MmioTrap[] np = new MmioTrap[n];
        final int[] ns = new int[n];
        for (int i = 0; i < n; i++) {
            nb[i] = all.get(i).base;
            nl[i] = all.get(i).last;
            nd[i] = all.get(i).device;
            na[i] = nd[i].acceptedSizes();
            np[i] = nd[i] instanceof MmioTrap ? (MmioTrap) nd[i] : null;
            nt[i] = np[i] != null ? np[i].device() : nd[i];
            ns[i] = MmioDispatch.siteFor(nt[i]);
        }
        bases = nb;
        lasts = nl;
        devices = nd;
        accepted = na;
        targets = nt;
        traps = np;
        sites = ns;
        final Window[] nw = new Window[n];
        for (int i = 0; i < n; i++) {
            final long length = nl[i] - nb[i] + 1;
            // a window past FAST_WINDOW_MAX (or the whole 2^64 space, length 0) takes the general path
            final boolean fast = length > 0 && length <= FAST_WINDOW_MAX;
            nw[i] = new Window(nb[i], length, fast ? na[i] : 0, nt[i], np[i], ns[i]);
        }
        windows = nw;
        setHit0(Window.NONE);
        hit1 = Window.NONE;
    }

    /**
     * The longest window the fast path decodes (2^62 bytes): its offset test is then two signed
     * compares. A longer mapping (no real device has one) is decoded by the general path.
     */
    static final long FAST_WINDOW_MAX = 1L << 62;

    /**
     * One mapping's decode for the fast path: where it starts, how long it is, the access sizes
     * its device takes, and whom an access goes to. Immutable; a remap builds new ones.
     */
    private static final class Window {
        /** Matches nothing (length 0, no size accepted). */
        static final Window NONE = new Window(0, 0, 0, null, null, 0);

        final long base;
        final long length;
        final int accepted;
        final MmioDevice target;
        final MmioTrap trap;
        final int site;

        Window(final long base, final long length, final int accepted, final MmioDevice target, final MmioTrap trap,
               final int site) {
            this.base = base;
            this.length = length;
            this.accepted = accepted;
            this.target = target;
            this.trap = trap;
            this.site = site;
        }

        /**
         * The fast path's test: the access lies inside a mapping of {@code length} bytes whose
         * device takes the sizes in {@code accepted}, aligned both as an address and as an
         * offset: exactly the accesses {@code acceptable} passes for it.
         *
         * @param off {@code address - base}
         */
        static boolean hits(final int accepted, final long length, final long address, final long off,
                            final int size) {
            return (accepted & MmioDevice.sizeBit(size)) != 0
                && ((address | off) & (size - 1)) == 0
                // a fast window is at most FAST_WINDOW_MAX long (rebuild), so off and length - size
                // are both in signed range: two signed compares, no unsigned three-way compare
                && off >= 0
                && off <= length - size;
        }
    }

    /**
     * One mapped range.
     *
     * @param base first address
     * @param last last address (inclusive)
     * @param device the device decoding it
     */
    public record Mapping(long base, long last, MmioDevice device) {
    }
}
