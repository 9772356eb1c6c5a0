package io.irqsim.hv.debug;

import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.irq.HandlerType;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.passthrough.HvmIrqDpci;
import io.irqsim.hv.passthrough.PirqDpci;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;

import java.util.List;
import java.util.Locale;

/**
 * The interrupt state of a running machine as text, in the shape Xen and QEMU developers know:
 *
 * <ul>
 *   <li>the physical IO-APICs' redirection tables, as Xen's {@code __print_IO_APIC}
 *       (xen/arch/x86/io_apic.c, RELEASE-4.20.0; {@code xl debug-keys z}) prints them: one row
 *       per pin with mask, trigger, Remote IRR, polarity, delivery status, destination mode,
 *       delivery mode and vector;</li>
 *   <li>the physical LAPICs: TPR, PPR and the vectors set in IRR, ISR and TMR (the registers
 *       QEMU's {@code info lapic} monitor command shows);</li>
 *   <li>Xen's IRQ descriptors as {@code dump_irqs} (xen/arch/x86/irq.c, RELEASE-4.20.0;
 *       {@code xl debug-keys i}): irq, vector, handler type, in-flight count and the guests bound
 *       with their pirq ({@code d1: 16(-MM)}: evtchn pending, evtchn masked, pirq masked);</li>
 *   <li>per domain, labelled as the guest's own devices: its vIO-APIC entries ("d1 vIO-APIC"),
 *       each vCPU's vLAPIC, its pirq table (pirqs with a Xen irq, and an HVM guest's pirqs for
 *       emulated GSIs: an emulated device's INTx under {@code XENFEAT_hvm_pirqs}), and its passthrough bindings
 *       ({@code hvm_irq_dpci}: guest GSI, virtual device and INTx, pirq, dpci flags).</li>
 * </ul>
 *
 * Rows of masked, never-programmed IO-APIC pins are left out; the header says how many.
 */
public final class StateDump {

    private StateDump() {
    }

    /**
     * @param xen a booted hypervisor
     * @return its interrupt state, one section per table, lines ending in {@code \n}
     */
    public static String of(final Hypervisor xen) {
        final StringBuilder sb = new StringBuilder(4096);
        line(sb, "state at virtual time %d ns", xen.platform().clock().now());
        sb.append('\n');
        final List<IoApic> ioapics = xen.platform().ioapics();
        for (int i = 0; i < ioapics.size(); i++) {
            ioapic(sb, "", "physical IO-APIC " + i, ioapics.get(i));
        }
        for (int cpu = 0; cpu < xen.platform().cpuCount(); cpu++) {
            lapic(sb, "", "physical LAPIC of pCPU " + cpu, xen.platform().lapic(cpu));
        }
        irqDescs(sb, xen);
        for (final Domain d : xen.domains()) {
            domain(sb, d);
        }
        return sb.toString();
    }

    private static void ioapic(final StringBuilder sb, final String indent, final String title, final IoApic io) {
        int hidden = 0;
        final StringBuilder rows = new StringBuilder();
        for (int pin = 0; pin < io.pins(); pin++) {
            final long e = io.rte(pin);
            if (e == Rte.RESET && !io.isAsserted(pin)) {
                hidden++;
                continue;
            }
            line(rows, "%s %02x  %02x   %d   %d   %d   %d    %d    %d    %d    %02X  GSI %d%s", indent, pin,
                Rte.destination(e),
                Rte.isMasked(e) ? 1 : 0, Rte.isLevel(e) ? 1 : 0, Rte.remoteIrr(e) ? 1 : 0, Rte.isActiveLow(e) ? 1 : 0,
                Rte.isDeliveryPending(e) ? 1 : 0, Rte.isLogical(e) ? 1 : 0, Rte.deliveryMode(e), Rte.vector(e),
                io.gsiBase() + pin, io.isAsserted(pin) ? ", line asserted" : "");
        }
        line(sb, "%s%s (APIC id %d, GSI %d-%d, %d pins%s)", indent, title, io.id(), io.gsiBase(),
            io.gsiBase() + io.pins() - 1, io.pins(), hidden > 0 ? ", " + hidden + " masked and never programmed not shown" : "");
        line(sb, "%s NR Dst Msk Trg IRR Pol Stat DstM DelM Vec", indent);
        sb.append(rows).append('\n');
    }

