package io.irqsim.dm.net.client;

import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.Msg;

/** The server refused a request, or ended the session, with an ERROR frame. */
public final class DmRemoteException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Msg.Error error;

    /**
     * @param error the ERROR payload
     */
    public DmRemoteException(final Msg.Error error) {
        super(error.toString());
        this.error = error;
    }

    /** @return the ERROR payload */
    public Msg.Error error() {
        return error;
    }

    /** @return the error code ({@link ErrorCodes}) */
    public int code() {
        return error.code();
    }

    /** @return the Xen errno for HYPERVISOR errors, else 0 */
    public int errno() {
        return error.errno();
    }
}
