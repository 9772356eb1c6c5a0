package io.irqsim.cli;

/**
 * Runs a started server (or an attached model) until it closes or the JVM is asked to stop (Ctrl-C, SIGTERM): a
 * shutdown hook closes it, so a Unix socket file is removed and connections end cleanly.
 */
final class UntilStopped {

    /** Waits for a server to close. */
    @FunctionalInterface
    interface Awaitable {
        /** @throws InterruptedException if the waiting thread is interrupted */
        void awaitClose() throws InterruptedException;
    }

    private final Thread hook;
    private final Runnable close;

    private UntilStopped(final String name, final Runnable close) {
        this.close = close;
        this.hook = new Thread(close, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Installs the shutdown hook for a server that has just started.
     *
     * @param name for the hook thread, e.g. {@code "irqsim-serve"}
     * @param close closes the server
     * @return the guard; call {@link #await} once the server is announced
     */
    static UntilStopped install(final String name, final Runnable close) {
        return new UntilStopped(name, close);
    }

    /**
     * Waits until the server closes, then closes it (idempotently) and removes the hook.
     *
     * @param server what to wait on
     */
    void await(final Awaitable server) {
        try {
            server.awaitClose();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            release();
        }
    }

    /** Closes the server and removes the hook (when it was not the hook that ran). */
    private void release() {
        close.run();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (final IllegalStateException shuttingDown) {
            // the hook is running already
        }
    }
}
