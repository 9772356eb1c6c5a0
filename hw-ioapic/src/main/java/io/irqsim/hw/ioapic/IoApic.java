package io.irqsim.hw.ioapic;

import io.irqsim.hw.apic.EoiListener;
import io.irqsim.hw.apic.InterruptSink;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.time.Timer;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.trace.TraceSwitch;
import java.util.List;

/**
 * The IO-APIC register model (Intel 82093AA datasheet; ICH datasheets for the EOI register),
 * used both for the machine's physical IO-APICs and for every domain's virtual IO-APIC.
 *
 * <h2>MMIO window (256 bytes, {@link IoApicRegisters#WINDOW_SIZE})</h2>
 * The window holds three 32-bit registers, IOREGSEL at 0x00, IOWIN at 0x10 and (version 0x20)
 * the EOI register at 0x40. Every access the {@link io.irqsim.hw.mmio.MmioBus} lets through
 * (sizes 1, 2, 4 and 8, naturally aligned) has one defined result, which depends on the profile.
 *
 * <p>Physical parts, QEMU and KVM ({@link IoApicModel.Implementation#HARDWARE}, {@code QEMU},
 * {@code KVM}):
 * <ul>
 *   <li>4 bytes on a register: the register, as the datasheet defines it;</li>
 *   <li>1 or 2 bytes: byte lanes of the containing register. Reads return those bytes; writes
 *       replace those bytes and leave the others as they read (read-modify-write, as byte
 *       enables on ICH-class parts, whose data register "can be accessed in byte quantities");</li>
 *   <li>8 bytes: two 4-byte accesses, low dword then high dword (QEMU's memory core splits the
 *       same way), so an 8-byte write to 0x10 writes IOWIN and drops the upper half at 0x14;</li>
 *   <li>offsets inside the window that hold no register, and the EOI register on a version 0x11
 *       part: reads return 0, writes are ignored; traced;</li>
 *   <li>the EOI register acts only on a write that includes byte 0x40 (the vector, bits 7:0);
 *       reads return 0.</li>
 * </ul>
 * Xen's vIO-APIC ({@link IoApicModel#xenAccessDecode()}; {@code vioapic_read},
 * {@code vioapic_write}, {@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.18.0} and
 * {@code @RELEASE-4.20.0}): {@code addr & 0xff} is decoded exactly, the size is ignored.
 * <ul>
 *   <li>0x00 and 0x10 only: a read returns the whole 32-bit register, cut to the access size; a
 *       write of any size replaces the whole register with the value written (zero-extended,
 *       cut to 32 bits), so a byte write to 0x00 sets IOREGSEL to that byte;</li>
 *   <li>every other offset, including 0x01..0x03 and 0x11..0x13: reads 0, writes ignored (traced).</li>
 * </ul>
 * IOREGSEL stores {@link IoApicModel#ioregselBits()} bits. Indirect registers: IOAPICID
 * ({@link IoApicModel#idBits()} bits from bit 24 up writable: 27:24, or 31:24 for the 8-bit
 * profile), IOAPICVER (read-only), IOAPICARB (read-only, mirrors the ID's low 4 bits in 27:24 as
 * in QEMU, KVM and Xen), the redirection table at 0x10 + 2n (low) / 0x11 + 2n (high). Other
 * indexes, including those past the table, read 0 and ignore writes (QEMU, Xen).
 *
 * <h2>Interrupts</h2>
 * Each pin sees an input level. With {@link IoApicModel#electricalInputs()} the level is
 * electrical and the RTE polarity bit decides what "asserted" is; otherwise it is a logical
 * assert. Edge pins deliver on an inactive-to-active transition while unmasked; an edge on a
 * masked pin is dropped (82093AA; QEMU {@code ioapic_set_irq}). Level pins deliver while asserted,
 * unmasked and Remote IRR clear. Remote IRR is set when a LAPIC accepts the message (hardware,
 * QEMU, KVM) or, in Xen's vIO-APIC, before the message is sent whether or not a LAPIC accepts it
 * ({@code vioapic_irq_positive_edge}, {@code vioapic_write_redirent}, {@code vioapic_update_EOI}).
 * It is cleared by an EOI for the vector (broadcast, or the EOI register), after which a
 * still-asserted line is delivered again. Only the QEMU and KVM profiles
 * ({@link IoApicModel#hasStormGuard()}) throttle that: the {@link #STORM_MAX_SUCCESSIVE}th
 * back-to-back re-delivery is deferred by {@link #STORM_DEFER_NS} of virtual time (QEMU
 * {@code ioapic_eoi_broadcast}, KVM {@code kvm_ioapic_update_eoi_one}); neither sets delivery
 * status meanwhile, and a redirection-entry write in the meantime services the pin at once.
 * Every redirection entry write re-evaluates the pin (QEMU {@code ioapic_service}), and an entry
 * that becomes edge loses Remote IRR (QEMU {@code ioapic_fix_edge_remote_irr}, Xen
 * {@code vioapic_write_redirent}); Xen skips both for GSI 0 ({@code vlapic_adjust_i8259_target}
 * instead) and clears delivery status on every low-dword write.
 *
 * <p>The window's register decode (IOREGSEL, decoded when written; IOWIN; the EOI register; the
 * indirect registers) is {@link IoApicMmio}; this class keeps the redirection table, the pins,
 * delivery and EOIs. The MMIO path reports its events only while the trace's
 * {@link io.irqsim.hw.trace.TraceSwitch} is on.
 *
 * <p>Not thread-safe: the machine is confined to one thread. The MMIO, interrupt and EOI paths
 * allocate nothing.
 */
