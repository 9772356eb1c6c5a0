package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;

/**
 * The XSM dummy policy's privilege levels (Xen {@code xen/include/xsm/dummy.h}).
 */
public final class Xsm {

    private Xsm() {
    }

    /**
     * {@code XSM_PRIV} ({@code xen/include/xsm/dummy.h:xsm_default_action@RELEASE-4.18.0/4.20.0}): the caller is a control domain.
     *
     * @param caller calling domain
     * @return whether allowed
     */
    public static boolean priv(final Domain caller) {
        return caller.isPrivileged();
    }

    /**
     * {@code XSM_DM_PRIV} ({@code xen/include/xsm/dummy.h:xsm_default_action@RELEASE-4.18.0/4.20.0}): a control domain, or the target's device-model domain ({@code is_priv_for}).
     *
     * @param caller calling domain
     * @param target the domain acted on
     * @return whether allowed
     */
    public static boolean dmPriv(final Domain caller, final Domain target) {
        return caller.isPrivileged() || caller.deviceModelFor() == target;
    }
}
