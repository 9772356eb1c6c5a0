package io.irqsim.hw.apic;

import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.trace.TraceSwitch;

import static io.irqsim.hw.apic.LocalApicRegisters.*;

/**
 * A local APIC in xAPIC mode (Intel SDM vol. 3, "Advanced Programmable Interrupt Controller"),
 * used for physical CPUs and for every domain's virtual CPUs alike.
 *
 * <ul>
 *   <li><b>Accept</b> ({@link #accept}): a fixed or lowest-priority message with a vector of 16 or
 *       more sets IRR and sets (level) or clears (edge) TMR, SDM "TMR"; vectors 0..15 are dropped
 *       with ESR bit 6 (Xen {@code vlapic_set_irq}), which an unmasked LVTERR entry raises as its
 *       vector ({@code vlapic_error}); a software-disabled LAPIC refuses fixed and
 *       lowest-priority messages (KVM {@code __apic_accept_irq}, Xen {@code vioapic_deliver}). NMI, SMI,
 *       INIT and ExtINT bypass IRR/ISR. A pending NMI is one flag: a second NMI while one is pending is
 *       absorbed (Xen's {@code nmi_pending}; Intel SDM "Handling Multiple NMIs"); SMI, INIT and ExtINT
 *       are counted as pending.</li>
 *   <li><b>Acknowledge</b> ({@link #acknowledge}): the CPU's INTA cycle. A pending ExtINT takes the
 *       vector from the legacy PIC; otherwise the highest IRR vector whose priority class is above
 *       PPR's moves to ISR. If IRR holds only vectors PPR blocks, the spurious vector is returned
 *       and nothing moves (SDM "Spurious Interrupt").</li>
 *   <li><b>EOI</b> (write to 0xB0, any value): clears the highest ISR bit; if that vector's TMR
 *       bit is set and SVR bit 12 is clear, an EOI message goes out through the
 *       {@link EoiBroadcast} (never to an IO-APIC directly). An EOI with ISR empty does nothing
 *       (KVM {@code apic_set_eoi}). SVR bit 12 is writable only when the version register
 *       advertises directed EOI (bit 24), as in KVM.</li>
 *   <li><b>PPR</b> = TPR if TPR[7:4] &ge; ISRV[7:4], else ISRV &amp; 0xF0 (SDM "Processor Priority Register").</li>
 * </ul>
 *
 * <h2>MMIO</h2>
 * Reads return the addressed bytes of the 32-bit register in the first four bytes of each 16-byte
 * slot; bytes 4..15 of a slot and unknown registers read 0. A 4-byte write at a 16-byte-aligned
 * offset writes the register; what other sizes do is the {@link LocalApicModel}'s: a physical LAPIC
 * takes 1-, 2- and 4-byte accesses and ignores narrower writes (KVM {@code apic_mmio_write}), Xen's
 * vLAPIC takes every size and merges a 1- or 2-byte write into its register. Reading EOI returns 0.
 * ICR writes send fixed, lowest-priority, NMI and INIT IPIs on the bus (lowest priority with a
 * shorthand to one of the LAPICs it names; one refused for a vector below 16 still moves the bus's
 * round-robin cursor on a Xen vLAPIC, {@link LocalApicModel#picksBeforeVectorCheck}); the timer
 * registers are stored (the initial count only in one-shot and periodic mode) but the timer does
 * not count.
 *
 * <p>Not thread-safe; the EOI, accept and acknowledge paths allocate nothing.
 */
public final class LocalApic implements MmioDevice {

    /** {@link #acknowledge()} result when nothing is pending. */
    public static final int NO_INTERRUPT = -1;

    /** Supplies the vector of an ExtINT interrupt (the legacy 8259 PIC's INTA answer). */
    @FunctionalInterface
    public interface ExtIntSource {
        /** A PIC nobody programmed: IRQ0's vector after the BIOS default ICW2 of 0x08. */
        ExtIntSource DEFAULT = () -> 0x08;

        /** @return the vector the PIC supplies */
        int acknowledge();
    }

    /** Told when an interrupt becomes deliverable to the CPU (the INTR line rising). */
    @FunctionalInterface
    public interface InterruptListener {
        /** Ignores every notification. */
        InterruptListener NONE = apic -> { };

        /** @param apic the LAPIC with a deliverable interrupt */
        void interruptPending(LocalApic apic);
    }

