package io.irqsim.hw.wire;

import io.irqsim.hw.ioapic.IoApic;

/**
 * One physical interrupt line from devices to an IO-APIC input pin. Drivers (device INTx outputs,
 * ISA devices, test harnesses) attach once and then assert or release; the wire computes its
 * electrical level from its {@link WireKind} and forwards level changes to the pin. Whether that
 * level counts as asserted is the IO-APIC's business (its RTE polarity bit), so a wrongly
 * programmed polarity shows the symptom real hardware shows.
 *
 * <p>Up to 64 drivers per wire. Asserting and releasing allocate nothing.
 */
public final class IrqWire {

    /** Most drivers one wire can have. */
    public static final int MAX_DRIVERS = 64;

    private final String name;
    private final WireKind kind;
    private final String[] driverNames = new String[MAX_DRIVERS];
    private int drivers;
    private long asserting;

    private IoApic ioapic;
    private int pin = -1;

    /**
     * @param name for diagnostics, e.g. {@code "gsi16"}
     * @param kind electrical behaviour
     */
    public IrqWire(final String name, final WireKind kind) {
        this.name = name;
        this.kind = kind;
    }

    /**
     * Connects the wire to an IO-APIC input and drives the pin with the wire's current level.
     *
     * @param target the IO-APIC
     * @param targetPin its input pin
     */
    public void connect(final IoApic target, final int targetPin) {
        if (targetPin < 0 || targetPin >= target.pins()) {
            throw new IllegalArgumentException(name + ": " + target.name() + " has no pin " + targetPin);
        }
        this.ioapic = target;
        this.pin = targetPin;
        target.setInput(targetPin, electricalHigh());
    }

    /**
     * Attaches a driver.
     *
     * @param driverName who drives the line, for diagnostics
     * @return the driver's handle for {@link #drive(int, boolean)}
     */
    public int attachDriver(final String driverName) {
        if (drivers == MAX_DRIVERS) {
            throw new IllegalStateException(name + " already has " + MAX_DRIVERS + " drivers");
        }
        driverNames[drivers] = driverName;
        return drivers++;
    }

    /**
     * A driver asserts or releases the line.
     *
     * @param driver handle from {@link #attachDriver(String)}
     * @param assertLine {@code true} to assert
     */
    public void drive(final int driver, final boolean assertLine) {
        checkDriver(driver);
        final boolean before = electricalHigh();
        if (assertLine) {
            asserting |= 1L << driver;
        } else {
            asserting &= ~(1L << driver);
        }
        final boolean after = electricalHigh();
        if (before != after && ioapic != null) {
            ioapic.setInput(pin, after);
        }
    }

    /** @return the electrical level: {@code true} = high */
    public boolean electricalHigh() {
        return kind.electricalHigh(Long.bitCount(asserting));
    }

    /** @return how many drivers currently assert the line */
    public int assertingDrivers() {
        return Long.bitCount(asserting);
    }

    /**
     * @param driver handle
     * @return whether that driver currently asserts the line
     */
    public boolean isAssertedBy(final int driver) {
        checkDriver(driver);
        return (asserting & (1L << driver)) != 0;
    }

    /**
     * @param driver handle
     * @return the driver's name
     */
    public String driverName(final int driver) {
        checkDriver(driver);
        return driverNames[driver];
    }

    private void checkDriver(final int driver) {
        if (driver < 0 || driver >= drivers) {
            throw new IllegalArgumentException(name + " has no driver " + driver);
        }
    }

    /** @return number of attached drivers */
    public int driverCount() {
        return drivers;
    }

    /** @return the wire's kind */
    public WireKind kind() {
        return kind;
    }

    /** @return the wire's name */
    public String name() {
        return name;
    }

    /** @return the IO-APIC it feeds, or {@code null} */
    public IoApic ioapic() {
        return ioapic;
    }

    /** @return the IO-APIC pin it feeds, or -1 */
    public int pin() {
        return pin;
    }

    @Override
    public String toString() {
        return name + "(" + kind + ", " + (electricalHigh() ? "high" : "low") + ", "
            + assertingDrivers() + " asserting)";
    }
}
