package io.irqsim.hv;

import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Xen does while it boots (enabling the LAPICs, {@code setup_IO_APIC_irqs}) it does as itself on
 * the boot CPU: from its first record on (the machine's own construction comes before, on no CPU),
 * every record is stamped pCPU 0, {@code DOMID_XEN}.
 */
class BootTraceContextTest {

    @Test
    void theBootIsRecordedOnCpuZeroAsXen() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final List<TraceRecord> boot = rig.records();
        assertFalse(boot.isEmpty(), "the boot programs the LAPICs and the ISA pins");
        int first = 0;
        while (first < boot.size() && boot.get(first).cpu() != 0) {
            first++;
        }
        assertTrue(boot.size() - first > 16, "Xen's boot records: " + (boot.size() - first));
        for (final TraceRecord r : boot.subList(first, boot.size())) {
            assertEquals(0, r.cpu(), r.toString());
            assertEquals(TraceFormat.DOMID_XEN, r.domain(), r.toString());
        }
    }
}
