package io.irqsim.guest.strategy;

import io.irqsim.guest.linux.PcistubVariants;
import io.irqsim.guest.toolstack.IrqFlows;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.HwdomGsiMapPolicies;
import io.irqsim.hv.policy.IrqPermissionPolicy;
import io.irqsim.hv.policy.PvhPhysdevAccess;
import io.irqsim.hv.policy.UnconfiguredGsiPolicy;
import io.irqsim.hv.policy.XenConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every design from the seed thread (see {@code docs/strategies.md}), in the order the thread
 * discusses them. Each pairs a Xen configuration with the toolstack of its time: libxl's
 * {@code pci_add_dm_done} at RELEASE-4.18.0 (sysfs irq, {@code xc_physdev_map_pirq},
 * {@code xc_domain_irq_permission}), the RFC series' libxl patch (the GSI from privcmd, then the same
 * calls), or RELEASE-4.20.0 with a PVH dom0 ({@code libxl__arch_hvm_map_gsi}); QEMU's
 * {@code xen_pt_realize} runs before it in every one ({@link io.irqsim.guest.toolstack.Libxl}).
 */
public final class Strategies {

    private static final Map<String, Strategy> ALL = new LinkedHashMap<>();

    static {
        add(new Strategy("pv-dom0", "PV dom0: Linux registers GSIs through Xen (setup_gsi + map_pirq)",
            XenConfig.XEN_4_18.named("pv-dom0"), DomainType.PV, PcistubVariants.ENABLE_ONLY, IrqFlows.SYSFS_IRQ, false,
            "works today; the reference"));
        add(new Strategy("xen-4.18", "PVH dom0 on plain Xen 4.18: no map_pirq for a PVH dom0, sysfs irq",
            XenConfig.XEN_4_18, DomainType.PVH, PcistubVariants.ENABLE_ONLY, IrqFlows.SYSFS_IRQ, false,
            "a PVH dom0 has no pirqs, so hvm_physdev_op refuses PHYSDEVOP_map_pirq with -ENOSYS"));
        add(new Strategy("status-quo", "PVH dom0 with the RFC series' baseline (map_pirq allowed, GSI from privcmd)",
            XenConfig.RFC_BASELINE.named("status-quo"), DomainType.PVH, PcistubVariants.ENABLE_ONLY,
            IrqFlows.GSI_IRQ_PERMISSION, false,
            "XEN_DOMCTL_irq_permission -> pirq_access_permitted finds no dom0 mapping -> -EPERM; the GSI was never "
                + "registered either"));
        add(new Strategy("pciback-unmask", "the RFC patch: pciback unmasks the device's irq when it seizes it",
            XenConfig.RFC_BASELINE.named("pciback-unmask"), DomainType.PVH, PcistubVariants.UNMASK_IRQ,
            IrqFlows.GSI_IRQ_PERMISSION, false,
            "the unmask writes the never-activated entry's low dword (vector 0) and Xen registers trigger/polarity "
                + "from it and binds the GSI to dom0: attach works, but dom0's vLAPIC drops vector 0, dom0 never EOIs, "
                + "and the guest's interrupts wait for the 1 ms irq_guest_eoi_timer_fn; tglx refused a driver "
                + "calling unmask_irq (paraphrased: his reply is in the wider thread)"));
        add(new Strategy("hwdom-map-any-write", "Xen maps a hardware-domain GSI on any RTE write, not only on unmask",
            XenConfig.RFC_BASELINE.withHwdomGsiMap(HwdomGsiMapPolicies.ON_ANY_WRITE).named("hwdom-map-any-write"),
            DomainType.PVH, PcistubVariants.ENABLE_ONLY, IrqFlows.GSI_IRQ_PERMISSION, false,
            "mp_register_gsi configures a pin once and Linux writes a meaningless masked entry first: permission "
                + "passes but the pin is mis-programmed, and QEMU's bind_pt_irq fails, leaving the device without INTx"));
        add(new Strategy("early-pirq-map", "Xen maps the pirq on any RTE write, registers and binds on unmask",
            XenConfig.RFC_BASELINE.withHwdomGsiMap(HwdomGsiMapPolicies.PIRQ_EARLY).named("early-pirq-map"),
            DomainType.PVH, PcistubVariants.ENABLE_ONLY, IrqFlows.GSI_IRQ_PERMISSION, false,
            "permission passes, but a pin dom0 never unmasks is never configured: interrupts don't arrive"));
        add(new Strategy("default-level-low", "unconfigured GSIs >= 16 default to level/active-low at bind time, "
            + "plus the Xen-internal permission fix",
            XenConfig.RFC_BASELINE.withUnconfiguredGsi(UnconfiguredGsiPolicy.LEVEL_LOW)
                .withIrqPermission(IrqPermissionPolicy.HWDOM_GSI_FALLBACK).named("default-level-low"),
            DomainType.PVH, PcistubVariants.ENABLE_ONLY, IrqFlows.GSI_IRQ_PERMISSION, false,
            "works where ACPI agrees; where firmware says otherwise the pin is wrong and hard to diagnose (Jan)"));
        add(new Strategy("dom0-map-pirq-setup-gsi", "pciback looks the GSI up in ACPI and calls map_pirq for dom0 "
            + "plus setup_gsi",
            XenConfig.RFC_BASELINE.withPvhPhysdev(PvhPhysdevAccess.XEN_4_20).named("dom0-map-pirq-setup-gsi"),
            DomainType.PVH, PcistubVariants.MAP_PIRQ_AND_SETUP_GSI, IrqFlows.GSI_IRQ_PERMISSION, true,
            "works, trigger/polarity from ACPI, but it is a back door: a hypercall way for a PVH dom0 to manage "
                + "interrupts beside the native IO-APIC one (Roger)"));
        add(new Strategy("pciback-enable-device", "pciback calls pcibios_enable_device (Roger's first question)",
            XenConfig.RFC_BASELINE.named("pciback-enable-device"), DomainType.PVH,
            PcistubVariants.PCIBIOS_ENABLE_DEVICE, IrqFlows.GSI_IRQ_PERMISSION, false,
            "it is already called and finds the irq set up; dom0 writes no entry before request_irq, so Xen never "
                + "maps the GSI: fails as status-quo (Roger said as much in the wider thread; paraphrased)"));
        add(new Strategy("pciback-setup-gsi", "pciback calls setup_gsi only; the toolstack uses gsi_permission "
            + "(upstream)",
            XenConfig.XEN_4_20.named("pciback-setup-gsi"), DomainType.PVH, PcistubVariants.SETUP_GSI,
            IrqFlows.GSI_PERMISSION, true,
            "works, trigger/polarity from ACPI, nothing bound to dom0; needs gsi_permission and a privcmd ioctl"));
    }

    private Strategies() {
    }

    private static void add(final Strategy s) {
        ALL.put(s.name(), s);
    }

    /**
     * @param name a strategy name
     * @return it, or {@code null}
     */
    public static Strategy byName(final String name) {
        return ALL.get(name);
    }

    /** @return every strategy, in the thread's order */
    public static List<Strategy> all() {
        return List.copyOf(ALL.values());
    }

    /** @return every name */
    public static Set<String> names() {
        return java.util.Collections.unmodifiableSet(ALL.keySet());
    }
}
