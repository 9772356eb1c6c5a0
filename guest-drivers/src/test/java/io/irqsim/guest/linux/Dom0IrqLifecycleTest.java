package io.irqsim.guest.linux;

import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.trace.HwTrace;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What dom0 Linux writes to its IO-APIC and when (arch/x86/kernel/apic/io_apic.c@v6.12), what its
 * flow handlers do with an interrupt nobody asked for (kernel/irq/chip.c, kernel/irq/spurious.c),
 * and how {@code pci_disable_device} releases the GSI (drivers/acpi/pci_irq.c).
 */
class Dom0IrqLifecycleTest {

    private static final Bdf NIC = DefaultPlatform.NIC;
    private static final int GSI = DefaultPlatform.NIC_GSI;
    private static final int SCI = 9;

    private static TestRig pvh() {
        return TestRig.booted(DefaultPlatform.spec(), XenConfig.XEN_4_18, DomainType.PVH, PcistubVariants.ENABLE_ONLY,
            List.of());
    }

    private static List<TraceRecord> rteWrites(final TestRig r, final long mark, final int gsi) {
        return r.recordsSince(mark, HvEvent.VIOAPIC_RTE_WRITE).stream().filter(t -> t.a() == gsi).toList();
    }

    // ------------------------------------------------------------------ acpi_register_gsi vs activation

    @Test
    void acpiRegisterGsiWritesNothingToTheIoApic() {
        // mp_irqdomain_alloc -> mp_preconfigure_entry: the entry is prepared in memory only
        final TestRig r = pvh();
        final long mark = r.mark();
        assertEquals(0, r.dom0.pciEnableDevice(NIC));
        assertTrue(rteWrites(r, mark, GSI).isEmpty());
        assertEquals(Rte.MASKED, r.dom0Rte(GSI), "still what clear_IO_APIC_pin wrote at boot");
        final LinuxIrq irq = r.dom0.irqs().byGsi(GSI);
        assertFalse(irq.isActivated());
        assertEquals(-1, irq.vector(), "no vector before activation");
        assertEquals(0, Rte.vector(irq.entry()));
        assertTrue(Rte.isLevel(irq.entry()));
        assertTrue(Rte.isActiveLow(irq.entry()));
        assertTrue(Rte.isMasked(irq.entry()), "a level entry is prepared masked");
        assertEquals(1, irq.mapCount());
    }

    @Test
    void requestIrqActivatesTheEntryHighDwordFirstThenUnmasksItsLowDword() {
        // __setup_irq: irq_activate -> mp_irqdomain_activate -> ioapic_configure_entry (__ioapic_write_entry:
        // high, then low, still masked), then irq_startup -> unmask_ioapic_irq (low dword only)
        final TestRig r = pvh();
        r.dom0.pciEnableDevice(NIC);
        final long mark = r.mark();
        assertEquals(0, r.dom0.requestIrq(GSI, "test", IrqHandler.sync(i -> true)));
        final List<TraceRecord> w = rteWrites(r, mark, GSI);
        assertEquals(3, w.size());
        assertEquals(Rte.MASKED, w.get(0).c() & ~(0xFFL << Rte.DEST_SHIFT), "high dword first: low still the boot mask");
        // the SCI (no PIC, so not an ISA vector) took the first dynamic vector at boot
        assertEquals(LinuxIrqTable.FIRST_DYNAMIC_VECTOR + 1, Rte.vector(w.get(1).c()));
        assertTrue(Rte.isMasked(w.get(1).c()), "activation writes the entry masked");
        assertFalse(Rte.isMasked(w.get(2).c()));
        assertEquals(LinuxIrqTable.FIRST_DYNAMIC_VECTOR + 1, Rte.vector(w.get(2).c()));
        assertTrue(r.dom0.irqs().byGsi(GSI).isActivated());
    }