public final class IoApic implements MmioDevice, EoiListener {

    /**
     * The back-to-back EOI re-delivery the storm guard defers (QEMU {@code SUCCESSIVE_IRQ_MAX_COUNT},
     * KVM {@code IOAPIC_SUCCESSIVE_IRQ_MAX_COUNT}: the counter reaching 10,000 defers that one).
     */
    public static final int STORM_MAX_SUCCESSIVE = 10_000;
    /** How long the storm guard defers a re-delivery: 10 ms (QEMU {@code NANOSECONDS_PER_SECOND / 100}). */
    public static final long STORM_DEFER_NS = 10_000_000L;

    private final String name;
    private final IoApicModel model;
    private final int gsiBase;
    private final InterruptSink sink;
    private final HwTrace trace;
    private IoApicHooks hooks = IoApicHooks.NONE;

    private final long[] rte;
    private final boolean[] inputHigh;
    private final int[] successiveEois;
    private final Timer[] stormTimers;
    /** The MMIO window's register decode (IOREGSEL, IOWIN, EOI register, indirect registers). */
    private final IoApicMmio mmio;
    /** Read-only bits a low-dword write keeps: Remote IRR for Xen, Remote IRR and delivery status otherwise. */
    private final long keptOnLowWrite;
    /** For Xen, the pin of GSI 0 (which {@code vioapic_write_redirent} treats apart), else -1. */
    private final int xenGsi0Pin;
    /**
     * Bit {@code m} set: delivery mode {@code m} is sent to the bus. Every mode for a physical part,
     * QEMU and KVM; for Xen only fixed, lowest priority and NMI ({@code vioapic_deliver}'s other
     * modes are its "Unsupported delivery mode" case and reach no vLAPIC).
     */
    private final int sentModes;
    /** Whether {@link #trace} records now: tested before each event on the MMIO path. */
    private final TraceSwitch tracing;
    /** For each vector, a bitmap of the pins whose entry holds it (EOIs find their pins without a scan). */
    private final long[] vectorPins;
    private final int vectorWords;

    private long delivered;
    private long maskedEdgesDropped;
    private long ignoredAccesses;
    private long stormDeferrals;

