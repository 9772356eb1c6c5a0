package io.irqsim.cli;

import io.irqsim.guest.run.RunResult;
import io.irqsim.hw.pci.Bdf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one {@code guests[].vfioUser} entry did in a run: part of the run's verdict, its text
 * report and its {@code --json} ({@code vfioUser[]}), next to the {@code traffic:} devices.
 * Serialised as JSON with these field names.
 *
 * @param entry the scenario path, e.g. {@code guests[0].vfioUser[0]}
 * @param socket {@code unix:PATH}
 * @param guest the guest's name
 * @param function the guest PCI function (slot, function 0)
 * @param vendorId the server's vendor ID (0 if the device was not plugged)
 * @param deviceId the server's device ID (0 if the device was not plugged)
 * @param gsi the guest GSI of its INTx ({@code -1}: none, or not plugged)
 * @param irq what the guest's driver uses: {@code INTx}, {@code MSI} or {@code MSI-X}
 * @param vector with MSI or MSI-X, the guest vector of the last one injected ({@code -1}: none, or a pirq)
 * @param pirq with MSI or MSI-X in a guest with {@code XENFEAT_hvm_pirqs}, the pirq of the last one ({@code -1}: none)
 * @param interrupts the interrupts the run waited for (the entry's {@code interrupts}; 0 where nothing waits)
 * @param asserted INTx assertions, or MSIs injected ({@code XEN_DMOP_inject_msi})
 * @param eoid of those, EOId by the guest (for MSI-X: finished, the vector retired or the pirq's handler done)
 * @param handled interrupts the guest's driver handled
 * @param dma what the server's DMA did in the guest's RAM ({@code null}: the device has no DMA mapped)
 * @param ok whether it plugged and every interrupt waited for was EOId
 * @param failure why not ({@code null} when ok)
 */
record VfioUserOutcome(String entry, String socket, String guest, Bdf function, int vendorId, int deviceId, int gsi,
                       String irq, int vector, int pirq, long interrupts, long asserted, long eoid, long handled,
                       String dma, boolean ok, String failure) {

    /** @return the line under the run's {@code result:} */
    String line() {
        final String where = String.format(Locale.ROOT, "%s -> %s at %s", socket, guest, function);
        if (vendorId == 0 && deviceId == 0 && failure != null) {
            return "vfio-user " + where + ": not plugged: " + failure;
        }
        final String head;
        if ("INTx".equals(irq)) {
            head = String.format(Locale.ROOT, "vfio-user %04x:%04x from %s (guest GSI %d): INTx asserted %d"
                + " time(s), %d of %d EOI'd by the guest, %d handled by its driver", vendorId, deviceId, where, gsi,
                asserted, eoid, interrupts, handled);
        } else {
            final String target = pirq >= 0 ? ", pirq " + pirq
                : vector >= 0 ? String.format(Locale.ROOT, ", vector 0x%02x", vector) : "";
            head = String.format(Locale.ROOT, "vfio-user %04x:%04x from %s (%s%s): %s injected %d time(s), %d of %d %s"
                + " by the guest, %d handled by its driver", vendorId, deviceId, where, irq, target, irq, asserted,
                eoid, interrupts, "MSI".equals(irq) ? "EOI'd" : "finished", handled);
        }
        final String withDma = dma == null ? head : head + "; DMA: " + dma;
        return failure == null ? withDma : withDma + "; FAILED: " + failure;
    }

    /**
     * @param r the run
     * @param vfio its vfio-user devices
     * @return the verdict: the run's, and every vfio-user device ok
     */
    static boolean passed(final RunResult r, final List<VfioUserOutcome> vfio) {
        return r.passed() && vfio.stream().allMatch(VfioUserOutcome::ok);
    }

    /**
     * @param r the run
     * @param vfio its vfio-user devices
     * @return the run's failures, then each failed device's
     */
    static List<String> failures(final RunResult r, final List<VfioUserOutcome> vfio) {
        final List<String> out = new ArrayList<>(r.failures());
        for (final VfioUserOutcome v : vfio) {
            if (!v.ok()) {
                out.add(v.entry() + " (" + v.socket() + "): " + v.failure());
            }
        }
        return out;
    }

    /**
     * @param vfio a run's vfio-user devices
     * @return e.g. {@code "vfio-user: 3 of 3 interrupts EOI'd by the guest"}, or {@code ""} with none
     */
    static String delivery(final List<VfioUserOutcome> vfio) {
        if (vfio.isEmpty()) {
            return "";
        }
        final long eoid = vfio.stream().mapToLong(VfioUserOutcome::eoid).sum();
        final long wanted = vfio.stream().mapToLong(VfioUserOutcome::interrupts).sum();
        final long failed = vfio.stream().filter(v -> !v.ok()).count();
        return String.format(Locale.ROOT, "; vfio-user: %d of %d interrupts EOI'd by the guest%s", eoid, wanted,
            failed == 0 ? "" : ", " + failed + " of " + vfio.size() + " device(s) failed");
    }

    /**
     * The JSON of {@code irqsim run --json}: the run's fields, {@code vfioUser} (when the scenario
     * has entries) and {@code passed}, the verdict with them.
     *
     * @param r the run
     * @param vfio its vfio-user devices
     * @return the document
     */
    static Map<String, Object> json(final RunResult r, final List<VfioUserOutcome> vfio) {
        @SuppressWarnings("unchecked")
        final Map<String, Object> doc = new LinkedHashMap<>(Json.MAPPER.convertValue(r, Map.class));
        if (!vfio.isEmpty()) {
            doc.put("vfioUser", vfio);
        }
        doc.put("passed", passed(r, vfio));
        return doc;
    }
}
