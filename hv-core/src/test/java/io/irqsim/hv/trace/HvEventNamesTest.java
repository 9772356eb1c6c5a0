package io.irqsim.hv.trace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The names decoded traces print (docs/trace.md): each hypervisor event is named after the Xen
 * function it records, so a trace reads like Xen's own code path.
 */
class HvEventNamesTest {

    // docs/trace.md event table: code -> name
    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "64, mmio_trap", "65, vioapic_rte_write", "66, vioapic_hwdom_map_gsi", "67, mp_register_gsi",
        "68, map_domain_pirq", "69, unmap_domain_pirq", "70, irq_access", "71, permission_check",
        "72, pt_irq_create_bind", "73, pt_irq_destroy_bind", "74, pirq_guest_bind", "75, do_IRQ",
        "76, do_IRQ_guest", "77, hvm_dirq_assist", "78, hvm_pci_intx_assert", "79, hvm_pci_intx_deassert",
        "80, hvm_gsi_assert", "81, vcpu_interrupt", "82, hvm_dpci_eoi", "83, pirq_guest_eoi",
        "84, physical_eoi", "85, irq_guest_eoi_timeout", "86, hypercall", "87, domain_create",
        "88, domain_destroy", "89, send_guest_pirq", "90, spurious_irq", "91, vioapic_edge_eoi", "92, handle_pio",
        "120, irq_ratelimit", "121, irq_ratelimit_timer_fn",
    })
    void eachEventIsNamedAfterTheXenFunctionItRecords(final int code, final String name) {
        assertEquals(name, HvEvent.name(code));
    }

    // docs/trace.md: hypervisor codes are 64..127; other codes are not the hypervisor's
    @Test
    void codesOutsideTheHypervisorRangeHaveNoHypervisorName() {
        assertNull(HvEvent.name(1));
        assertNull(HvEvent.name(63));
        assertNull(HvEvent.name(93));
        assertNull(HvEvent.name(HvEvent.FIRST_GUEST_EVENT));
    }

    // docs/trace.md hypercall table: stable codes and labels, each op found by its code
    @Test
    void hypercallOpsAreFoundByTheirStableCode() {
        final Set<Integer> codes = new HashSet<>();
        final Set<String> labels = new HashSet<>();
        for (final HypercallOp op : HypercallOp.values()) {
            assertSame(op, HypercallOp.ofCode(op.code()));
            assertTrue(codes.add(op.code()), "code " + op.code() + " used twice");
            assertTrue(labels.add(op.label()), op.label());
        }
        assertEquals(1, HypercallOp.PHYSDEVOP_MAP_PIRQ.code());
        assertEquals("physdev_map_pirq", HypercallOp.PHYSDEVOP_MAP_PIRQ.label());
        assertEquals(17, HypercallOp.DOMCTL_GSI_PERMISSION.code());
        assertEquals("domctl_gsi_permission", HypercallOp.DOMCTL_GSI_PERMISSION.label());
        assertEquals(35, HypercallOp.DMOP_INJECT_MSI.code());
        assertEquals("dm_op_inject_msi", HypercallOp.DMOP_INJECT_MSI.label());
        assertNull(HypercallOp.ofCode(0));
        assertEquals("physdev_get_free_pirq", HypercallOp.ofCode(5).label());
        assertEquals("physdev_irq_status_query", HypercallOp.ofCode(6).label());
        assertEquals("physdev_apic_read", HypercallOp.ofCode(7).label());
        assertEquals("physdev_alloc_irq_vector", HypercallOp.ofCode(8).label());
        assertNull(HypercallOp.ofCode(9));
    }
}
