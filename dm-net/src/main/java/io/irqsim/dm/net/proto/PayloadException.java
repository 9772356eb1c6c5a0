package io.irqsim.dm.net.proto;

/**
 * A payload that cannot be accepted: the {@link ErrorCodes} code to answer with and why.
 * Carries no stack trace: it reports peer input, not a program error.
 */
public final class PayloadException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int code;

    /**
     * @param code error code
     * @param message explanation sent to the peer
     */
    public PayloadException(final int code, final String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** @return the error code */
    public int code() {
        return code;
    }
}
