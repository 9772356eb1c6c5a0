package io.irqsim.hv.irq;

import io.irqsim.hv.Errno;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.platform.Platform;

import java.util.BitSet;
import java.util.List;

/**
 * Xen's side of the physical IO-APICs ({@code xen/arch/x86/io_apic.c}, {@code mpparse.c}):
 * programming redirection entries through the IO-APIC's MMIO window, vector assignment,
 * {@code mp_register_gsi} with its "first configuration sticks" rule, {@code gsi_2_irq}, and the
 * ack/end methods of the "IO-APIC-edge" and "IO-APIC-level" controllers.
 *
 * <p>All programming goes through CPU 0's view of physical MMIO, IOREGSEL then IOWIN, as
 * {@code __io_apic_write} does. Every IRQ is targeted at CPU 0 in physical destination mode.
 */
public final class IoApicRouting implements io.irqsim.hv.policy.UnconfiguredGsiPolicy.GsiRegistrar {

    /** First dynamically assigned vector ({@code FIRST_DYNAMIC_VECTOR}). */
    public static final int FIRST_DYNAMIC_VECTOR = 0x20;
    /**
     * First vector of the legacy PIC: {@code LEGACY_VECTOR(irq)} is {@code FIRST_LEGACY_VECTOR}
     * + irq, and {@code FIRST_LEGACY_VECTOR} is {@code FIRST_DYNAMIC_VECTOR}, 0x20
     * ({@code xen/arch/x86/include/asm/irq-vectors.h}, {@code asm/irq.h@RELEASE-4.20.0}; the same
     * values in {@code asm/mach-default/irq_vectors.h@RELEASE-4.18.0}). The 8259A's vectors: once
     * the IO-APIC has the ISA IRQs they get dynamic vectors ({@link #boot}), and CPU 0 never hands
     * out 0x20..0x2F.
     */
    public static final int FIRST_LEGACY_VECTOR = FIRST_DYNAMIC_VECTOR;
    /**
     * IRQ 0's vector, {@code IRQ0_VECTOR} (same headers): statically high priority, above every
     * dynamic vector ({@code smp_intr_init}, {@code xen/arch/x86/smpboot.c@RELEASE-4.20.0}).
     */
    public static final int IRQ0_VECTOR = 0xF0;
    /** Last dynamically assigned vector ({@code LAST_DYNAMIC_VECTOR}). */
    public static final int LAST_DYNAMIC_VECTOR = 0xEF;
    /**
     * First vector {@code _assign_irq_vector} hands out on CPU 0, one past {@code LAST_LEGACY_VECTOR}:
     * it skips the legacy PIC's 0x20..0x2F on CPU 0 ({@code xen/arch/x86/irq.c@RELEASE-4.20.0}), and
     * 0x20..0x22 are in {@code used_vectors} as well ({@code init_irq_data}).
     */
    public static final int FIRST_CPU0_DYNAMIC_VECTOR = FIRST_LEGACY_VECTOR + 0x10;
    /** The Linux/BSD fast-trap vector {@code init_irq_data} marks used with {@code CONFIG_PV} (default y). */
    public static final int LEGACY_SYSCALL_VECTOR = 0x80;

    private final Platform platform;
    private final IrqDescTable descs;
    private final TraceRecorder trace;
    private final MmioBus bus;
    private final BitSet[] pinProgrammed;
    /** Per IO-APIC index, resolved once: MMIO base and whether it has a directed-EOI register. */
    private final long[] ioapicBase;
    private final boolean[] hasEoiRegister;
    /** Each CPU's LAPIC, resolved once (the LAPIC EOI of every interrupt goes to it). */
    private final LocalApic[] cpuLapic;
    /** The physical LAPIC page, where Xen mapped it ({@code mp_lapic_addr}, from the MADT). */
    private final long lapicBase;
    private final int targetApicId;
    private boolean directedEoi;
    private int currentVector = FIRST_DYNAMIC_VECTOR;
    private int currentOffset;

