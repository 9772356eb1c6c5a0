package io.irqsim.dm.qtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;

/**
 * The qtest protocol over a pair of streams ({@code irqsim qtest} without {@code --listen}): one
 * session on a fresh machine, fed line by line until end of input. Replies are flushed after
 * every line, so an interactive client sees each answer before it sends the next command.
 */
public final class QtestStdio {

    private QtestStdio() {
    }

    /**
     * Runs a session until the input ends or the output can no longer be written.
     *
     * @param in commands, one per line
     * @param out replies; flushed after each command, not closed
     * @return the session (its machine in the state the script left it)
     * @throws IOException if reading the input fails
     */
    public static QtestSession run(final InputStream in, final PrintWriter out) throws IOException {
        final QtestSession session = new QtestSession(line -> {
            out.print(line);
            out.print('\n');
        });
        final QtestLineReader reader = new QtestLineReader(in, QtestSession.MAX_LINE_LENGTH);
        String line;
        while ((line = reader.next()) != null) {
            if (line == QtestLineReader.TOO_LONG) {
                session.lineTooLong();
            } else {
                session.handleLine(line);
            }
            out.flush();
            if (out.checkError()) {
                break; // the reader went away (EPIPE): nobody to answer
            }
        }
        out.flush();
        return session;
    }
}
