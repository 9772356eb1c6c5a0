package io.irqsim.guest.toolstack;

import io.irqsim.hw.pci.Bdf;

/**
 * A flow that answers like {@code base} except where a test overrides the n-th call: the device model
 * calls {@link IrqFlow#source} and {@link IrqFlow#map} first, libxl's {@code pci_add_dm_done} second.
 */
final class ScriptedFlow implements IrqFlow {
    final IrqFlow base;
    final java.util.Map<Integer, Integer> sources = new java.util.HashMap<>();
    final java.util.Map<Integer, Integer> maps = new java.util.HashMap<>();
    Runnable onPermit = () -> { };
    int sourceCalls;
    int mapCalls;

    ScriptedFlow(final IrqFlow base) {
        this.base = base;
    }

    @Override
    public int source(final Libxl ctx, final Bdf bdf) {
        final Integer v = sources.get(++sourceCalls);
        return v != null ? v : base.source(ctx, bdf);
    }

    @Override
    public AttachStep sourceStep() {
        return base.sourceStep();
    }

    @Override
    public int map(final Libxl ctx, final io.irqsim.hv.domain.Domain domU, final int source) {
        final Integer v = maps.get(++mapCalls);
        return v != null ? v : base.map(ctx, domU, source);
    }

    @Override
    public int permit(final Libxl ctx, final io.irqsim.hv.domain.Domain domU, final int source, final int pirq) {
        onPermit.run();
        return base.permit(ctx, domU, source, pirq);
    }

    @Override
    public AttachStep permitStep() {
        return base.permitStep();
    }

    @Override
    public String describe() {
        return "scripted " + base.describe();
    }
}