    /**
     * @param platform the machine
     * @param descs IRQ descriptors
     * @param trace trace
     */
    public IoApicRouting(final Platform platform, final IrqDescTable descs, final TraceRecorder trace) {
        this.platform = platform;
        this.descs = descs;
        this.trace = trace;
        this.bus = platform.bus(0);
        final List<IoApic> ioapics = platform.ioapics();
        this.pinProgrammed = new BitSet[ioapics.size()];
        this.ioapicBase = new long[ioapics.size()];
        this.hasEoiRegister = new boolean[ioapics.size()];
        for (int i = 0; i < pinProgrammed.length; i++) {
            pinProgrammed[i] = new BitSet();
            ioapicBase[i] = platform.ioapicAddress(i);
            hasEoiRegister[i] = ioapics.get(i).model().hasEoiRegister();
        }
        this.targetApicId = platform.lapic(0).apicId();
        this.lapicBase = platform.lapicAddress();
        this.cpuLapic = new LocalApic[platform.cpuCount()];
        for (int cpu = 0; cpu < cpuLapic.length; cpu++) {
            cpuLapic[cpu] = platform.lapic(cpu);
        }
    }

    /**
     * Boot: enables every LAPIC, with EOI-broadcast suppression when the boot LAPIC's version
     * register advertises it ({@code verify_local_APIC}, {@code xen/arch/x86/apic.c@RELEASE-4.18.0}
     * and {@code @RELEASE-4.20.0}: {@code APIC_LVR_DIRECTED_EOI} alone sets
     * {@code directed_eoi_enabled} and the "old" ack; the IO-APICs' versions are not looked at),
     * then programs the ISA IRQs' pins from the MADT ({@code setup_IO_APIC_irqs},
     * {@code xen/arch/x86/io_apic.c@RELEASE-4.18.0} and {@code @RELEASE-4.20.0}): an ISA IRQ goes
     * to the GSI its override names, or the GSI of the same number; pins without an ISA IRQ stay
     * unset. A level entry is written masked, an edge one unmasked ({@code irq_trigger(idx)} alone
     * sets the mask bit); either way the descriptor stays {@code IRQ_DISABLED} with no action, so
     * an edge line nobody bound reaches {@code do_IRQ}, and {@code ack_edge_ioapic_irq} masks the
     * pin at its second interrupt ({@code GuestIrqs}). Then IRQ 0 becomes Xen's timer
     * ({@link #setupTimerIrq}).
     */
    public void boot() {
        final int version = platform.lapic(0).readRegister(LocalApicRegisters.VERSION);
        directedEoi = (version & LocalApicRegisters.VERSION_DIRECTED_EOI) != 0;
        for (int cpu = 0; cpu < platform.cpuCount(); cpu++) {
            final int svr = 0xFF | LocalApicRegisters.SVR_ENABLE
                | (directedEoi ? LocalApicRegisters.SVR_SUPPRESS_EOI_BROADCAST : 0);
            platform.bus(cpu).write(lapicBase + LocalApicRegisters.SVR, 4, svr);
        }
        // smp_intr_init (xen/arch/x86/smpboot.c@RELEASE-4.20.0, from init_IRQ, before setup_IO_APIC):
        // IRQ 0 gets IRQ0_VECTOR, which assign_irq_vector then keeps
        descs.desc(0).setVector(IRQ0_VECTOR);
        descs.bindVector(IRQ0_VECTOR, 0);
        // setup_IO_APIC_irqs walks every IO-APIC's pins in order and programs those with an ISA entry
        final List<MpIrqs.IsaEntry> isa = MpIrqs.isaEntries(platform, platform.firmware().madt());
        final List<IoApic> ioapics = platform.ioapics();
        for (int index = 0; index < ioapics.size(); index++) {
            for (int pin = 0; pin < ioapics.get(index).model().pins(); pin++) {
                final MpIrqs.IsaEntry e = MpIrqs.onPin(isa, index, pin);
                if (e != null) {
                    setupIsaPin(e);
                }
            }
        }
        setupTimerIrq();
    }

