package io.irqsim.hw.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The PCI hierarchy below the host bridge: every function by address, and configuration access
 * to them. A configuration read of an absent function returns all ones (vendor ID 0xFFFF), as a
 * master-aborted configuration cycle does.
 */
public final class PciRoot {

    private final Map<Bdf, PciFunction> functions = new TreeMap<>();

    /**
     * Adds a function.
     *
     * @param function the function
     * @throws IllegalArgumentException if its address is taken or its bus is not reachable
     */
    public void add(final PciFunction function) {
        final Bdf bdf = function.bdf();
        if (functions.containsKey(bdf)) {
            throw new IllegalArgumentException("two PCI functions at " + bdf);
        }
        if (function instanceof PciBridge && bridgeFor(((PciBridge) function).secondaryBus()) != null) {
            throw new IllegalArgumentException(bdf + " is a bridge to bus " + ((PciBridge) function).secondaryBus()
                + ", which " + bridgeFor(((PciBridge) function).secondaryBus()).bdf() + " already leads to");
        }
        if (bdf.bus() != 0 && bridgeFor(bdf.bus()) == null) {
            throw new IllegalArgumentException(bdf + " is on bus " + bdf.bus()
                + " but no bridge has that secondary bus");
        }
        functions.put(bdf, function);
    }

    /**
     * @param bdf address
     * @return the function, or {@code null}
     */
    public PciFunction function(final Bdf bdf) {
        return functions.get(bdf);
    }

    /** @return every function, in address order */
    public List<PciFunction> functions() {
        return new ArrayList<>(functions.values());
    }

    /**
     * @param bus a bus number other than 0
     * @return the bridge whose secondary bus it is, or {@code null}
     */
    public PciBridge bridgeFor(final int bus) {
        for (final PciFunction f : functions.values()) {
            if (f instanceof PciBridge && ((PciBridge) f).secondaryBus() == bus) {
                return (PciBridge) f;
            }
        }
        return null;
    }

    /**
     * Configuration read through the host bridge.
     *
     * @param bdf target
     * @param offset offset
     * @param size 1, 2 or 4
     * @return the value; all ones for an absent function
     */
    public int configRead(final Bdf bdf, final int offset, final int size) {
        final PciFunction f = functions.get(bdf);
        if (f == null) {
            return size == 4 ? -1 : size == 2 ? 0xFFFF : 0xFF;
        }
        return f.configRead(offset, size);
    }

    /**
     * Configuration write through the host bridge; dropped for an absent function.
     *
     * @param bdf target
     * @param offset offset
     * @param size 1, 2 or 4
     * @param value value
     */
    public void configWrite(final Bdf bdf, final int offset, final int size, final int value) {
        final PciFunction f = functions.get(bdf);
        if (f != null) {
            f.configWrite(offset, size, value);
        }
    }
}
