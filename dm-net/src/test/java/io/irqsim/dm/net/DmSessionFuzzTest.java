package io.irqsim.dm.net;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.irqsim.dm.net.proto.DmFrameDecoder;
import io.irqsim.dm.net.proto.FrameDescriptor;
import io.irqsim.dm.net.proto.InvalidFrame;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the dm-net protocol's two input layers: the frame decoder on its own
 * (both roles, the input split at an input-chosen point so the state machine sees partial
 * headers and payloads), and a server session fed the input as a device model's byte stream.
 * A finding is any exception that escapes the decoder or the session's pipeline, or a frame the
 * server writes that a model's decoder would refuse. Inputs share one booted machine (booting
 * one per input would cost most of the run); each input is its own connection, and a session's
 * registrations end with it, as they do when a real model disconnects. The build replays the
 * seeds in {@code DmSessionFuzzTestInputs/}.
 */
class DmSessionFuzzTest {

    private static ServerRig rig;

    @BeforeAll
    static void boot() {
        rig = ServerRig.boot();
    }

    @AfterAll
    static void shutDown() {
        rig.close();
    }

    // DmFrameDecoder: every input decodes to frames and refusals, never an exception
    @FuzzTest(maxDuration = "10m")
    void frameDecoderNeverThrows(final byte[] input) {
        for (final DmFrameDecoder.Role role : DmFrameDecoder.Role.values()) {
            final EmbeddedChannel ch = new EmbeddedChannel(new DmFrameDecoder(role));
            final int split = input.length == 0 ? 0 : (input[0] & 0xFF) % (input.length + 1);
            ch.writeInbound(Unpooled.wrappedBuffer(input, 0, split));
            ch.writeInbound(Unpooled.wrappedBuffer(input, split, input.length - split));
            ch.finish();
            ch.checkException();
            Object o;
            int fatal = 0;
            while ((o = ch.readInbound()) != null) {
                if (o instanceof InvalidFrame f && f.fatal()) {
                    fatal++;
                }
            }
            assertTrue(fatal <= 1, "more than one stream-breaking refusal");
        }
    }

    // DmSession: any byte stream from a model gets well-formed frames back (or a close), never an exception
    @FuzzTest(maxDuration = "10m")
    void sessionAnswersAnyByteStreamWithValidFrames(final byte[] input) {
        final EmbeddedChannel ch = rig.connect();
        ch.writeInbound(Unpooled.wrappedBuffer(input));
        ch.runPendingTasks();
        ch.checkException();
        final List<Object> frames = new ArrayList<>(ServerRig.decode(ServerRig.drain(ch)));
        ch.finishAndReleaseAll();
        ch.checkException();
        assertTrue(frames.size() <= input.length / FrameDescriptor.HEADER_LENGTH + 2,
            "more answers than frames sent: " + frames.size());
    }
}
