package io.irqsim.cli;

import io.irqsim.hw.files.FileErrors;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Writes {@code irqsim run} verdicts as JUnit XML (the Ant/Surefire {@code testsuite} schema CI
 * systems read): one {@code testsuite} named {@code irqsim run}, one {@code testcase} per scenario
 * file ({@code classname} "irqsim.run", {@code name} the file), a {@code failure} whose message is
 * the first reason and whose text lists them all, or an {@code error} for a file that could not be
 * loaded. {@code time} is the wall-clock seconds the run took. Written with the JDK's StAX writer,
 * so names and messages are escaped.
 */
final class JunitXml {

    private JunitXml() {
    }

    static void write(final Path file, final List<RunBatch.Outcome> outcomes) {
        long failures = 0;
        long errors = 0;
        double total = 0;
        for (final RunBatch.Outcome o : outcomes) {
            failures += !o.passed() && !o.error() ? 1 : 0;
            errors += o.error() ? 1 : 0;
            total += o.seconds();
        }
        try (OutputStream os = Files.newOutputStream(file)) {
            final XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(os, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            w.writeCharacters("\n");
            w.writeStartElement("testsuite");
            w.writeAttribute("name", "irqsim run");
            w.writeAttribute("tests", Integer.toString(outcomes.size()));
            w.writeAttribute("failures", Long.toString(failures));
            w.writeAttribute("errors", Long.toString(errors));
            w.writeAttribute("skipped", "0");
            w.writeAttribute("time", seconds(total));
            for (final RunBatch.Outcome o : outcomes) {
                w.writeCharacters("\n  ");
                w.writeStartElement("testcase");
                w.writeAttribute("classname", "irqsim.run");
                w.writeAttribute("name", o.file());
                w.writeAttribute("time", seconds(o.seconds()));
                if (!o.passed()) {
                    w.writeCharacters("\n    ");
                    w.writeStartElement(o.error() ? "error" : "failure");
                    w.writeAttribute("message", o.failures().isEmpty() ? "failed" : o.failures().get(0));
                    w.writeAttribute("type", o.error() ? "scenario file error" : "expectation failed");
                    w.writeCharacters(o.error() ? o.failures().get(0) : "scenario " + o.scenario() + ", strategy "
                        + o.strategy() + "\n" + String.join("\n", o.failures()));
                    w.writeEndElement();
                    w.writeCharacters("\n  ");
                }
                w.writeEndElement();
            }
            w.writeCharacters("\n");
            w.writeEndElement();
            w.writeCharacters("\n");
            w.writeEndDocument();
            w.close();
        } catch (final IOException e) {
            throw new UncheckedIOException(file + ": " + FileErrors.reason(e), e);
        } catch (final XMLStreamException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), new IOException(e));
        }
    }

    private static String seconds(final double s) {
        return String.format(Locale.ROOT, "%.3f", s);
    }
}