    /**
     * Creates an IO-APIC in its reset state (every entry masked).
     *
     * @param name for traces and diagnostics, e.g. {@code "ioapic0"}
     * @param model the profile
     * @param id initial IOAPICID: 0..15, 0..255 for the 8-bit profile and for Xen's vIO-APIC
     *     ({@link IoApicModel#maxInitialId()})
     * @param gsiBase first GSI of pin 0 (the MADT's global system interrupt base)
     * @param sink where interrupt messages go
     * @param clock virtual clock for the storm guard's deferral
     * @param trace where events are reported
     */
    public IoApic(final String name, final IoApicModel model, final int id, final int gsiBase,
                  final InterruptSink sink, final VirtualClock clock, final HwTrace trace) {
        if (id < 0 || id > model.maxInitialId()) {
            throw new IllegalArgumentException("IO-APIC id " + id + " does not fit in "
                + Integer.bitCount(model.maxInitialId()) + " bits");
        }
        if (gsiBase < 0) {
            throw new IllegalArgumentException("negative GSI base " + gsiBase);
        }
        this.name = name;
        this.model = model;
        this.gsiBase = gsiBase;
        this.sink = sink;
        this.trace = trace;
        this.rte = new long[model.pins()];
        this.inputHigh = new boolean[model.pins()];
        this.successiveEois = new int[model.pins()];
        this.stormTimers = new Timer[model.pins()];
        for (int pin = 0; pin < stormTimers.length; pin++) {
            final int p = pin;
            stormTimers[pin] = clock.newTimer(name + ".storm" + pin, () -> stormTimerFired(p));
        }
        this.tracing = trace.traceSwitch();
        final boolean xen = model.xenAccessDecode();
        this.keptOnLowWrite = xen ? Rte.REMOTE_IRR : Rte.RO_BITS;
        this.xenGsi0Pin = xen && gsiBase == 0 ? 0 : -1;
        this.sentModes = xen ? (1 << Rte.DM_FIXED) | (1 << Rte.DM_LOWEST_PRIORITY) | (1 << Rte.DM_NMI) : 0xFF;
        this.mmio = new IoApicMmio(this, model, id);
        this.vectorWords = (model.pins() + 63) >>> 6;
        this.vectorPins = new long[256 * vectorWords];
        reset();
    }

    /**
     * Sets the hypervisor's hooks (a virtual IO-APIC); a physical one keeps {@link IoApicHooks#NONE}.
     *
     * @param hooks the hooks
     */
    public void setHooks(final IoApicHooks hooks) {
        this.hooks = hooks == null ? IoApicHooks.NONE : hooks;
    }

    /** Resets the registers: every entry masked, IOREGSEL 0, the initial ID. Input levels are kept (they belong to the wires). */
    public void reset() {
        java.util.Arrays.fill(vectorPins, 0);
        for (int pin = 0; pin < rte.length; pin++) {
            rte[pin] = Rte.RESET;
            vectorPins[Rte.vector(Rte.RESET) * vectorWords + (pin >>> 6)] |= 1L << pin;
            successiveEois[pin] = 0;
            stormTimers[pin].cancel();
        }
        mmio.reset();
    }

    // ---------------------------------------------------------------- MMIO