    @Test
    void unmaskIrqOnANeverRequestedIrqWritesVectorZero() {
        // RFC: unmask_irq(irq_to_desc(dev->irq)) -> unmask_ioapic_irq -> io_apic_modify_irq writes the low
        // dword of the preconfigured entry: vector 0, level, low, unmasked
        final TestRig r = TestRig.defaults(XenConfig.RFC_BASELINE, DomainType.PVH, PcistubVariants.UNMASK_IRQ);
        final long mark = r.mark();
        assertEquals(0, r.dom0.pciback().seize(NIC));
        final List<TraceRecord> w = rteWrites(r, mark, GSI);
        assertEquals(1, w.size(), "one low-dword write, no activation");
        final long rte = r.dom0Rte(GSI);
        assertEquals(0, Rte.vector(rte));
        assertFalse(Rte.isMasked(rte));
        assertTrue(Rte.isLevel(rte));
        assertTrue(Rte.isActiveLow(rte));
        assertTrue(r.boundTo(GSI, r.d0), "Xen still maps and binds the GSI for dom0 on the unmask");
    }

    @Test
    void xensVlapicDropsTheVectorZeroInterruptSoDom0NeverSeesOrEoisIt() {
        // vioapic_deliver -> vlapic_set_irq (xen/arch/x86/hvm/vlapic.c@RELEASE-4.18.0): vec < 16 -> APIC_ESR_RECVILL, dropped
        final TestRig r = TestRig.defaults(XenConfig.RFC_BASELINE, DomainType.PVH, PcistubVariants.UNMASK_IRQ);
        r.dom0.pciback().seize(NIC);
        final Vcpu cpu = r.d0.vcpu(0);
        final long accepted = cpu.vlapic().acceptedCount();
        final long eois = cpu.vlapic().eoiCount();
        r.devices.get(NIC).raise();
        r.xen.drain();
        assertTrue(r.recordsSince(0, HvEvent.HWDOM_MAP_GSI).stream().anyMatch(t -> t.a() == GSI));
        assertEquals(accepted, cpu.vlapic().acceptedCount(), "the vLAPIC accepted nothing");
        assertEquals(eois, cpu.vlapic().eoiCount(), "dom0 EOI'd nothing");
        assertEquals(0, r.dom0.unhandledInterrupts());
        cpu.mmioWrite(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.ESR, 4, 0); // latch the errors
        assertEquals(LocalApicRegisters.ESR_RECEIVE_ILLEGAL_VECTOR,
            cpu.mmioRead(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.ESR, 4), "ESR bit 6");
    }

    // ------------------------------------------------------------------ flow handler without an action

    @Test
    void anInterruptOnAnActivatedIrqWithNoActionIsMaskedAndEoidOnce() {
        // handle_fasteoi_irq: !desc->action -> IRQS_PENDING, mask_irq, then chip->irq_eoi; no handler, no note_interrupt
        final TestRig r = pvh();
        r.dom0.pciEnableDevice(NIC);
        final LinuxIrq irq = r.dom0.irqs().byGsi(GSI);
        irq.setStarted(true);
        assertEquals(0, r.dom0.backend().startup(irq));
        assertFalse(Rte.isMasked(r.dom0Rte(GSI)));
        final Vcpu cpu = r.d0.vcpu(0);
        final long eoiWrites = r.recordsSince(0, HvEvent.MMIO_TRAP).size();
        r.dom0.interrupt(cpu, irq.vector());
        assertTrue(Rte.isMasked(r.dom0Rte(GSI)), "mask_irq");
        assertTrue(irq.isMasked());
        assertEquals(1, irq.maskedWithoutActionCount());
        assertTrue(r.recordsSince(0, HvEvent.MMIO_TRAP).size() > eoiWrites, "the EOI went out");
        assertEquals(1, r.linesContaining("irq 16: no action: masked and EOI'd, no handler runs"));
    }

    // ------------------------------------------------------------------ note_interrupt

    @Test
    void noteInterruptDisablesAnIrqAfter99901UnhandledOf100000() {
        // note_interrupt: at the 100,000th interrupt, irqs_unhandled > 99,900 -> "nobody cared", irq_disable
        final LinuxIrq d = new LinuxIrq(16, 16);
        for (int i = 0; i < 98; i++) {
            assertFalse(d.noteInterrupt(true, i));
        }
        for (int i = 98; i < LinuxIrq.SPURIOUS_WINDOW - 1; i++) {
            assertFalse(d.noteInterrupt(false, i));
        }
        assertTrue(d.noteInterrupt(false, LinuxIrq.SPURIOUS_WINDOW));
        assertTrue(d.isSpuriousDisabled());
    }

