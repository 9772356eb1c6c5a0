package io.irqsim.hv.ioreq;

/** Completes an asynchronous guest access ({@code IOREQ_STATE_IORESP_READY} in Xen). */
@FunctionalInterface
public interface IoreqCompletion {

    /**
     * @param value the value read (ignored for writes)
     */
    void complete(long value);
}