    /**
     * One ISA IRQ's pin at boot ({@code setup_IO_APIC_irqs}, {@code xen/arch/x86/io_apic.c@RELEASE-4.20.0}).
     * Its vector comes from {@code assign_irq_vector}: IRQ 0 keeps {@link #IRQ0_VECTOR}
     * ({@link #boot}); every other ISA IRQ still has the 8259A's controller and its
     * {@code LEGACY_VECTOR(irq)} from {@code init_IRQ} ({@code xen/arch/x86/i8259.c}), which
     * {@code irq_to_vector} ({@code xen/arch/x86/irq.c}) reports as no vector, so it has none here
     * and the search hands it the next dynamic one ({@link #assignIrqVector}) like any GSI.
     */
    private void setupIsaPin(final MpIrqs.IsaEntry e) {
        final int irq = e.irq();
        final IrqDesc d = descs.desc(irq);
        d.setPin(e.ioapic(), e.pin());
        final boolean level = e.level();
        final int vector = assignIrqVector(irq);
        if (vector < 0) {
            throw new IllegalStateException("no vector for ISA IRQ " + irq + " at boot"); // BUG_ON(vector < 0)
        }
        d.setHandler(level ? HandlerType.IOAPIC_LEVEL : HandlerType.IOAPIC_EDGE);
        // mask only a level entry: setup_IO_APIC_irqs starts from mask 0 and sets it with the level trigger
        writeEntry(e.ioapic(), e.pin(), Rte.of(vector, Rte.DM_FIXED, false, e.activeLow(), level, level, targetApicId));
    }

    /**
     * IRQ 0 is Xen's own: {@code early_time_init} ({@code xen/arch/x86/time.c@RELEASE-4.18.0} and
     * {@code @RELEASE-4.20.0}) runs {@code setup_irq(0, 0, &irq0)}, which gives the descriptor the
     * "timer" action ({@code timer_interrupt}), clears {@code IRQ_DISABLED} and starts it
     * ({@code xen/arch/x86/irq.c:setup_irq@RELEASE-4.20.0}); {@code check_timer}
     * ({@code xen/arch/x86/io_apic.c@RELEASE-4.20.0}, same at 4.18 for this) clears
     * {@code IRQ_DISABLED} again and unmasks the pin of ISA IRQ 0 ({@code find_isa_irq_pin(0)}: the
     * GSI its override names). Nothing on x86 calls {@code release_irq} for it, and
     * {@code disable_pit_irq} only stops the PIT's channel 0, so the action stays for Xen's lifetime,
     * whichever platform timer or HPET mode Xen picked. irqsim assumes the timer works through the
     * IO-APIC (no 8259A, no virtual-wire fallback); where no IO-APIC has IRQ 0's GSI the descriptor
     * gets the action but no controller.
     *
     * <p>What guests see: {@code mp_register_gsi(0)} finds the descriptor live and gives
     * {@code -EEXIST}; an interrupt on its vector runs Xen's handler, not the unbound-IRQ path.
     * Neither a pirq bind ({@code pirq_spin_lock_irq_desc} refuses irq 0) nor a map
     * ({@code dom0_setup_permissions} leaves IRQ 0 out of the hardware domain's range) reaches it.
     */
    private void setupTimerIrq() {
        final IrqDesc d = descs.desc(0);
        d.setXenAction("timer", "timer_interrupt");
        d.setDisabled(false);
        unmask(d);
    }

    /** @return whether Xen runs the LAPICs with EOI-broadcast suppression (directed EOI, "old" level ack) */
    public boolean directedEoi() {
        return directedEoi;
    }

    // ---------------------------------------------------------------- mp_register_gsi

    @Override
    public int nrIrqsGsi() {
        return descs.nrIrqsGsi();
    }

    @Override
    public boolean isConfigured(final int irq) {
        final IrqDesc d = descs.desc(irq);
        return d != null && d.handler() != HandlerType.NONE;
    }

