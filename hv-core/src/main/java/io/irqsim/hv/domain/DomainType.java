package io.irqsim.hv.domain;

/** The guest types Xen distinguishes on x86. */
public enum DomainType {
    /** Paravirtualised: no emulated IO-APIC or LAPIC; interrupts arrive as event channels; physdev ops unfiltered. */
    PV,
    /** PVH: an HVM container with an emulated IO-APIC/LAPIC and no device model; as dom0 it programs the IO-APIC natively. */
    PVH,
    /** HVM: emulated platform (48-pin vIO-APIC, vLAPICs), devices emulated by a device model. */
    HVM;

    /** @return whether Xen treats it as an HVM-type guest ({@code is_hvm_domain}: PVH and HVM) */
    public boolean isHvmType() {
        return this != PV;
    }
}
