package io.irqsim.dm.vfiouser;

import java.io.IOException;

/** The peer broke the vfio-user protocol (bad header, size, reply, JSON, descriptors); the connection is unusable. */
public class VfioUserProtocolException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what was wrong, for the user
     */
    public VfioUserProtocolException(final String message) {
        super(message);
    }
}