    @Override
    public int registerGsi(final int gsi, final boolean level, final boolean activeLow) {
        return mpRegisterGsi(gsi, level, activeLow);
    }

    /**
     * {@code mp_register_gsi} ({@code xen/arch/x86/mpparse.c@RELEASE-4.18.0/4.20.0}): programs the GSI's pin with the
     * given trigger and polarity, once. A GSI whose IRQ is already live, or whose pin was
     * programmed before, gives {@code -EEXIST} and keeps its first configuration.
     *
     * @param gsi GSI
     * @param level trigger: level (true) or edge
     * @param activeLow polarity: active low (true) or high
     * @return 0, -EEXIST or -EINVAL
     */
    public int mpRegisterGsi(final int gsi, final boolean level, final boolean activeLow) {
        final int rc = doRegister(gsi, level, activeLow);
        trace.event(HvEvent.GSI_REGISTER, gsi, (level ? 2 : 0) | (activeLow ? 1 : 0), rc);
        return rc;
    }

    private int doRegister(final int gsi, final boolean level, final boolean activeLow) {
        final IoApic io = platform.ioapicForGsi(gsi);
        if (io == null) {
            return -Errno.EINVAL; // "No IOAPIC for GSI"
        }
        final int index = platform.ioapicIndex(io); // not ioapics().indexOf: that copies the list on every unmask
        final int pin = gsi - io.gsiBase();
        final IrqDesc d = descs.desc(gsi);
        if (d == null) {
            return -Errno.EINVAL;
        }
        if (!d.isDisabled() && d.handler() != HandlerType.NONE) {
            return -Errno.EEXIST;
        }
        if (pin > 127) {
            return -Errno.EINVAL;
        }
        if (pinProgrammed[index].get(pin)) {
            return -Errno.EEXIST;
        }
        pinProgrammed[index].set(pin); // never cleared: the first configuration sticks
        return ioApicSetPciRouting(index, pin, gsi, level, activeLow);
    }

    /**
     * {@code io_apic_set_pci_routing} ({@code xen/arch/x86/io_apic.c@RELEASE-4.18.0/4.20.0}): assigns a vector, picks the level or edge controller and
     * writes the entry, masked. The pin stays masked until a guest binds the IRQ.
     */
    private int ioApicSetPciRouting(final int ioapic, final int pin, final int irq, final boolean level,
                                    final boolean activeLow) {
        final IrqDesc d = descs.desc(irq);
        final int vector = assignIrqVector(irq);
        if (vector < 0) {
            return vector;
        }
        d.setPin(ioapic, pin);
        d.setHandler(level ? HandlerType.IOAPIC_LEVEL : HandlerType.IOAPIC_EDGE);
        writeEntry(ioapic, pin, Rte.of(vector, Rte.DM_FIXED, false, activeLow, level, true, targetApicId));
        if (!d.isDisabled() && !d.isGuest()) {
            unmask(d);
        }
        return 0;
    }

    /**
     * {@code assign_irq_vector} / {@code _assign_irq_vector} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0}, same
     * search at {@code RELEASE-4.20.0}), simplified to one vector space (every IRQ on CPU 0): an IRQ
     * with a vector keeps it; otherwise the search steps by 8 from the last vector handed out, and
     * past {@link #LAST_DYNAMIC_VECTOR} restarts at {@link #FIRST_DYNAMIC_VECTOR} plus the next
     * offset (mod 8). It skips the vectors CPU 0 cannot use (below 0x30: the legacy PIC range and
     * the move-cleanup vector), {@link #LEGACY_SYSCALL_VECTOR} ({@code used_vectors},
     * {@code init_irq_data} with {@code CONFIG_PV}) and vectors in use. It gives up with
     * {@code -ENOSPC} on coming back to the last vector handed out; the search position only
     * moves when a vector is found.
     *
     * @param irq IRQ
     * @return its vector, or -ENOSPC
     */
    public int assignIrqVector(final int irq) {
        final IrqDesc d = descs.desc(irq);
        if (d.vector() >= 0) {
            return d.vector();
        }
        int vector = currentVector;
        int offset = currentOffset;
        while (true) {
            vector += 8;
            if (vector > LAST_DYNAMIC_VECTOR) {
                offset = (offset + 1) % 8; // "if out of vectors on large boxen, must share them"
                vector = FIRST_DYNAMIC_VECTOR + offset;
            }
            if (vector == currentVector) {
                return -Errno.ENOSPC;
            }
            if (vector < FIRST_CPU0_DYNAMIC_VECTOR || vector == LEGACY_SYSCALL_VECTOR
                || descs.irqForVector(vector) >= 0) {
                continue;
            }
            currentVector = vector;
            currentOffset = offset;
            d.setVector(vector);
            descs.bindVector(vector, irq);
            return vector;
        }
    }

