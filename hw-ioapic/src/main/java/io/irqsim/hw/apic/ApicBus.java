package io.irqsim.hw.apic;

import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.trace.TraceSwitch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The APIC bus (system bus messages on P6 and later) connecting interrupt sources to local APICs:
 * IO-APIC messages, MSI writes and IPIs go to the LAPICs the destination selects, and a LAPIC's
 * EOI message goes to every {@link EoiListener} (every IO-APIC), as QEMU's
 * {@code ioapic_eoi_broadcast} and crosvm's {@code ApicBusMsg::Eoi} do. The same class serves a
 * domain's virtual LAPICs.
 *
 * <p>Lowest-priority delivery picks, among the addressed enabled LAPICs, the one with the lowest
 * processor priority; ties rotate, starting after the previous winner (deterministic; the first
 * pick starts at the first LAPIC attached unless {@link #startLowestPriorityAfter} says otherwise).
 *
 * <p>Delivery and EOI paths allocate nothing.
 */
public final class ApicBus implements InterruptSink, EoiBroadcast, IpiSink {

    /** MSI address window: 0xFEExxxxx (Intel SDM "Message Address Register Format"). */
    public static final long MSI_ADDRESS_BASE = 0xFEE00000L;

    private final HwTrace trace;
    /** {@code trace}'s switch, tested before each event so a disabled trace costs a field load, not an interface call. */
    private final TraceSwitch tracing;
    private LocalApic[] lapics = new LocalApic[0];
    private EoiListener[] eoiListeners = new EoiListener[0];
    private int lowestPriorityCursor;
    private long undeliverable;

    /** @param trace where bus events are reported */
    public ApicBus(final HwTrace trace) {
        this.trace = trace;
        this.tracing = trace.traceSwitch();
    }

    /**
     * Makes the next lowest-priority pick start its walk after the LAPIC attached {@code index}th
     * (0-based), as if that one had won the previous pick. A new bus starts at the first LAPIC; a
     * Xen domain's starts after vCPU 0 ({@code vlapic_lowest_prio},
     * {@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0}: the walk begins at the vCPU after
     * {@code round_robin_prev_vcpu}, which is 0 when the domain is created).
     *
     * @param index a LAPIC's attach order, at least 0
     * @throws IllegalArgumentException if {@code index} is negative
     */
    public void startLowestPriorityAfter(final int index) {
        if (index < 0) {
            throw new IllegalArgumentException("negative LAPIC index " + index);
        }
        lowestPriorityCursor = index + 1;
    }

    /**
     * Attaches a LAPIC and connects its EOI and IPI outputs to this bus.
     *
     * @param lapic the LAPIC
     */
    public void attach(final LocalApic lapic) {
        for (final LocalApic other : lapics) {
            if (other.apicId() == lapic.apicId()) {
                throw new IllegalArgumentException("APIC id " + lapic.apicId() + " is already on the bus (cpu "
                    + other.cpu() + ")");
            }
        }
        lapics = Arrays.copyOf(lapics, lapics.length + 1);
        lapics[lapics.length - 1] = lapic;
        lapic.connect(this, this);
    }

    /**
     * Adds a receiver of EOI messages (an IO-APIC, or a hypervisor's EOI hook).
     *
     * @param listener the listener
     */
    public void addEoiListener(final EoiListener listener) {
        eoiListeners = Arrays.copyOf(eoiListeners, eoiListeners.length + 1);
        eoiListeners[eoiListeners.length - 1] = listener;
    }

    /** @return the attached LAPICs, in attach order */
    public List<LocalApic> lapics() {
        return new ArrayList<>(Arrays.asList(lapics));
    }

    /**
     * @param cpu CPU index
     * @return the LAPIC attached with that CPU index, or {@code null}
     */
    public LocalApic lapic(final int cpu) {
        for (final LocalApic l : lapics) {
            if (l.cpu() == cpu) {
                return l;
            }
        }
        return null;
    }

    /** @return messages no LAPIC accepted */
    public long undeliverableCount() {
        return undeliverable;
    }

    @Override
    public int sendInterrupt(final int vector, final int deliveryMode, final boolean logical,
                             final int destination, final boolean level) {
        final int n;
        if (deliveryMode == Rte.DM_LOWEST_PRIORITY) {
            n = deliverLowestPriority(null, vector, logical, destination, level);
        } else {
            n = deliverToAll(null, vector, deliveryMode, logical, destination, level);
        }
        if (n == 0) {
            undeliverable++;
            if (TraceSwitch.on(tracing)) {
                trace.event(HwEvent.APIC_BUS_NO_TARGET, destination, (vector & 0xFF) | (deliveryMode << 8), logical ? 1 : 0);
            }
        }
        return n;
    }

    @Override
    public int sendIpi(final LocalApic from, final int vector, final int deliveryMode, final boolean logical,
                       final int destination, final int shorthand) {
        switch (shorthand) {
            case SHORTHAND_ALL:
            case SHORTHAND_ALL_BUT_SELF: {
                final LocalApic except = shorthand == SHORTHAND_ALL ? null : from;
                // lowest priority picks one of them, as Xen's vlapic_lowest_prio and KVM's
                // kvm_irq_delivery_to_apic do with a shorthand
                return deliveryMode == Rte.DM_LOWEST_PRIORITY
                    ? deliverLowestPriority(except, vector, false, 0xFF, false)
                    : deliverToAll(except, vector, deliveryMode, false, 0xFF, false);
            }
            default:
                return sendInterrupt(vector, deliveryMode, logical, destination, false);
        }
    }

    /**
     * Decodes an MSI write (Intel SDM "Message Signalled Interrupts"): address bits 19:12
     * destination, bit 2 destination mode, bit 3 redirection hint; data bits 7:0 vector, 10:8
     * delivery mode, 15 trigger mode. A write outside 0xFEExxxxx delivers nothing.
     *
     * @param address MSI address
     * @param data MSI data
     * @return how many LAPICs accepted it
     */
    public int sendMsi(final long address, final int data) {
        if ((address & 0xFFF0_0000L) != MSI_ADDRESS_BASE) {
            if (TraceSwitch.on(tracing)) {
                trace.event(HwEvent.APIC_BUS_MSI, address, data & 0xFFFF_FFFFL, 0);
            }
            undeliverable++;
            return 0;
        }
        return deliverMsi(address, data);
    }

    /**
     * Delivers an MSI from its destination (address bits 19:12), destination mode (bit 2) and data
     * fields alone, whatever the address's other bits: what a hypervisor injecting a message into its
     * guest's virtual LAPICs does (Xen's {@code hvm_inject_msi},
     * {@code xen/arch/x86/hvm/irq.c@RELEASE-4.20.0}, reads no other address bits).
     *
     * @param address MSI address
     * @param data MSI data
     * @return how many LAPICs accepted it
     */
    public int deliverMsi(final long address, final int data) {
        final int destination = (int) (address >>> 12) & 0xFF;
        final boolean logical = (address & 4) != 0;
        final int vector = data & 0xFF;
        final int mode = (data >>> 8) & 7;
        final boolean level = (data & (1 << 15)) != 0;
        final int n = sendInterrupt(vector, mode, logical, destination, level);
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.APIC_BUS_MSI, address, data & 0xFFFF_FFFFL, n);
        }
        return n;
    }

    @Override
    public void broadcastEoi(final int vector) {
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.APIC_BUS_EOI, vector, 0, 0);
        }
        final EoiListener[] ls = eoiListeners;
        for (int i = 0; i < ls.length; i++) {
            ls[i].eoi(vector);
        }
    }

    /**
     * Whether a lowest-priority message to this destination has a target: some attached LAPIC that
     * is software-enabled and addressed, which is when Xen's {@code vlapic_lowest_prio}
     * ({@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0}) returns one. The target may still refuse
     * the vector (below 16), which is not the same as having none.
     *
     * @param logical logical destination mode
     * @param destination destination field
     * @return whether an enabled LAPIC is addressed
     */
    public boolean hasEnabledTarget(final boolean logical, final int destination) {
        for (final LocalApic l : lapics) {
            if (lowestPriorityCandidate(l, null, logical, destination)) {
                return true;
            }
        }
        return false;
    }

    /** A LAPIC {@code vlapic_lowest_prio} may pick: not the excluded one, software-enabled, addressed. */
    private boolean lowestPriorityCandidate(final LocalApic l, final LocalApic except, final boolean logical,
                                            final int destination) {
        return l != except && l.isSoftwareEnabled() && addressed(l, logical, destination);
    }

    private boolean addressed(final LocalApic l, final boolean logical, final int destination) {
        return logical ? l.matchesLogical(destination) : l.matchesPhysical(destination);
    }

    private int deliverToAll(final LocalApic except, final int vector, final int mode, final boolean logical,
                             final int destination, final boolean level) {
        int n = 0;
        final LocalApic[] ls = lapics;
        for (int i = 0; i < ls.length; i++) {
            final LocalApic l = ls[i];
            if (l != except && addressed(l, logical, destination) && l.accept(vector, mode, level)) {
                n++;
            }
        }
        return n;
    }

    private int deliverLowestPriority(final LocalApic except, final int vector, final boolean logical,
                                      final int destination, final boolean level) {
        final LocalApic best = pickLowestPriority(except, logical, destination);
        return best != null && best.accept(vector, Rte.DM_LOWEST_PRIORITY, level) ? 1 : 0;
    }

    /**
     * The round-robin pick of a lowest-priority message ({@code vlapic_lowest_prio},
     * {@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0}): the candidate with the lowest PPR, the
     * search starting after the last one picked, which the pick then becomes.
     *
     * @param except a LAPIC that may not be picked (all but self), or {@code null}
     * @return the LAPIC picked, or {@code null} (the cursor does not move)
     */
    private LocalApic pickLowestPriority(final LocalApic except, final boolean logical, final int destination) {
        final LocalApic[] ls = lapics;
        final int count = ls.length;
        LocalApic best = null;
        int bestIndex = -1;
        int bestPpr = Integer.MAX_VALUE;
        for (int k = 0; k < count; k++) {
            final int i = (lowestPriorityCursor + k) % count;
            final LocalApic l = ls[i];
            if (!lowestPriorityCandidate(l, except, logical, destination)) {
                continue;
            }
            final int ppr = l.ppr();
            if (ppr < bestPpr) {
                best = l;
                bestIndex = i;
                bestPpr = ppr;
            }
        }
        if (best != null) {
            lowestPriorityCursor = (bestIndex + 1) % count;
        }
        return best;
    }

    /**
     * {@code vlapic_ipi}'s lowest-priority case picks its target ({@code vlapic_lowest_prio}, which
     * moves the round-robin cursor) before it looks at the vector, so an IPI refused for a vector
     * below 16 ({@code APIC_ESR_SENDILL}) still moves the cursor.
     */
    @Override
    public void pickLowestPriority(final LocalApic from, final boolean logical, final int destination,
                                   final int shorthand) {
        switch (shorthand) {
            case SHORTHAND_SELF -> {
                // the sender is the only candidate: picked, if enabled, and the cursor moves past it
                final int i = java.util.Arrays.asList(lapics).indexOf(from);
                if (i >= 0 && from.isSoftwareEnabled()) {
                    lowestPriorityCursor = (i + 1) % lapics.length;
                }
            }
            case SHORTHAND_ALL -> pickLowestPriority(null, false, 0xFF);
            case SHORTHAND_ALL_BUT_SELF -> pickLowestPriority(from, false, 0xFF);
            default -> pickLowestPriority(null, logical, destination);
        }
    }
}