    private static void lapic(final StringBuilder sb, final String indent, final String title, final LocalApic l) {
        line(sb, "%s%s: TPR 0x%02x PPR 0x%02x, %s", indent, title, l.tpr(), l.ppr(),
            l.isSoftwareEnabled() ? "software-enabled" : "software-disabled");
        line(sb, "%s  IRR %s", indent, vectors(l, 0));
        line(sb, "%s  ISR %s", indent, vectors(l, 1));
        line(sb, "%s  TMR %s", indent, vectors(l, 2));
        sb.append('\n');
    }

    private static String vectors(final LocalApic l, final int which) {
        final StringBuilder v = new StringBuilder();
        for (int vec = 0; vec < 256; vec++) {
            final boolean set = which == 0 ? l.irr(vec) : which == 1 ? l.isr(vec) : l.tmr(vec);
            if (set) {
                v.append(v.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "0x%02x", vec));
            }
        }
        return v.length() == 0 ? "(none)" : v.toString();
    }

    private static void irqDescs(final StringBuilder sb, final Hypervisor xen) {
        line(sb, "Xen IRQ descriptors (xl debug-keys i):");
        for (int irq = 0; irq < xen.irqDescs().nrIrqs(); irq++) {
            final IrqDesc d = xen.irqDescs().desc(irq);
            if (d == null || d.handler() == HandlerType.NONE) {
                continue;
            }
            final StringBuilder guests = new StringBuilder();
            for (int i = 0; i < d.nrGuests(); i++) {
                final Domain g = d.guest(i);
                final int pirq = g.pirqs().irqToPirq(irq);
                final Pirq p = pirq > 0 ? g.pirqs().get(pirq) : null;
                guests.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "d%d:%3d(%s)", g.id(), pirq,
                    guestFlags(g, p)));
            }
            line(sb, "   IRQ:%4d vec:%s %-15s %sstatus=%s %s", irq, d.vector() < 0 ? "--" : String.format(Locale.ROOT,
                "%02x", d.vector()), d.handler().label(), d.pin() < 0 ? "" : "pin " + d.ioapic() + ":" + d.pin() + " ",
                status(d),
                d.isGuest() ? String.format(Locale.ROOT, "in-flight=%d ack=%s %s", d.inFlight(), d.ackType(),
                    d.nrGuests() == 0 ? "no guest" : guests)
                    : d.xenHandler() != null ? d.xenHandler() + "()" : "mapped, unbound");
        }
        sb.append('\n');
    }

    /**
     * The three characters {@code dump_irqs} ({@code xen/arch/x86/irq.c@RELEASE-4.20.0}) prints in
     * brackets after a bound domain's pirq: the pending bit of the event channel bound to the pirq
     * ({@code P} or {@code -}), that channel's masked bit ({@code M} or {@code -}), and the pirq's own
     * {@code masked} flag ({@code M} while a guest EOI is outstanding, else {@code -}).
     *
     * <p>Xen reads the channel {@code pirq->evtchn} names; with none bound that is port 0, which is
     * reserved and so not usable ({@code evtchn_usable}, {@code xen/include/xen/event.h@RELEASE-4.20.0}):
     * {@code evtchn_is_pending} is then false and {@code evtchn_is_masked} true, so a pirq without an
     * event channel (an HVM guest's passthrough pirq, a PVH dom0's GSI) always shows {@code -M}.
     * A bound channel's masked bit is {@link Domain#isPirqEventMasked} ({@code evtchn_2l_is_masked}).
     *
     * @param d the bound domain
     * @param p its pirq for the irq, or {@code null}
     * @return the three characters
     */
    static String guestFlags(final Domain d, final Pirq p) {
        final boolean bound = p != null && p.isEvtchnBound();
        final char[] c = {
            bound && d.isPirqEventPending(p.pirq()) ? 'P' : '-',
            !bound || d.isPirqEventMasked(p.pirq()) ? 'M' : '-',
            p != null && p.isMasked() ? 'M' : '-',
        };
        return new String(c);
    }

    /**
     * The descriptor's status bits by name, as Xen's {@code dump_irqs} prints {@code desc->status}
     * ({@code IRQ_GUEST}, {@code IRQ_DISABLED}; irqsim adds {@code ratelimited} for a descriptor on
     * {@code irq_ratelimit_list}), or {@code -} for none.
     *
     * @param d the descriptor
     * @return the status words
     */
    public static String status(final IrqDesc d) {
        final StringBuilder s = new StringBuilder();
        if (d.isGuest()) {
            s.append("guest");
        }
        if (d.isDisabled()) {
            s.append(s.length() == 0 ? "" : ",").append("disabled");
        }
        if (d.isRateLimited()) {
            s.append(s.length() == 0 ? "" : ",").append("ratelimited");
        }
        return s.length() == 0 ? "-" : s.toString();
    }

    private static void domain(final StringBuilder sb, final Domain d) {
        line(sb, "d%d (%s, %s)%s:", d.id(), d.name(), d.type(), d.isHardwareDomain() ? ", hardware domain" : "");
        for (int i = 0; i < d.vioapics().size(); i++) {
            ioapic(sb, "  ", "d" + d.id() + " vIO-APIC " + i + " (emulated by Xen)", d.vioapics().get(i));
        }
        for (final Vcpu v : d.vcpus()) {
            if (v.vlapic() != null) {
                lapic(sb, "  ", "d" + d.id() + " vCPU " + v.id() + " vLAPIC (emulated by Xen)", v.vlapic());
            }
        }
        final List<Pirq> mapped = shownPirqs(d);
        line(sb, "  d%d pirq table:%s", d.id(), mapped.isEmpty() ? " (empty)" : "");
        for (final Pirq p : mapped) {
            if (p.irq() <= 0) {
                // an HVM guest's pirq for an emulated GSI (XENFEAT_hvm_pirqs: PHYSDEVOP_map_pirq of
                // its own GSI, map_domain_emuirq_pirq): an emulated device's INTx, no Xen irq behind it
                line(sb, "    pirq %d -> emulated GSI %d%s%s", p.pirq(), p.emuirq(), p.isMasked() ? " masked" : "",
                    evtchn(d, p));
                continue;
            }
            final PirqDpci dpci = p.dpci();
            line(sb, "    pirq %d -> irq %d%s%s%s", p.pirq(), p.irq(), p.isMasked() ? " masked" : "",
                evtchn(d, p),
                dpci != null && dpci.flags() != 0 ? String.format(Locale.ROOT, " dpci flags 0x%02x pending %d",
                    dpci.flags(), dpci.pending()) : "");
        }
        final HvmIrqDpci pt = d.dpci();
        if (pt != null && d.hvmIrq() != null) {
            line(sb, "  d%d passthrough bindings (hvm_irq_dpci):", d.id());
            boolean any = false;
            for (int gsi = 0; gsi < d.hvmIrq().nrGsis(); gsi++) {
                for (final HvmIrqDpci.Girq g : pt.girqs(gsi)) {
                    any = true;
                    line(sb, "    guest GSI %d <- %02x:%02x INT%c <- pirq %d (irq %d)", gsi, g.bus(), g.device(),
                        (char) ('A' + g.intx()), g.pirq(), d.pirqs().pirqToIrq(g.pirq()));
                }
            }
            if (!any) {
                line(sb, "    (none)");
            }
        }
        sb.append('\n');
    }

    /**
     * The event channel bound to a pirq as Xen's per-domain event-channel dump ({@code xl debug-keys e},
     * {@code domain_dump_evtchn_info}, {@code xen/common/event_channel.c@RELEASE-4.20.0}) shows a
     * pirq channel ({@code p=<pirq>}): its pending and masked bits, {@code [pending/masked]}
     * ({@code evtchn_is_pending}, {@code evtchn_is_masked}); the port, state and notify-vCPU fields
     * are left out (irqsim numbers no ports).
     *
     * @return {@code " evtchn-bound [1/0]"}, or empty when no channel is bound
     */
    private static String evtchn(final Domain d, final Pirq p) {
        return p.isEvtchnBound() ? " evtchn-bound [" + (d.isPirqEventPending(p.pirq()) ? 1 : 0) + "/"
            + (d.isPirqEventMasked(p.pirq()) ? 1 : 0) + "]" : "";
    }

    /**
     * @return the pirqs with a Xen irq ({@code PirqTable#mapped}) and those an HVM guest mapped to
     *     an emulated GSI ({@code arch.hvm.emuirq} a GSI), in pirq order
     */
    private static List<Pirq> shownPirqs(final Domain d) {
        final List<Pirq> out = new java.util.ArrayList<>();
        for (int i = 0; i < d.pirqs().nrPirqs(); i++) {
            final Pirq p = d.pirqs().get(i);
            if (p != null && (p.irq() > 0 || p.emuirq() >= 0)) {
                out.add(p);
            }
        }
        return out;
    }

    private static void line(final StringBuilder sb, final String format, final Object... args) {
        sb.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
