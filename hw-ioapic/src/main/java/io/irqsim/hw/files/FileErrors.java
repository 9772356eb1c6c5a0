package io.irqsim.hw.files;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Locale;

/**
 * Why an operation on a named file failed, worded once for every reader and writer of files
 * (firmware dumps, trace files, reports), so that the same failure reads the same whichever
 * command met it. The caller names the file; the reason never repeats it: Java's file exceptions
 * carry the path as their message, which would otherwise be printed twice.
 */
public final class FileErrors {

    private FileErrors() {
    }

    /**
     * @param e what opening, reading or writing a file threw
     * @return the reason, without the file's name: {@code no such file}, {@code permission denied},
     *     the system's own reason otherwise ({@code is a directory}, {@code no space left on
     *     device}), else the exception's message (for a file-system exception without a reason,
     *     the path it tripped over, as it is), or failing that its class; a reason or message that
     *     begins with a capitalised word has it put in lower case
     */
    public static String reason(final Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e.getMessage() == null) {
            return e.getClass().getSimpleName();
        }
        if (e instanceof FileSystemException f) {
            // without a reason (FileAlreadyExistsException from Files.createDirectories, say) the
            // message is only the path it tripped over, which names the obstacle (often not the
            // file the caller names), and a path is given as it is
            return f.getReason() != null ? lowerFirst(f.getReason()) : e.getMessage();
        }
        return lowerFirst(e.getMessage());
    }

    /**
     * The system's reasons are sentences ("Is a directory", which {@code Files.readAllBytes} throws
     * as a plain {@code IOException}); ours continue a line after a colon. A leading acronym
     * ("ACPI ...") is left as it is.
     */
    private static String lowerFirst(final String s) {
        if (s.length() < 2 || !Character.isUpperCase(s.charAt(0)) || !Character.isLowerCase(s.charAt(1))) {
            return s;
        }
        return s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
    }
}
