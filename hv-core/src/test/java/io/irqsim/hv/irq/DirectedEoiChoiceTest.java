package io.irqsim.hv.irq;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.ioapic.IoApicRegisters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code verify_local_APIC} ({@code xen/arch/x86/apic.c@RELEASE-4.18.0} and {@code @RELEASE-4.20.0}):
 * the boot LAPIC's {@code APIC_LVR_DIRECTED_EOI} bit alone turns on {@code directed_eoi_enabled}
 * (with the "old" ack) and EOI-broadcast suppression in every LAPIC's SVR; the IO-APICs' versions
 * play no part ({@code __io_apic_eoi} copes with a part that has no EOI register).
 */
class DirectedEoiChoiceTest {

    // apic.c verify_local_APIC: directed EOI <=> the LAPIC advertises it, whatever the IO-APIC version
    @ParameterizedTest(name = "IO-APIC 0x{0}, LAPIC directed EOI {1} -> {2}")
    @CsvSource({"20, true, true", "11, true, true", "20, false, false", "11, false, false"})
    void directedEoiFollowsTheLapicCapabilityAlone(final String version, final boolean lapicHasIt,
                                                   final boolean expected) {
        final Rig rig = Rig.boot(Rig.defaultPlatformWithIoApicVersion(Integer.parseInt(version, 16), lapicHasIt),
            XenConfig.XEN_4_20);
        assertEquals(expected, rig.xen.ioapicRouting().directedEoi());
        for (int cpu = 0; cpu < rig.xen.platform().cpuCount(); cpu++) {
            final int svr = rig.xen.platform().lapic(cpu).readRegister(LocalApicRegisters.SVR);
            assertEquals(expected, (svr & LocalApicRegisters.SVR_SUPPRESS_EOI_BROADCAST) != 0, "cpu" + cpu);
            assertEquals(LocalApicRegisters.SVR_ENABLE, svr & LocalApicRegisters.SVR_ENABLE, "software-enabled");
        }
        assertEquals(IoApicRegisters.VERSION_20 == Integer.parseInt(version, 16),
            rig.phys().model().hasEoiRegister());
    }
}
