package io.irqsim.hw.mmio;

/**
 * The bus's calls into devices, split into one call site per device class.
 *
 * <p>HotSpot inlines an interface call by the receiver classes its profile saw at that call
 * site, and the profile of a call site is shared by every bus in the JVM. One
 * {@code device.write(...)} site that has seen a LAPIC, an IO-APIC and a test device is
 * megamorphic: every access becomes an itable dispatch to a separately compiled method, and the
 * path behind it cannot be optimised as a whole. Here each device class gets its own site
 * ({@link #siteFor}, decided once, when a device is mapped), so each site sees one class
 * whatever else the JVM runs, and the JIT inlines the device's access into the caller behind a
 * class check. Classes past the first {@link #SITES} share the last site.
 */
final class MmioDispatch {

    /**
     * Call sites with a class of their own. Sites go to classes in the order the JVM first maps
     * them (the table is JVM-wide): the first machine built maps its LAPICs and IO-APICs first,
     * the only devices on a per-interrupt path, and the third class gets the spare. Every site
     * costs code in every bus method C2 inlines this into, used or not (an unused virtual call is
     * ~180 bytes of machine code there); with eight sites the switch alone was a quarter of the
     * bus's compiled write, and pushed it past the size C2 inlines. A fourth class and every
     * later one share the {@code default} site; that is where devices behind a socket (dm-net,
     * vfio-user) end up, whose access waits for a reply, next to which a virtual call is nothing.
     */
    static final int SITES = 3;

    private static final Class<?>[] CLASSES = new Class<?>[SITES];

    private MmioDispatch() {
    }

    /**
     * @param device a device about to be mapped
     * @return its class's call site, 0..{@link #SITES} ({@link #SITES}: the shared one)
     */
    static int siteFor(final MmioDevice device) {
        final Class<?> c = device.getClass();
        synchronized (CLASSES) {
            for (int i = 0; i < SITES; i++) {
                if (CLASSES[i] == null) {
                    CLASSES[i] = c;
                    return i;
                }
                if (CLASSES[i] == c) {
                    return i;
                }
            }
        }
        return SITES;
    }

    static long read(final int site, final MmioDevice d, final long offset, final int size) {
        switch (site) {
            case 0: return d.read(offset, size);
            case 1: return d.read(offset, size);
            case 2: return d.read(offset, size);
            default: return d.read(offset, size);
        }
    }

    static void write(final int site, final MmioDevice d, final long offset, final int size, final long value) {
        switch (site) {
            case 0: d.write(offset, size, value); return;
            case 1: d.write(offset, size, value); return;
            case 2: d.write(offset, size, value); return;
            default: d.write(offset, size, value);
        }
    }
}