    private final int cpu;
    private final int initialApicId;
    final boolean directedEoiSupported;
    private final HwTrace trace;
    /** {@code trace}'s switch, tested before each event so a disabled trace costs a field load, not an interface call. */
    private final TraceSwitch tracing;
    private EoiBroadcast eoiBroadcast = EoiBroadcast.NONE;
    private IpiSink ipiSink = IpiSink.NONE;
    private ExtIntSource extIntSource = ExtIntSource.DEFAULT;
    private InterruptListener listener = InterruptListener.NONE;

    /** IRR, ISR and TMR, with the highest IRR/ISR vector tracked (no bitmap scans on the hot path). */
    final ApicVectors vectors = new ApicVectors();
    /** The MMIO page: access decode, register dispatch, LVT, ICR and timer registers. */
    private final LocalApicPage page;

    // registers the page reads, and stores where a write has no other effect (ID, LDR, DFR)
    int apicId;
    int tpr;
    int ldr;
    int dfr;
    int svr;

    /** NMI (one flag, Xen's {@code nmi_pending}), SMI, INIT and ExtINT: what bypasses IRR/ISR. */
    private final ApicNonVectored nonVectored = new ApicNonVectored();

    private long accepted;
    private long acknowledged;
    private long eois;
    private long eoiBroadcasts;
    private long spurious;

    /**
     * Creates a LAPIC in its power-up state: software-disabled (SVR 0xFF), LVTs masked, IRR/ISR/TMR clear.
     *
     * @param cpu CPU index (for traces)
     * @param apicId APIC ID (0..255)
     * @param directedEoiSupported whether the version register advertises EOI-broadcast suppression
     * @param trace where events are reported
     */
    public LocalApic(final int cpu, final int apicId, final boolean directedEoiSupported, final HwTrace trace) {
        this(cpu, apicId, directedEoiSupported, trace, LocalApicModel.PHYSICAL);
    }

    /**
     * Creates a LAPIC of the given model in its power-up state.
     *
     * @param cpu CPU index (for traces)
     * @param apicId APIC ID (0..255)
     * @param directedEoiSupported whether the version register advertises EOI-broadcast suppression
     * @param trace where events are reported
     * @param model a physical LAPIC or Xen's vLAPIC
     */
    public LocalApic(final int cpu, final int apicId, final boolean directedEoiSupported, final HwTrace trace,
                     final LocalApicModel model) {
        if (apicId < 0 || apicId > 0xFF) {
            throw new IllegalArgumentException("xAPIC id " + apicId + " does not fit in 8 bits");
        }
        this.cpu = cpu;
        this.initialApicId = apicId;
        this.directedEoiSupported = directedEoiSupported;
        this.page = new LocalApicPage(this, java.util.Objects.requireNonNull(model, "model"));
        this.trace = trace;
        this.tracing = trace.traceSwitch();
        reset();
    }

    /**
     * Connects the LAPIC to the bus it lives on.
     *
     * @param eoi where EOI messages go
     * @param ipi where IPIs (ICR writes) go
     */
    public void connect(final EoiBroadcast eoi, final IpiSink ipi) {
        this.eoiBroadcast = eoi;
        this.ipiSink = ipi;
    }

    /** @param source the legacy PIC answering ExtINT acknowledges */
    public void setExtIntSource(final ExtIntSource source) {
        this.extIntSource = source;
    }

    /** @param listener told when an interrupt becomes deliverable */
    public void setInterruptListener(final InterruptListener listener) {
        this.listener = listener == null ? InterruptListener.NONE : listener;
    }

    /** Power-up / INIT reset of every register (SDM "Local APIC State After Power-Up Reset"). */
    public void reset() {
        vectors.clear();
        page.reset();
        apicId = initialApicId;
        tpr = 0;
        ldr = 0;
        dfr = 0xFFFF_FFFF;
        svr = 0xFF;
        nonVectored.clear();
    }

    // ---------------------------------------------------------------- the message side

