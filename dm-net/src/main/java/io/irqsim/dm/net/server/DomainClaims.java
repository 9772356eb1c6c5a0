package io.irqsim.dm.net.server;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hw.mmio.MmioBus;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the device models attached to one domain have claimed: MMIO ranges (including the BAR
 * windows of their PCI functions, kept reserved while a function waits for its model to come
 * back), port ranges, and PCI functions by slot. Overlaps are refused across every model of the
 * domain and against everything already mapped in its address space.
 */
final class DomainClaims {

    /** One claimed range, inclusive. */
    record Claim(DmSession owner, long first, long last, String what) {
    }

    private final Domain domain;
    private final List<Claim> mmio = new ArrayList<>();
    private final List<Claim> pio = new ArrayList<>();
    private final Map<Integer, EmulatedFunction> functions = new TreeMap<>();
    private int sessions;

    DomainClaims(final Domain domain) {
        this.domain = domain;
    }

    Domain domain() {
        return domain;
    }

    int sessions() {
        return sessions;
    }

    void sessionAttached() {
        sessions++;
    }

    void sessionDetached() {
        sessions--;
    }

    /**
     * @param first first address
     * @param last last address (inclusive)
     * @return what the range overlaps (a mapping of the domain or another claim), or {@code null}
     */
    String mmioConflict(final long first, final long last) {
        final MmioBus bus = domain.vcpu(0).bus();
        for (final MmioBus.Mapping m : bus.mappings()) {
            if (Long.compareUnsigned(first, m.last()) <= 0 && Long.compareUnsigned(m.base(), last) <= 0) {
                return String.format("[0x%x, 0x%x] (%s)", m.base(), m.last(), m.device().name());
            }
        }
        for (final Claim c : mmio) {
            if (Long.compareUnsigned(first, c.last()) <= 0 && Long.compareUnsigned(c.first(), last) <= 0) {
                return String.format("[0x%x, 0x%x] (%s)", c.first(), c.last(), c.what());
            }
        }
        return null;
    }

    /**
     * @param first first port
     * @param last last port (inclusive)
     * @return the claim it overlaps, or {@code null}
     */
    String pioConflict(final long first, final long last) {
        for (final Claim c : pio) {
            if (first <= c.last() && c.first() <= last) {
                return String.format("ports [0x%x, 0x%x] (%s)", c.first(), c.last(), c.what());
            }
        }
        return null;
    }

    void claimMmio(final Claim c) {
        mmio.add(c);
    }

    void claimPio(final Claim c) {
        pio.add(c);
    }

    EmulatedFunction function(final int slot) {
        return functions.get(slot);
    }

    void addFunction(final EmulatedFunction f) {
        functions.put(f.slot(), f);
    }

    /**
     * Releases what a session claimed: its ranges go, its PCI functions stay (orphaned, BAR
     * windows still reserved) for a model to take back.
     *
     * @param session the session
     */
    void release(final DmSession session) {
        for (final Iterator<Claim> it = mmio.iterator(); it.hasNext(); ) {
            final Claim c = it.next();
            if (c.owner() == session) {
                it.remove();
            }
        }
        pio.removeIf(c -> c.owner() == session);
        for (final EmulatedFunction f : functions.values()) {
            if (f.owner() == session) {
                f.setOwner(null);
            }
        }
    }

    /** @return a description of every claim, for tests and diagnostics */
    List<String> describe() {
        final List<String> out = new ArrayList<>();
        for (final Claim c : mmio) {
            out.add(String.format("mmio [0x%x, 0x%x] %s", c.first(), c.last(), c.what()));
        }
        for (final Claim c : pio) {
            out.add(String.format("pio [0x%x, 0x%x] %s", c.first(), c.last(), c.what()));
        }
        for (final EmulatedFunction f : functions.values()) {
            out.add(String.format("pci slot %d %04x:%04x %s", f.slot(), f.identity().vendorId(),
                f.identity().deviceId(), f.owner() == null ? "waiting for its model" : "served"));
        }
        return out;
    }
}
