package io.irqsim.hw.files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FileErrorsTest {

    // the exceptions Java's file API really throws: the path is their message, the reason is not
    @Test
    void aMissingFileAndADirectoryAreNamedWithoutThePath(@TempDir final Path dir) {
        final Path missing = dir.resolve("nope.dsl");
        final NoSuchFileException gone = assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(missing));
        assertEquals("no such file", FileErrors.reason(gone));
        final IOException isDir = assertThrows(IOException.class, () -> Files.readAllBytes(dir));
        assertEquals("is a directory", FileErrors.reason(isDir));
    }

    @Test
    void systemReasonsContinueALineInLowerCase() {
        assertEquals("no space left on device",
            FileErrors.reason(new FileSystemException("/t/x", null, "No space left on device")));
        assertEquals("permission denied", FileErrors.reason(new AccessDeniedException("/t/x")));
        assertEquals("permission denied", FileErrors.reason(new AccessDeniedException("/t/x", null, "Permission denied")));
    }

    @Test
    void withoutAReasonTheMessageOrTheKindIsGiven() {
        assertEquals("/t/out", FileErrors.reason(new java.nio.file.FileAlreadyExistsException("/t/out")));
        // a relative path is a path, not a sentence
        assertEquals("Out/run", FileErrors.reason(new java.nio.file.FileAlreadyExistsException("Out/run")));
        assertEquals("short read", FileErrors.reason(new IOException("short read")));
        assertEquals("IOException", FileErrors.reason(new IOException()));
        assertEquals("FileSystemException", FileErrors.reason(new FileSystemException(null)));
        assertEquals("", FileErrors.reason(new FileSystemException("/t/x", null, "")));
        assertEquals("ACPI table truncated", FileErrors.reason(new IOException("ACPI table truncated")));
        assertEquals("X", FileErrors.reason(new IOException("X")));
    }
}