    /**
     * Accepts an interrupt message addressed to this LAPIC.
     *
     * @param vector vector, 0..255 (0..15 are the illegal-vector error for fixed delivery; any
     *     other value throws {@link IllegalArgumentException})
     * @param deliveryMode delivery mode (RTE encoding)
     * @param level level-triggered (sets TMR)
     * @return whether the message was accepted
     */
    public boolean accept(final int vector, final int deliveryMode, final boolean level) {
        if (deliveryMode != Rte.DM_FIXED && deliveryMode != Rte.DM_LOWEST_PRIORITY) {
            return acceptSpecial(vector, deliveryMode, level);
        }
        if (!isSoftwareEnabled()) {
            return false;
        }
        if (vector < 16 || vector > 0xFF) {
            return illegalVector(vector);
        }
        vectors.request(vector, level);
        accepted++;
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.LAPIC_ACCEPT, apicId, (vector & 0xFF) | (deliveryMode << 8), level ? 1 : 0);
        }
        if (pendingVector() >= 0) {
            listener.interruptPending(this);
        }
        return true;
    }

    /**
     * A fixed vector below 16: the SDM's "received illegal vector" error (ESR bit 6), the message
     * dropped. A value that is not 8 bits cannot be an interrupt message at all (every caller takes
     * the vector from an 8-bit field): the caller's bug, refused before it could alias another
     * vector's bit.
     */
    private boolean illegalVector(final int vector) {
        if ((vector & ~0xFF) != 0) {
            throw new IllegalArgumentException("vector " + vector + " does not fit the 8 bits of an interrupt message");
        }
        page.error(ESR_RECEIVE_ILLEGAL_VECTOR);
        return false;
    }

    /**
     * NMI, SMI, INIT and ExtINT, bypassing IRR/ISR ({@link ApicNonVectored}); reserved modes (011,
     * 110) refused, and SMI on a {@link LocalApicModel#XEN_VLAPIC} ({@code vlapic_accept_irq} ignores
     * it). Out of {@link #accept}'s fixed-vector path so that one stays small enough to inline.
     *
     * <p>NMI follows {@code vlapic_accept_irq}'s {@code APIC_DM_NMI} case and {@code vioapic_deliver}'s
     * {@code dest_NMI} case ({@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0},
     * {@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}): {@code test_and_set_bool(v->arch.nmi_pending)},
     * and the vCPU is kicked (here: the {@link InterruptListener} told) only when the flag was clear.
     * An NMI that finds one pending is absorbed: the message was taken (accepted, counted in
     * {@link #acceptedCount}, traced with {@link HwEvent#LAPIC_ACCEPT_NMI_ABSORBED}) but nothing changes.
     * A physical CPU behaves the same: it holds one NMI pending (Intel SDM vol. 3 "Handling Multiple
     * NMIs"). SMI, INIT and ExtINT are counted as pending.
     */
    private boolean acceptSpecial(final int vector, final int deliveryMode, final boolean level) {
        if (deliveryMode == Rte.DM_SMI && !page.model().acceptsSmi()) {
            return false;
        }
        final int result = nonVectored.accept(deliveryMode);
        if (result == ApicNonVectored.REFUSED) {
            return false;
        }
        accepted++;
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.LAPIC_ACCEPT, apicId, (vector & 0xFF) | (deliveryMode << 8),
                (level ? 1 : 0) | (result == ApicNonVectored.NMI_ABSORBED ? HwEvent.LAPIC_ACCEPT_NMI_ABSORBED : 0));
        }
        if (result == ApicNonVectored.NEWLY_PENDING) {
            listener.interruptPending(this);
        }
        return true;
    }

    /**
     * The CPU acknowledges the interrupt it is taking (INTA).
     *
     * @return the vector now in service, the spurious vector if PPR blocks every IRR vector, or
     *     {@link #NO_INTERRUPT} if IRR is empty and no ExtINT is pending
     */
    public int acknowledge() {
        if (nonVectored.takeExtInt()) {
            final int v = extIntSource.acknowledge() & 0xFF;
            acknowledged++;
            if (TraceSwitch.on(tracing)) {
                trace.event(HwEvent.LAPIC_ACK, apicId, v, 0);
            }
            return v;
        }
        final int highest = vectors.highestIrr();
        if (highest < 0) {
            return NO_INTERRUPT;
        }
        if ((highest & 0xF0) <= (ppr() & 0xF0)) {
            spurious++;
            final int v = svr & 0xFF;
            if (TraceSwitch.on(tracing)) {
                trace.event(HwEvent.LAPIC_ACK, apicId, v, 1);
            }
            return v;
        }
        return inService(highest);
    }

    /**
     * Takes the interrupt the CPU would take now, if any: the acknowledge of a CPU that only runs
     * its INTA cycle when the LAPIC raised INTR (no spurious vector, ExtINT not involved).
     *
     * @return the vector now in service, or {@link #NO_INTERRUPT} if no IRR vector is above PPR
     */
    public int acknowledgePending() {
        final int v = pendingVector();
        return v < 0 ? NO_INTERRUPT : inService(v);
    }

    private int inService(final int vector) {
        vectors.moveToService(vector);
        acknowledged++;
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.LAPIC_ACK, apicId, vector, 0);
        }
        return vector;
    }

    /**
     * Performs an EOI, as a write to the EOI register does.
     *
     * @return the vector retired, or -1 if ISR was empty
     */
    public int eoi() {
        final int vector = vectors.retireHighest();
        if (vector < 0) {
            if (TraceSwitch.on(tracing)) {
                trace.event(HwEvent.LAPIC_EOI, apicId, -1, 0);
            }
            return -1;
        }
        eois++;
        final boolean broadcast = vectors.tmr(vector) && !isEoiBroadcastSuppressed();
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.LAPIC_EOI, apicId, vector, broadcast ? 1 : 0);
        }
        if (broadcast) {
            eoiBroadcasts++;
            eoiBroadcast.broadcastEoi(vector);
        }
        if (pendingVector() >= 0) {
            listener.interruptPending(this);
        }
        return vector;
    }

    /**
     * Xen {@code vlapic_has_pending_irq} (xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0): nothing while
     * the LAPIC is software-disabled (IRR keeps its vectors), else the highest IRR vector whose
     * class is above PPR's.
     *
     * @return the highest IRR vector the CPU would take now, or -1
     */
    public int pendingVector() {
        final int highest = vectors.highestIrr();
        if (highest < 0 || (highest & 0xF0) <= (ppr() & 0xF0) || (svr & SVR_ENABLE) == 0) {
            return -1;
        }
        return highest;
    }

    /** @return the processor priority, SDM: TPR if TPR[7:4] &ge; ISRV[7:4], else ISRV[7:4]:0 */
    public int ppr() {
        final int isrv = Math.max(vectors.highestIsr(), 0);
        return (tpr & 0xF0) >= (isrv & 0xF0) ? tpr & 0xFF : isrv & 0xF0;
    }

    /**
     * Physical destination match.
     *
     * @param destination 8-bit physical destination; 0xFF is broadcast
     * @return whether this LAPIC is addressed
     */
    public boolean matchesPhysical(final int destination) {
        return destination == 0xFF || destination == apicId;
    }

    /**
     * Logical destination match under the DFR model (SDM "Logical Destination Mode"; Xen
     * {@code vlapic_match_logical_addr}, xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0): flat model
     * (DFR[31:28] = 0xF): MDA AND LDR[31:24] non-zero; cluster model (0x0): same cluster (bits 7:4)
     * and MDA[3:0] AND LDR[27:24] non-zero, cluster 0xF being broadcast on a
     * {@link LocalApicModel#PHYSICAL} LAPIC (an SDM rule Xen's vLAPIC does not have); any other model
     * (DFR[31:28] neither 0xF nor 0x0) matches nothing, as Xen's {@code default:} case.
     *
     * @param mda message destination address
     * @return whether this LAPIC is addressed
     */
    public boolean matchesLogical(final int mda) {
        final int logicalId = (ldr >>> 24) & 0xFF;
        if ((dfr >>> 28) == 0xF) {
            return (mda & logicalId) != 0;
        }
        if ((dfr >>> 28) != 0) {
            return false;
        }
        final int cluster = mda >>> 4;
        return (cluster == (logicalId >>> 4) || cluster == 0xF && page.model().clusterBroadcast())
            && (mda & logicalId & 0xF) != 0;
    }

    // ---------------------------------------------------------------- MMIO

    @Override
    public int acceptedSizes() {
        return page.acceptedSizes();
    }

    @Override
    public String name() {
        return "lapic" + cpu;
    }

    @Override
    public long read(final long offset, final int size) {
        return page.read(offset, size);
    }

    @Override
    public void write(final long offset, final int size, final long value) {
        page.write(offset, size, value);
    }

    /**
     * Reads a register by its offset (16-byte aligned).
     *
     * @param reg register offset
     * @return the 32-bit value; 0 for unknown offsets and write-only registers
     */
    public int readRegister(final int reg) {
        return page.readRegister(reg);
    }

    /**
     * Writes a register by its offset (16-byte aligned), as a 4-byte MMIO write would.
     *
     * @param reg register offset
     * @param value the 32-bit value
     */
    public void writeRegister(final int reg, final int value) {
        page.writeRegister(reg, value);
    }

    // ---------------------------------------------------------------- register effects (LocalApicPage)
    // The page reads the package-private register fields above and stores ID, LDR and DFR itself;
    // writes with an effect beyond the stored value come through these methods.

    /** A TPR write may unblock an IRR vector. */
    void writeTpr(final int value) {
        tpr = value;
        if (pendingVector() >= 0) {
            listener.interruptPending(this);
        }
    }

    void writeSvr(final int value) {
        int mask = 0xFF | SVR_ENABLE | SVR_FOCUS_DISABLED;
        if (directedEoiSupported) {
            mask |= SVR_SUPPRESS_EOI_BROADCAST;
        }
        final boolean wasEnabled = isSoftwareEnabled();
        svr = value & mask;
        if (!isSoftwareEnabled()) {
            page.maskLvts();
        } else if (!wasEnabled && pendingVector() >= 0) {
            // what IRR kept while the LAPIC was disabled is deliverable again (Xen: the next VM entry's
            // vlapic_has_pending_irq, xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0, sees it)
            listener.interruptPending(this);
        }
    }

    /** An ICR low write: the IPI it describes, or the send-illegal-vector error. */
    void sendIpi(final int icrLow, final int destination) {
        final int vector = icrLow & 0xFF;
        final int mode = (icrLow >>> 8) & 7;
        final boolean logical = (icrLow & (1 << 11)) != 0;
        final int shorthand = (icrLow >>> 18) & 3;
        if ((mode == Rte.DM_FIXED || mode == Rte.DM_LOWEST_PRIORITY) && vector < 16) {
            if (mode == Rte.DM_LOWEST_PRIORITY && page.model().picksBeforeVectorCheck()) {
                ipiSink.pickLowestPriority(this, logical, destination, shorthand);
            }
            page.error(ESR_SEND_ILLEGAL_VECTOR);
            return;
        }
        if (shorthand == IpiSink.SHORTHAND_SELF) {
            accept(vector, mode, false);
            return;
        }
        ipiSink.sendIpi(this, vector, mode, logical, destination, shorthand);
    }

    // ---------------------------------------------------------------- state queries

    /** @return the CPU index */
    public int cpu() {
        return cpu;
    }

    /** @return the current APIC ID */
    public int apicId() {
        return apicId;
    }

    /** @return whether SVR bit 8 (APIC software enable) is set */
    public boolean isSoftwareEnabled() {
        return (svr & SVR_ENABLE) != 0;
    }

    /** @return whether EOI broadcasts are suppressed (SVR bit 12) */
    public boolean isEoiBroadcastSuppressed() {
        return (svr & SVR_SUPPRESS_EOI_BROADCAST) != 0;
    }

    /** @param vector vector @return whether its IRR bit is set */
    public boolean irr(final int vector) {
        return vectors.irr(vector);
    }

    /** @param vector vector @return whether its ISR bit is set */
    public boolean isr(final int vector) {
        return vectors.isr(vector);
    }

    /** @param vector vector @return whether its TMR bit is set */
    public boolean tmr(final int vector) {
        return vectors.tmr(vector);
    }

    /** @return the highest in-service vector, or -1 */
    public int highestInService() {
        return vectors.highestIsr();
    }

    /** @return the task priority */
    public int tpr() {
        return tpr;
    }

    /** @return whether an NMI is pending (Xen's {@code v->arch.nmi_pending}) */
    public boolean isNmiPending() {
        return nonVectored.nmi();
    }

    /** @return pending SMIs */
    public int smiPending() {
        return nonVectored.smi();
    }

    /** @return pending INITs */
    public int initPending() {
        return nonVectored.init();
    }

    /** @return pending ExtINT acknowledges */
    public int extIntPending() {
        return nonVectored.extInt();
    }

    /**
     * Takes the pending NMI, as the CPU does when it services it: {@code hvm_vcpu_ack_pending_irq}'s
     * {@code test_and_clear_bool(v->arch.nmi_pending)} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.20.0}).
     *
     * @return whether one was pending
     */
    public boolean takeNmi() {
        return nonVectored.takeNmi();
    }

    /** @return messages accepted */
    public long acceptedCount() {
        return accepted;
    }

    /** @return interrupts acknowledged into ISR (or from the PIC) */
    public long acknowledgedCount() {
        return acknowledged;
    }

    /** @return EOIs that retired a vector */
    public long eoiCount() {
        return eois;
    }

    /** @return EOI messages broadcast */
    public long eoiBroadcastCount() {
        return eoiBroadcasts;
    }

    /** @return spurious vectors returned by acknowledge */
    public long spuriousCount() {
        return spurious;
    }
}
