package io.irqsim.dm.vfiouser;

import java.io.IOException;

/** The server answered a command with an error reply (flags bit 0x20), errno set; the connection stays usable. */
public final class VfioUserErrorReply extends IOException {

    private static final long serialVersionUID = 1L;
    private final int command;
    private final int errno;

    /**
     * @param command the command refused
     * @param errno the errno the reply carried
     */
    public VfioUserErrorReply(final int command, final int errno) {
        super("server refused " + VfioUser.commandName(command) + ": " + ErrnoNames.describe(errno));
        this.command = command;
        this.errno = errno;
    }

    /** @return the refused command */
    public int command() {
        return command;
    }

    /** @return the errno of the reply */
    public int errno() {
        return errno;
    }
}