    @Test
    void noteInterruptToleratesExactly99900UnhandledInAWindow() {
        // note_interrupt: the test is "> 99900"; the counts restart with the next window
        final LinuxIrq d = new LinuxIrq(16, 16);
        for (int i = 0; i < 100; i++) {
            d.noteInterrupt(true, i);
        }
        for (int i = 100; i < LinuxIrq.SPURIOUS_WINDOW; i++) {
            assertFalse(d.noteInterrupt(false, i));
        }
        assertFalse(d.isSpuriousDisabled());
        for (int i = 0; i < LinuxIrq.SPURIOUS_WINDOW - 1; i++) {
            assertFalse(d.noteInterrupt(false, LinuxIrq.SPURIOUS_WINDOW + i), "a fresh window at " + i);
        }
    }

    @Test
    void noteInterruptRestartsTheUnhandledCountAfterAQuietTenthOfASecond() {
        // note_interrupt: time_after(jiffies, last_unhandled + HZ/10) -> irqs_unhandled = 1
        final LinuxIrq d = new LinuxIrq(16, 16);
        long now = 0;
        for (int i = 0; i < LinuxIrq.SPURIOUS_WINDOW - 1; i++) {
            d.noteInterrupt(false, now);
            now += i == 50_000 ? LinuxIrq.UNHANDLED_AGING_NS + 1 : 1;
        }
        assertFalse(d.noteInterrupt(false, now), "only ~50,000 unhandled since the gap");
        assertFalse(d.isSpuriousDisabled());
    }

    @Test
    void dom0DisablesAnIrqNobodyCaresAboutAndThenMasksItOnTheNextInterrupt() {
        // the SCI's handler answers "not mine"; after the window note_interrupt disables it (lazily: the IO-APIC
        // chip has no irq_disable), and the next interrupt takes the flow handler's disabled path: mask + EOI
        final TestRig r = pvh();
        final LinuxIrq sci = r.dom0.irqs().byGsi(SCI);
        final Vcpu cpu = r.d0.vcpu(0);
        // one level delivery through the vLAPIC sets the vector's TMR bit, so ioapic_ack_level's EOIs
        // below are LAPIC EOIs only (the EOI broadcast reaches the vIO-APIC), without the edge switch
        assertTrue(cpu.vlapic().accept(sci.vector(), Rte.DM_FIXED, true));
        assertEquals(sci.vector(), cpu.vlapic().acknowledge());
        for (int i = 0; i < LinuxIrq.SPURIOUS_WINDOW; i++) {
            r.dom0.interrupt(cpu, sci.vector());
        }
        assertTrue(sci.isSpuriousDisabled());
        assertEquals(1, r.linesContaining("irq 9: nobody cared; disabling IRQ #9"));
        assertFalse(Rte.isMasked(r.dom0Rte(SCI)), "irq_disable is lazy for the IO-APIC");
        r.dom0.interrupt(cpu, sci.vector());
        assertTrue(Rte.isMasked(r.dom0Rte(SCI)));
        assertEquals(1, sci.maskedWithoutActionCount());
        assertEquals(LinuxIrq.SPURIOUS_WINDOW + 1, sci.unhandledCount());
    }

    // ------------------------------------------------------------------ pci_disable_device

    @Test
    void pciDisableDeviceReleasesTheIrqOfAPvhDom0ButKeepsDevIrq() {
        // pci_disable_device -> pcibios_disable_device -> acpi_pci_irq_disable -> acpi_unregister_gsi_ioapic
        // -> mp_unmap_irq: count 0 -> irq_domain_free_irqs; the link keeps its reference (FUTURE_USE)
        final TestRig r = pvh();
        r.dom0.pciEnableDevice(NIC);
        final PciFunction f = r.xen.platform().pci().function(NIC);
        f.configWrite(PciConfigRegisters.COMMAND, 2, f.configRead(PciConfigRegisters.COMMAND, 2)
            | PciConfigRegisters.COMMAND_MASTER);
        r.dom0.pciDisableDevice(NIC);
        assertNull(r.dom0.irqs().byGsi(GSI), "the irq was freed");
        assertNull(r.dom0.irqs().byIrq(GSI));
        final LinuxKernel.PciDev dev = r.dom0.dev(NIC);
        assertEquals(GSI, dev.irq(), "dev->irq is left as it was");
        assertFalse(dev.isIrqManaged());
        assertFalse(dev.isEnabled());
        assertEquals(1, r.dom0.acpi().links().refcount("LNKA"));
        final int cmd = f.configRead(PciConfigRegisters.COMMAND, 2);
        assertEquals(0, cmd & PciConfigRegisters.COMMAND_MASTER, "do_pci_disable_device clears bus mastering");
        assertEquals(PciConfigRegisters.COMMAND_MEMORY, cmd & PciConfigRegisters.COMMAND_MEMORY, "memory decode stays");
        assertEquals(1, r.linesContaining("00:03.0: PCI INTA disabled"));
    }