    @Override
    public int acceptedSizes() {
        return ACCESS_ANY;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long read(final long offset, final int size) {
        return mmio.read(offset, size);
    }

    @Override
    public void write(final long offset, final int size, final long value) {
        mmio.write(offset, size, value);
    }

    /** A guest access with no effect: counted and traced ({@link HwEvent#IOAPIC_IGNORED_ACCESS}). */
    void ignored(final long offsetAndIndex, final long sizeAndWrite, final long value) {
        ignoredAccesses++;
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.IOAPIC_IGNORED_ACCESS, offsetAndIndex, sizeAndWrite, value);
        }
    }

    // ---------------------------------------------------------------- indirect registers

    /**
     * Reads an indirect register, as IOWIN would after IOREGSEL = {@code index}.
     *
     * @param index register index (the full IOREGSEL value)
     * @return the 32-bit register value; 0 for reserved indexes
     */
    public int readIndirect(final int index) {
        return mmio.readIndirect(index);
    }

    /**
     * Writes an indirect register, as IOWIN would after IOREGSEL = {@code index}.
     *
     * @param index register index (the full IOREGSEL value)
     * @param value the 32-bit value
     */
    public void writeIndirect(final int index, final int value) {
        mmio.writeIndirect(index, value);
    }

    /**
     * A redirection-table dword write: QEMU {@code ioapic_mem_write} (read-only bits restored,
     * {@code ioapic_fix_edge_remote_irr}, {@code ioapic_service}); for the Xen profile
     * {@code vioapic_write_redirent} ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}, same at
     * {@code RELEASE-4.18.0}): a low-dword write keeps Remote IRR and clears delivery status, and
     * GSI 0 neither loses Remote IRR on edge nor is re-delivered.
     *
     * <p>Called by the register decode with the pin IOREGSEL selected ({@link IoApicMmio}).
     */
    void writeRedirent(final int pin, final boolean topWord, final int value) {
        final long old = rte[pin];
        long entry;
        if (topWord) {
            entry = (old & 0xFFFF_FFFFL) | ((value & 0xFFFF_FFFFL) << 32);
        } else {
            entry = (old & 0xFFFF_FFFF_0000_0000L) | (value & 0xFFFF_FFFFL);
            entry = (entry & ~Rte.RO_BITS) | (old & keptOnLowWrite);
        }
        final boolean xenGsi0 = pin == xenGsi0Pin;
        if (!Rte.isLevel(entry) && !xenGsi0) {
            entry &= ~Rte.REMOTE_IRR;
        }
        rte[pin] = entry;
        if (Rte.vector(entry) != Rte.vector(old)) {
            moveVector(pin, Rte.vector(old), Rte.vector(entry));
        }
        successiveEois[pin] = 0;
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.IOAPIC_RTE_WRITE, traceId(pin), old, entry);
        }
        if (!xenGsi0) {
            serviceLevel(pin);
        }
        hooks.rteWritten(this, pin, old, entry, topWord);
    }

    /** Moves a pin from one vector's bitmap to another's (the entry's vector changed). */
    private void moveVector(final int pin, final int from, final int to) {
        vectorPins[from * vectorWords + (pin >>> 6)] &= ~(1L << pin);
        vectorPins[to * vectorWords + (pin >>> 6)] |= 1L << pin;
    }

    // ---------------------------------------------------------------- inputs and delivery

    /**
     * Drives a pin's input. With electrical inputs {@code high} is the electrical level and the
     * entry's polarity decides whether that is asserted; with logical inputs {@code high} means
     * asserted.
     *
     * @param pin the pin
     * @param high the new level
     */
    public void setInput(final int pin, final boolean high) {
        if (inputHigh[pin] == high) {
            return;
        }
        final boolean was = isAsserted(pin);
        inputHigh[pin] = high;
        final boolean now = isAsserted(pin);
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.IOAPIC_PIN_LEVEL, traceId(pin), high ? 1 : 0, now ? 1 : 0);
        }
        if (was == now || !now) {
            return;
        }
        positiveEdge(pin); // the input has just become asserted
    }

    /**
     * Sets a pin's input level without acting on the change: no delivery, no masked-edge count.
     * Xen's vIO-APIC reads {@code gsi_assert_count} when an entry is written or EOI'd
     * ({@code vioapic_write_redirent}, {@code vioapic_update_EOI},
     * {@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}), and the count goes up even when
     * {@code assert_gsi} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.20.0}) sends the assertion to a
     * pirq event instead of {@code vioapic_irq_positive_edge}: this is that count's level.
     *
     * @param pin the pin
     * @param high the new level
     */
    public void setInputWithoutEdge(final int pin, final boolean high) {
        if (inputHigh[pin] == high) {
            return;
        }
        inputHigh[pin] = high;
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.IOAPIC_PIN_LEVEL, traceId(pin), high ? 1 : 0, isAsserted(pin) ? 1 : 0);
        }
    }

    /**
     * A rising edge on an asserted input: what {@link #setInput} does when the input becomes
     * asserted, and Xen's {@code vioapic_irq_positive_edge}
     * ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}) on its own, for an assertion that changes
     * no input level (the hardware domain's edge GSI, {@code hvm_gsi_assert}, which sends an edge
     * whatever {@code gsi_assert_count} is). Masked: nothing (an edge entry's edge counted as
     * dropped: the 82093AA ignores it rather than holding it pending); edge: delivered; level:
     * delivered unless Remote IRR is set.
     *
     * @param pin the pin
     */
    public void positiveEdge(final int pin) {
        final long entry = rte[pin];
        if (Rte.isMasked(entry)) {
            if (!Rte.isLevel(entry)) {
                maskedEdgesDropped++;
                if (TraceSwitch.on(tracing)) {
                    trace.event(HwEvent.IOAPIC_MASKED_EDGE, traceId(pin), entry, 0);
                }
            }
            return;
        }
        if (!Rte.isLevel(entry) || !Rte.remoteIrr(entry)) {
            deliver(pin);
        }
    }

    /**
     * @param pin the pin
     * @return the input level last driven (electrical, or logical for a logical-input model)
     */
    public boolean input(final int pin) {
        return inputHigh[pin];
    }

    /**
     * @param pin the pin
     * @return whether the pin's input counts as asserted under its entry's polarity
     */
    public boolean isAsserted(final int pin) {
        final boolean high = inputHigh[pin];
        return model.electricalInputs() && Rte.isActiveLow(rte[pin]) ? !high : high;
    }

    private void serviceLevel(final int pin) {
        if (levelReady(pin)) {
            deliver(pin);
        }
    }

    /** A level entry is delivered while asserted, unmasked and not waiting for an EOI. */
    private boolean levelReady(final int pin) {
        final long entry = rte[pin];
        return Rte.isLevel(entry) && !Rte.isMasked(entry) && !Rte.remoteIrr(entry) && isAsserted(pin);
    }

    /**
     * Sends the pin's message. Hardware, QEMU ({@code ioapic_service}) and KVM set Remote IRR for
     * a level message a LAPIC accepted; Xen ({@code vioapic_irq_positive_edge},
     * {@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}) sets it for every level entry before
     * {@code vioapic_deliver}, whether or not a vLAPIC takes the message. Xen's
     * {@code vioapic_deliver} ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}, same at
     * {@code RELEASE-4.18.0}) sends only fixed, lowest priority and NMI: SMI, INIT, ExtINT and the
     * reserved encodings reach nobody (accepted 0, still counted and traced as a delivery).
     */
    private void deliver(final int pin) {
        long entry = rte[pin];
        final int mode = Rte.deliveryMode(entry);
        // SMI, NMI, INIT and ExtINT are edge-only: the trigger bit does not apply to them
        final boolean level = Rte.isLevel(entry) && (mode == Rte.DM_FIXED || mode == Rte.DM_LOWEST_PRIORITY);
        if (model.xenAccessDecode() && Rte.isLevel(entry)) {
            entry |= Rte.REMOTE_IRR;
            rte[pin] = entry;
        }
        final int accepted = (sentModes >>> mode & 1) == 0 ? 0
            : sink.sendInterrupt(Rte.vector(entry), mode, Rte.isLogical(entry), Rte.destination(entry), level);
        if (level && accepted > 0) {
            rte[pin] = entry | Rte.REMOTE_IRR;
        }
        delivered++;
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.IOAPIC_DELIVER, traceId(pin), rte[pin], accepted);
        }
    }

    /**
     * An EOI message for {@code vector}: from the APIC bus (a LAPIC's broadcast) or the EOI
     * register. Clears Remote IRR on every entry with that vector and re-delivers level lines that
     * are still asserted and unmasked.
     *
     * @param vector the vector
     */
    @Override
    public void eoi(final int vector) {
        final int base = (vector & 0xFF) * vectorWords;
        for (int w = 0; w < vectorWords; w++) {
            long bits = vectorPins[base + w];
            while (bits != 0) {
                final int pin = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                // re-checked: a hook run for an earlier pin may have reprogrammed this one
                if (Rte.vector(rte[pin]) == vector) {
                    eoiPin(pin, vector);
                }
            }
        }
    }

    private void eoiPin(final int pin, final int vector) {
        final long entry = rte[pin];
        rte[pin] = entry & ~Rte.REMOTE_IRR;
        hooks.eoiReceived(this, pin, entry);
        final boolean again = levelReady(pin);
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.IOAPIC_EOI, traceId(pin), vector, again ? 1 : 0);
        }
        if (!again) {
            successiveEois[pin] = 0;
            return;
        }
        if (model.hasStormGuard() && ++successiveEois[pin] >= STORM_MAX_SUCCESSIVE) {
            deferStorm(pin, vector);
        } else {
            deliver(pin);
        }
    }

    /**
     * QEMU {@code ioapic_eoi_broadcast} / KVM {@code kvm_ioapic_update_eoi_one}: defer, no delivery
     * status. Kept out of {@link #eoiPin} so the EOI path stays small enough to inline.
     */
    private void deferStorm(final int pin, final int vector) {
        successiveEois[pin] = 0;
        stormDeferrals++;
        stormTimers[pin].armAfter(STORM_DEFER_NS);
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.IOAPIC_STORM_DEFER, traceId(pin), vector, STORM_DEFER_NS);
        }
    }

    /** QEMU {@code delayed_ioapic_service_cb}, KVM {@code kvm_ioapic_eoi_inject_work}: service the pin again. */
    private void stormTimerFired(final int pin) {
        serviceLevel(pin);
    }

    private long traceId(final int pin) {
        return ((long) mmio.id() << 8) | pin;
    }

    // ---------------------------------------------------------------- host-side view

    /**
     * The redirection entry as stored (not a guest access: no side effects).
     *
     * @param pin the pin
     * @return the raw 64-bit entry
     */
    public long rte(final int pin) {
        return rte[pin];
    }

    /**
     * The redirection table itself, not a copy: {@link IoApicMmio} reads IOWIN straight from it.
     * Entries change only in this class.
     */
    long[] redirectionTable() {
        return rte;
    }


    /** @return the profile */
    public IoApicModel model() {
        return model;
    }

    /** @return the number of pins */
    public int pins() {
        return rte.length;
    }

    /**
     * @return the current ID: the one the IO-APIC was created with until IOAPICID is written, then
     *     the bits written; IOAPICID reads back its {@link IoApicModel#idBits()} low bits. For Xen's
     *     vIO-APIC the ID may be wider than the register, as {@code vioapic->id} is, which
     *     {@code pvh_setup_acpi_madt} puts in a PVH hardware domain's MADT
     */
    public int id() {
        return mmio.id();
    }

    /** @return the GSI of pin 0 */
    public int gsiBase() {
        return gsiBase;
    }

    /**
     * A GSI-indexed table of IO-APICs: entry {@code g} is the one with a pin for GSI {@code g},
     * {@code null} where none has. Built once per added IO-APIC so that a lookup on an interrupt
     * path is one array load rather than a scan of the list.
     *
     * @param ioapics IO-APICs with disjoint GSI ranges
     * @return the table, as long as the highest GSI + 1
     */
    public static IoApic[] byGsi(final List<IoApic> ioapics) {
        int n = 0;
        for (final IoApic io : ioapics) {
            n = Math.max(n, io.gsiBase + io.rte.length);
        }
        final IoApic[] table = new IoApic[n];
        for (final IoApic io : ioapics) {
            for (int pin = 0; pin < io.rte.length; pin++) {
                if (table[io.gsiBase + pin] == null) {
                    table[io.gsiBase + pin] = io;
                }
            }
        }
        return table;
    }

    /**
     * @param gsi a global system interrupt
     * @return whether this IO-APIC has a pin for it
     */
    public boolean handlesGsi(final int gsi) {
        return gsi >= gsiBase && gsi < gsiBase + rte.length;
    }

    /** @return the IOREGSEL value as stored */
    public int ioregsel() {
        return mmio.ioregsel();
    }

    /** @return interrupt messages sent */
    public long deliveredCount() {
        return delivered;
    }

    /** @return edges dropped because the pin was masked */
    public long maskedEdgesDropped() {
        return maskedEdgesDropped;
    }

    /** @return guest accesses that had no effect (reserved offsets and indexes, read-only registers) */
    public long ignoredAccesses() {
        return ignoredAccesses;
    }

    /** @return re-deliveries the storm guard deferred */
    public long stormDeferrals() {
        return stormDeferrals;
    }

    @Override
    public String toString() {
        return String.format("%s[id=%d v0x%x pins=%d gsi=%d..%d]", name, mmio.id(), model.version(),
            rte.length, gsiBase, gsiBase + rte.length - 1);
    }
}
