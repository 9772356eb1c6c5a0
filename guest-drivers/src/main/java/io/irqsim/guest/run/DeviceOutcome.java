package io.irqsim.guest.run;

import io.irqsim.hw.pci.Bdf;

import java.util.Locale;

/**
 * What happened to one passed-through device in a run.
 *
 * @param device the physical device
 * @param guest the guest it was passed to
 * @param attach {@code "ok"}, the failing call and errno, or {@code "attached, INTx disabled by QEMU (...)"}
 * @param intxDisabled whether the device model left the device without INTx (its map or bind failed)
 * @param gsi the machine GSI firmware gives it
 * @param fired interrupts the device raised
 * @param delivered interrupts the guest's driver handled
 * @param coalesced raises that found the previous interrupt still pending (not acknowledged yet), so they were
 *     folded into it
 * @param forcedEois physical EOIs Xen forced on the device's IRQ because a domain bound to it did not EOI within
 *     1 ms ({@code irq_guest_eoi_timer_fn}), as recorded in the trace
 * @param meanLatencyNs mean virtual time from a raise to the driver's acknowledge, in ns (0 if none)
 * @param maxLatencyNs the longest such time, in ns
 * @param physicalTrigger the GSI's trigger as finally programmed: {@code level}, {@code edge} or {@code unset}
 * @param physicalPolarity its polarity: {@code low}, {@code high} or {@code unset}
 * @param firmwareTrigger what ACPI says
 * @param firmwarePolarity what ACPI says
 * @param boundToDom0 whether the GSI is bound to dom0 as well
 */
public record DeviceOutcome(Bdf device, String guest, String attach, boolean intxDisabled, int gsi, long fired,
                            long delivered, long coalesced, long forcedEois, long meanLatencyNs, long maxLatencyNs,
                            String physicalTrigger, String physicalPolarity, String firmwareTrigger,
                            String firmwarePolarity, boolean boundToDom0) {

    /**
     * @return whether delivery was throttled: interrupts were delivered, but raises were coalesced or Xen had to
     *     force physical EOIs after its 1 ms timeout
     */
    public boolean throttled() {
        return delivered > 0 && (coalesced > 0 || forcedEois > 0);
    }

    /**
     * @return delivery in one line, e.g. {@code "100 of 100 delivered"} or {@code "37 of 100 delivered, 63
     *     coalesced, 37 physical EOIs forced by Xen's 1 ms timer; latency mean 1.000 ms, max 1.000 ms"}
     */
    public String delivery() {
        final StringBuilder sb = new StringBuilder();
        sb.append(delivered).append(" of ").append(fired).append(" delivered");
        if (coalesced > 0) {
            sb.append(", ").append(coalesced).append(" coalesced");
        }
        if (forcedEois > 0) {
            sb.append(", ").append(forcedEois).append(" physical EOI(s) forced by Xen's 1 ms timer");
        }
        if (delivered > 0) {
            sb.append(String.format(Locale.ROOT, "; latency mean %s, max %s", ns(meanLatencyNs), ns(maxLatencyNs)));
        }
        return sb.toString();
    }

    /**
     * @param ns virtual time
     * @return it in the largest unit that keeps it readable: {@code "850 ns"}, {@code "12.5 us"}, {@code "1.000 ms"}
     */
    static String ns(final long ns) {
        if (ns < 1_000) {
            return ns + " ns";
        }
        if (ns < 1_000_000) {
            return String.format(Locale.ROOT, "%.1f us", ns / 1e3);
        }
        return String.format(Locale.ROOT, "%.3f ms", ns / 1e6);
    }
}