    @Test
    void enablingAgainAfterTheReleaseAllocatesTheIrqAnew() {
        // acpi_pci_irq_enable: irq_managed is 0 again, so the GSI is registered again
        final TestRig r = pvh();
        r.dom0.pciEnableDevice(NIC);
        r.dom0.pciDisableDevice(NIC);
        assertEquals(0, r.dom0.pciEnableDevice(NIC));
        assertNotNull(r.dom0.irqs().byGsi(GSI));
        assertEquals(GSI, r.dom0.sysfsIrq(NIC));
        assertTrue(r.dom0.dev(NIC).isIrqManaged());
    }

    @Test
    void aSharedGsiIsFreedOnlyWithItsLastUser() {
        // mp_unmap_irq: --data->count; only 0 frees
        final TestRig r = pvh();
        r.dom0.pciEnableDevice(DefaultPlatform.SHARED_A);
        r.dom0.pciEnableDevice(DefaultPlatform.SHARED_B);
        r.dom0.pciDisableDevice(DefaultPlatform.SHARED_A);
        assertNotNull(r.dom0.irqs().byGsi(DefaultPlatform.SHARED_GSI));
        assertEquals(1, r.dom0.irqs().byGsi(DefaultPlatform.SHARED_GSI).mapCount());
        r.dom0.pciDisableDevice(DefaultPlatform.SHARED_B);
        assertNull(r.dom0.irqs().byGsi(DefaultPlatform.SHARED_GSI));
    }

    @Test
    void isaIrqsAreNeverFreed() {
        // mp_unmap_irq: data->isa_irq -> return
        final TestRig r = pvh();
        r.dom0.backend().unregisterGsi(SCI);
        assertNotNull(r.dom0.irqs().byGsi(SCI));
    }

    @Test
    void disablingADeviceThatWasNeverEnabledDoesNothing() {
        final TestRig r = pvh();
        r.dom0.pciDisableDevice(NIC);
        r.dom0.pciDisableDevice(new Bdf(0, 9, 0));
        assertEquals(0, r.linesContaining("disabled"));
    }

    @Test
    void aPvDom0KeepsTheIrqWhenTheDeviceIsDisabled() {
        // pci_xen_initial_domain: __acpi_unregister_gsi = NULL
        final TestRig r = TestRig.booted(DefaultPlatform.spec(), XenConfig.XEN_4_18, DomainType.PV,
            PcistubVariants.ENABLE_ONLY, List.of());
        r.dom0.pciEnableDevice(NIC);
        r.dom0.pciDisableDevice(NIC);
        assertNotNull(r.dom0.irqs().byGsi(GSI));
        assertFalse(r.dom0.dev(NIC).isIrqManaged());
    }

    // ------------------------------------------------------------------ xen_register_gsi

    @Test
    void xenRegisterGsiSetsTheGsiUpEvenWhenMapPirqFails() {
        // xen_register_gsi: irq = xen_register_pirq(...) (-1 on a failed map), then PHYSDEVOP_setup_gsi anyway
        final TestRig r = TestRig.booted(DefaultPlatform.spec(), XenConfig.XEN_4_18, DomainType.PV,
            PcistubVariants.ENABLE_ONLY, List.of());
        final long mark = r.mark();
        assertEquals(-1, r.dom0.backend().registerGsi(200, true, true));
        final List<TraceRecord> calls = r.recordsSince(mark, HvEvent.HYPERCALL);
        assertTrue(calls.stream().anyMatch(t -> t.a() == HypercallOp.PHYSDEVOP_MAP_PIRQ.code() && t.c() != 0));
        assertTrue(calls.stream().anyMatch(t -> t.a() == HypercallOp.PHYSDEVOP_SETUP_GSI.code() && t.b() == 200));
        assertNull(r.dom0.irqs().byGsi(200));
    }