    /**
     * {@code gsi_2_irq} ({@code xen/arch/x86/io_apic.c@RELEASE-4.20.0}): the IRQ of a GSI,
     * honouring ISA overrides (the GSI an ISA IRQ was moved to belongs to that ISA IRQ: with
     * IRQ0&rarr;GSI2, GSI 2 is IRQ 0), and {@code irq ?: -EINVAL}: a GSI whose IRQ is 0 (GSI 2 under
     * that override, or GSI 0) gives -EINVAL.
     *
     * @param gsi GSI
     * @return the IRQ (&gt; 0), -ERANGE beyond the highest GSI, -EINVAL if no IO-APIC has it or its IRQ is 0
     */
    public int gsiToIrq(final int gsi) {
        if (gsi < 0 || gsi >= descs.nrIrqsGsi()) {
            return -Errno.ERANGE;
        }
        if (platform.ioapicForGsi(gsi) == null) {
            return -Errno.EINVAL;
        }
        final InterruptSourceOverride iso = platform.firmware().madt().overrideTo(gsi);
        final int irq = iso != null ? iso.source() : gsi;
        return irq != 0 ? irq : -Errno.EINVAL;
    }

    // ---------------------------------------------------------------- controller methods

    /**
     * Unmasks an IRQ's pin ({@code xen/arch/x86/io_apic.c:unmask_IO_APIC_irq@RELEASE-4.18.0/4.20.0}, the controller's startup/enable).
     *
     * @param d descriptor
     */
    public void unmask(final IrqDesc d) {
        setMask(d, false);
    }

    /**
     * Masks an IRQ's pin ({@code xen/arch/x86/io_apic.c:mask_IO_APIC_irq@RELEASE-4.18.0/4.20.0}, the level controller's disable/shutdown).
     *
     * @param d descriptor
     */
    public void mask(final IrqDesc d) {
        setMask(d, true);
    }

    private void setMask(final IrqDesc d, final boolean masked) {
        if (d.pin() < 0 || d.handler() == HandlerType.NONE || d.handler() == HandlerType.MSI) {
            return;
        }
        final long rte = readEntry(d.ioapic(), d.pin());
        if (Rte.isMasked(rte) != masked) {
            IoApicRegisters.writeEntryLow(bus, ioapicBase[d.ioapic()], d.pin(), Rte.low(Rte.withMask(rte, masked)));
        }
    }

