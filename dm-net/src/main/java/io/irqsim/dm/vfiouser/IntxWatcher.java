package io.irqsim.dm.vfiouser;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * Waits on a vfio-user device's INTx eventfd on a daemon thread of its own and hands each firing
 * to the machine's thread, for a machine that runs on its own (as under {@code irqsim serve})
 * rather than waiting for the server itself ({@link VfioUserGuestDevice#deliver}). QEMU's
 * {@code hw/vfio/pci.c:vfio_intx_interrupt} is the same hand-over: the eventfd is a main-loop fd
 * handler that asserts the line.
 *
 * <p>The thread polls the eventfd with a timeout of {@value #POLL_MILLIS} ms so that
 * {@link #stop} needs no write to the eventfd (whose buffer the waiting read shares).
 */
final class IntxWatcher {

    /** How often the thread looks at whether it was stopped while no interrupt comes. */
    static final int POLL_MILLIS = 100;

    private final Eventfd intx;
    private final Thread thread;
    private volatile boolean stopped;

    /**
     * @param intx the eventfd the server signals
     * @param onMachineThread runs a task on the machine's thread
     * @param fired what to run there for each firing
     * @param failed what to run there if the eventfd cannot be read (the thread then ends)
     * @param name the thread's name
     */
    IntxWatcher(final Eventfd intx, final Consumer<Runnable> onMachineThread, final Runnable fired,
                final Consumer<IOException> failed, final String name) {
        this.intx = intx;
        this.thread = new Thread(() -> {
            try {
                while (!stopped) {
                    if (intx.await(POLL_MILLIS) > 0 && !stopped) {
                        onMachineThread.accept(fired);
                    }
                }
            } catch (final IOException e) {
                if (!stopped) {
                    onMachineThread.accept(() -> failed.accept(e));
                }
            } catch (final RuntimeException e) {
                // the machine's thread refused the task: it is shutting down, so the device is done
            }
        }, name);
        this.thread.setDaemon(true);
    }

    /** Starts waiting. */
    void start() {
        thread.start();
    }

    /** Stops the thread and waits for it (at most a poll period and a hand-over). */
    void stop() {
        stopped = true;
        if (Thread.currentThread() != thread) {
            try {
                thread.join(10L * POLL_MILLIS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return the eventfd */
    Eventfd eventfd() {
        return intx;
    }
}