    // ------------------------------------------------------------------ acpi_pci_irq_enable corner cases

    private static TestRig withoutNicPrtEntry() {
        final PlatformSpec spec = Specs.withPrt(DefaultPlatform.spec(), Map.of(0,
            List.of(PrtEntry.toGsi(4, 0, DefaultPlatform.SHARED_GSI))));
        return TestRig.booted(spec, XenConfig.XEN_4_18, DomainType.PVH, PcistubVariants.ENABLE_ONLY, List.of());
    }

    @Test
    void interruptLine0xffWithoutAGsiMeansNotConnected() {
        // acpi_pci_irq_valid: dev->irq == 0xff -> IRQ_NOTCONNECTED, "PCI INT %c: not connected", return 0
        final TestRig r = withoutNicPrtEntry();
        r.xen.platform().pci().function(NIC).configWrite(PciConfigRegisters.INTERRUPT_LINE, 1, 0xFF);
        assertEquals(0, r.dom0.pciEnableDevice(NIC));
        assertEquals(LinuxKernel.IRQ_NOTCONNECTED, r.dom0.sysfsIrq(NIC));
        assertEquals(1, r.linesContaining("00:03.0: PCI INTA: not connected"));
        assertEquals(0, r.linesContaining("no GSI"));
    }

    @Test
    void anIdeControllerInLegacyModeWithoutAPrtEntryIsLeftAlone() {
        // acpi_pci_irq_enable: no _PRT entry, class IDE with programming-interface bits 0 and 2 clear -> return 0
        final TestRig r = pvh();
        final PciFunction ide = new PciFunction(new Bdf(0, 7, 0), "ide", 0x8086, 0x7010, 0x010180, 1, HwTrace.NONE);
        ide.configWrite(PciConfigRegisters.INTERRUPT_LINE, 1, 11);
        r.xen.platform().pci().add(ide);
        final int irqs = r.dom0.irqs().all().size();
        assertEquals(0, r.dom0.pciEnableDevice(ide.bdf()));
        assertEquals(irqs, r.dom0.irqs().all().size(), "not even the ISA fallback");
        assertEquals(1, r.linesContaining("IDE controller in legacy mode"));
    }

    @Test
    void anIdeControllerInNativeModeTakesTheIsaFallback() {
        // programming interface 0x8F: both channels native -> the ordinary no-GSI path (ISA IRQ from the line)
        final TestRig r = pvh();
        final PciFunction ide = new PciFunction(new Bdf(0, 7, 0), "ide", 0x8086, 0x7010, 0x01018F, 1, HwTrace.NONE);
        ide.configWrite(PciConfigRegisters.INTERRUPT_LINE, 1, 11);
        r.xen.platform().pci().add(ide);
        assertEquals(0, r.dom0.pciEnableDevice(ide.bdf()));
        assertNotNull(r.dom0.irqs().byGsi(11));
        assertEquals(0, r.linesContaining("IDE controller in legacy mode"));
    }

    @Test
    void aFailedRegistrationLeavesTheDeviceWithoutAnIrq() {
        // acpi_pci_irq_enable: acpi_register_gsi < 0 -> "failed to register GSI", return rc; GSI 99 is on no
        // IO-APIC, so mp_map_gsi_to_irq (arch/x86/kernel/apic/io_apic.c@v6.12) answers -ENODEV
        final PlatformSpec spec = Specs.withPrt(DefaultPlatform.spec(), Map.of(0, List.of(PrtEntry.toGsi(3, 0, 99))));
        final TestRig r2 = TestRig.booted(spec, XenConfig.XEN_4_18, DomainType.PVH, PcistubVariants.ENABLE_ONLY,
            List.of());
        assertEquals(-Errno.ENODEV, r2.dom0.pciEnableDevice(NIC));
        assertEquals(0, r2.dom0.sysfsIrq(NIC));
        assertFalse(r2.dom0.dev(NIC).isIrqManaged());
    }
}
