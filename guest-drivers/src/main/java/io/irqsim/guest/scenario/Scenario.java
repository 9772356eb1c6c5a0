package io.irqsim.guest.scenario;

import io.irqsim.guest.linux.PciIrqMode;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.PlatformSpec;

import java.util.List;

/**
 * A run of irqsim: the machine (real wiring and what firmware says), the domains and what they
 * drive, the devices passed through, the design from the seed thread to run, the interrupt
 * traffic, and optionally what should come out. Loaded from YAML by {@link ScenarioLoader}, or
 * {@link #defaultScenario()}.
 *
 * @param name short name
 * @param description one or two sentences for output
 * @param platform the machine
 * @param dom0 the hardware domain
 * @param guests HVM guests
 * @param strategy name of the design to run (see {@code io.irqsim.guest.strategy.Strategies})
 * @param traffic interrupts to drive
 * @param expect expectations (all optional)
 */
public record Scenario(String name, String description, PlatformSpec platform, Dom0Spec dom0, List<GuestSpec> guests,
                       String strategy, List<TrafficSpec> traffic, Expectations expect) {

    /** Name of the strategy a scenario runs when it names none: the PVH dom0 of the thread. */
    public static final String DEFAULT_STRATEGY = "status-quo";

    /** Copies the lists. */
    public Scenario {
        guests = List.copyOf(guests);
        traffic = List.copyOf(traffic);
        expect = expect == null ? Expectations.NONE : expect;
    }

    /**
     * The hardware domain.
     *
     * @param type PV or PVH
     * @param vcpus vCPUs
     * @param drivers devices dom0's own drivers claim (they get {@code request_irq}); every other
     *     device is left to pciback when passed through
     */
    public record Dom0Spec(DomainType type, int vcpus, List<Bdf> drivers) {
        /** Copies the list. */
        public Dom0Spec {
            drivers = List.copyOf(drivers);
        }
    }

    /**
     * An HVM guest.
     *
     * @param name domain name
     * @param vcpus vCPUs
     * @param passthrough devices passed through to it
     * @param hvmPirq whether it is created with {@code XEN_X86_EMU_USE_PIRQ} ({@code XENFEAT_hvm_pirqs}), or
     *     {@code null} for what the strategy's toolstack does by default (4.18: yes, 4.20: no)
     * @param vfioUser vfio-user devices plugged into it at boot ({@code docs/vfio-user.md})
     */
    public record GuestSpec(String name, int vcpus, List<PassthroughSpec> passthrough, Boolean hvmPirq,
                            List<VfioUserSpec> vfioUser) {
        /** Copies the lists. */
        public GuestSpec {
            passthrough = List.copyOf(passthrough);
            vfioUser = List.copyOf(vfioUser);
        }

        /**
         * A guest without vfio-user devices.
         *
         * @param name domain name
         * @param vcpus vCPUs
         * @param passthrough devices passed through to it
         * @param hvmPirq as in the canonical constructor
         */
        public GuestSpec(final String name, final int vcpus, final List<PassthroughSpec> passthrough,
                         final Boolean hvmPirq) {
            this(name, vcpus, passthrough, hvmPirq, List.of());
        }

        /**
         * A guest with the toolstack's default for pirqs.
         *
         * @param name domain name
         * @param vcpus vCPUs
         * @param passthrough devices passed through to it
         */
        public GuestSpec(final String name, final int vcpus, final List<PassthroughSpec> passthrough) {
            this(name, vcpus, passthrough, null);
        }
    }

    /**
     * One passed-through device.
     *
     * @param device the physical device
     * @param virtualSlot the device number it gets on the guest's PCI bus 0
     */
    public record PassthroughSpec(Bdf device, int virtualSlot) {
    }

    /**
     * A vfio-user device server plugged into a guest at boot: plain data here (guest-drivers
     * cannot reach the vfio-user client in dm-net); the run's caller connects and plugs it
     * ({@code docs/vfio-user.md}).
     *
     * @param socketPath the server's Unix socket path (the scenario's {@code unix:PATH})
     * @param virtualSlot the device number it gets on the guest's PCI bus 0
     * @param interrupts how many of its interrupts the run waits for the guest to EOI
     * @param irq what the guest's driver asks for ({@code irq: intx|msi|msix})
     */
    public record VfioUserSpec(String socketPath, int virtualSlot, int interrupts, PciIrqMode irq) {
        /**
         * An INTx entry ({@code irq: intx}, the default).
         *
         * @param socketPath the server's socket path
         * @param virtualSlot the guest slot
         * @param interrupts interrupts to wait for
         */
        public VfioUserSpec(final String socketPath, final int virtualSlot, final int interrupts) {
            this(socketPath, virtualSlot, interrupts, PciIrqMode.INTX);
        }
    }

    /**
     * Interrupts a device raises: it asserts INTx, waits for its driver to acknowledge it through
     * the BAR, then waits {@code intervalNs} of virtual time before the next.
     *
     * @param device the device
     * @param count how many interrupts
     * @param intervalNs virtual time between interrupts
     */
    public record TrafficSpec(Bdf device, int count, long intervalNs) {
    }

    /**
     * What should come out of the run; {@code null} fields are not checked.
     *
     * @param attach {@code "ok"} or the failing call and errno, e.g. {@code "irq_permission:-EPERM"}
     * @param delivered interrupts the guests' handlers handled
     * @param spurious interrupts nobody handled
     * @param boundToDom0 whether a passed-through device's GSI is also bound to dom0
     * @param physicalTrigger {@code "level"}, {@code "edge"} or {@code "unset"} for the passed-through GSI
     * @param physicalPolarity {@code "low"}, {@code "high"} or {@code "unset"}
     */
    public record Expectations(String attach, Long delivered, Long spurious, Boolean boundToDom0,
                               String physicalTrigger, String physicalPolarity) {
        /** No expectation at all. */
        public static final Expectations NONE = new Expectations(null, null, null, null, null, null);

        /** @return whether nothing is expected */
        public boolean isEmpty() {
            return equals(NONE);
        }
    }

    /** @return whether some guest has a device passed through to it */
    public boolean passesThroughAny() {
        return guests.stream().anyMatch(g -> !g.passthrough().isEmpty());
    }

    /** @return the built-in default scenario */
    public static Scenario defaultScenario() {
        return DefaultScenario.get();
    }
}
