package io.irqsim.guest.scenario;

/**
 * A scenario file that cannot be loaded: where (file, line, column, field path) and why.
 *
 * <p>{@link #getMessage()} is the whole text in the shape compilers use,
 * {@code file:line:column: path: message}, e.g.
 * {@code scenarios/x.yaml:12:7: guests[0].passthrough[0].device: '00:3.0z' is not a PCI address: ...}.
 * The path part is left out for errors that belong to no field (malformed YAML, an empty file),
 * and line and column are left out when there is no position (the file could not be read).
 */
public final class ScenarioException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final int column;
    private final String path;
    private final String shortMessage;

    /**
     * @param file the source name, as given to the loader
     * @param line 1-based line, or 0 if unknown
     * @param column 1-based column, or 0 if unknown
     * @param path field path such as {@code guests[0].passthrough[0].device}, or empty
     * @param shortMessage what is wrong
     * @param cause the underlying exception, or {@code null}
     */
    public ScenarioException(final String file, final int line, final int column, final String path,
                             final String shortMessage, final Throwable cause) {
        super(format(file, line, column, path, shortMessage), cause);
        this.file = file;
        this.line = line;
        this.column = column;
        this.path = path == null ? "" : path;
        this.shortMessage = shortMessage;
    }

    private static String format(final String file, final int line, final int column, final String path,
                                 final String message) {
        final StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(':').append(line).append(':').append(Math.max(column, 1));
        }
        sb.append(": ");
        if (path != null && !path.isEmpty()) {
            sb.append(path).append(": ");
        }
        return sb.append(message).toString();
    }

    /** @return the source name the loader was given (for {@link ScenarioLoader#load}, the path as passed) */
    public String file() {
        return file;
    }

    /** @return 1-based line of the offending text, 0 if none */
    public int line() {
        return line;
    }

    /** @return 1-based column of the offending text, 0 if none */
    public int column() {
        return column;
    }

    /** @return the field path, e.g. {@code platform.pci[2].bdf}; empty for whole-file errors */
    public String path() {
        return path;
    }

    /** @return the reason alone, without file, position or path */
    public String shortMessage() {
        return shortMessage;
    }
}
