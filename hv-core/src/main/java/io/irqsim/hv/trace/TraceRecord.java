package io.irqsim.hv.trace;

/**
 * One decoded trace record.
 *
 * @param time virtual time in ns
 * @param event event code
 * @param cpu physical CPU, -1 for none
 * @param domain domain id ({@link TraceFormat#DOMID_XEN} for Xen itself)
 * @param a argument a
 * @param b argument b
 * @param c argument c
 */
public record TraceRecord(long time, int event, int cpu, int domain, long a, long b, long c) {
}