    /**
     * Directed EOI of an IRQ's pin ({@code __io_apic_eoi}, {@code xen/arch/x86/io_apic.c@RELEASE-4.18.0},
     * same at {@code RELEASE-4.20.0}): an IO-APIC of version 0x20 or later
     * ({@code ioapic_has_eoi_reg}) gets the vector in its EOI register; an older one gets the
     * entry flipped to edge and back to level, masked meanwhile (and unmasked again if it was
     * unmasked), each step a whole-entry write.
     *
     * @param d descriptor
     */
    public void ioapicEoi(final IrqDesc d) {
        if (d.pin() < 0) {
            return;
        }
        // resolved at construction: Platform.ioapics() copies its list on every call
        if (hasEoiRegister[d.ioapic()]) {
            bus.write(ioapicBase[d.ioapic()] + IoApicRegisters.EOIR, 4, d.vector());
            return;
        }
        long entry = readEntry(d.ioapic(), d.pin());
        final boolean unmaskAfter = !Rte.isMasked(entry);
        if (unmaskAfter) {
            entry = Rte.withMask(entry, true);
            writeEntry(d.ioapic(), d.pin(), entry);
        }
        writeEntry(d.ioapic(), d.pin(), entry & ~Rte.TRIGGER_LEVEL);
        writeEntry(d.ioapic(), d.pin(), entry | Rte.TRIGGER_LEVEL);
        if (unmaskAfter) {
            writeEntry(d.ioapic(), d.pin(), Rte.withMask(entry, false));
        }
    }

    /**
     * Writes a LAPIC EOI on a CPU ({@code xen/arch/x86/include/asm/apic.h:ack_APIC_irq@RELEASE-4.18.0/4.20.0}:
     * {@code apic_write(APIC_EOI, 0)}, a store to the page Xen mapped {@code FIX_APIC_BASE} to,
     * {@code xen/arch/x86/mpparse.c:mp_register_lapic_address@RELEASE-4.20.0}, or the x2APIC MSR).
     * Either way the access is the CPU's own: a processor decodes its APIC page (or MSR) inside
     * itself and puts nothing on the system bus (Intel SDM vol. 3, "Local APIC Status and
     * Location"), so the write goes straight to the EOI register of the CPU's LAPIC, where the bus
     * decode of that page would have sent it; every interrupt pays it once.
     *
     * @param cpu CPU
     */
    public void lapicEoi(final int cpu) {
        cpuLapic[cpu].write(LocalApicRegisters.EOI, 4, 0);
    }

    // ---------------------------------------------------------------- MMIO programming

    /**
     * Writes a whole entry, high dword first ({@code xen/arch/x86/io_apic.c:__ioapic_write_entry@RELEASE-4.18.0/4.20.0}).
     *
     * @param ioapic IO-APIC index
     * @param pin pin
     * @param rte entry
     */
    public void writeEntry(final int ioapic, final int pin, final long rte) {
        IoApicRegisters.writeEntry(bus, ioapicBase[ioapic], pin, rte);
    }

    /**
     * Reads an entry through MMIO ({@code xen/arch/x86/io_apic.c:__ioapic_read_entry@RELEASE-4.18.0/4.20.0}).
     *
     * @param ioapic IO-APIC index
     * @param pin pin
     * @return the entry
     */
    public long readEntry(final int ioapic, final int pin) {
        return IoApicRegisters.readEntry(bus, ioapicBase[ioapic], pin);
    }

    /**
     * {@code ioapic_guest_read} ({@code xen/arch/x86/io_apic.c@RELEASE-4.20.0}, same at 4.18): the
     * IO-APIC whose MADT address is {@code physbase} ({@code ioapic_physbase_to_id}), its register
     * {@code reg} read through IOREGSEL/IOWIN ({@code io_apic_read}; no interrupt remapping).
     *
     * @param physbase the IO-APIC's physical address
     * @param reg indirect register index
     * @return the register's 32 bits, or -EINVAL when no IO-APIC is at {@code physbase}
     */
    public long guestRead(final long physbase, final int reg) {
        for (int i = 0; i < ioapicBase.length; i++) {
            if (ioapicBase[i] == physbase) {
                return IoApicRegisters.readIndirect(bus, physbase, reg);
            }
        }
        return -io.irqsim.hv.Errno.EINVAL;
    }

    /**
     * @param gsi GSI
     * @return whether {@code mp_register_gsi} programmed its pin
     */
    public boolean isPinProgrammed(final int gsi) {
        final IoApic io = platform.ioapicForGsi(gsi);
        return io != null && pinProgrammed[platform.ioapicIndex(io)].get(gsi - io.gsiBase());
    }
}
