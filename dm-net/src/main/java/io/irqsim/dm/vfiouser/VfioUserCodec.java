package io.irqsim.dm.vfiouser;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The bytes of vfio-user messages, client side: requests are encoded whole (header and payload),
 * replies are decoded from their payload with every length and offset checked, so a hostile
 * server gets a {@link VfioUserProtocolException} naming what is wrong, never an unchecked
 * exception or an allocation it chose the size of. Layouts: QEMU
 * {@code docs/interop/vfio-user.rst} (protocol 0.2), libvfio-user {@code include/vfio-user.h}
 * and the VFIO structs of {@code linux/vfio.h} it reuses; all fields little-endian.
 */
public final class VfioUserCodec {

    /** The VERSION capability JSON this client sends may be at most this long, and so may a server's. */
    public static final int MAX_VERSION_JSON = 4096;
    /** Most a server may ask for in a region info's argsz (the info plus its capability chain). */
    public static final int MAX_REGION_INFO_ARGSZ = 64 * 1024;
    /** Most capabilities a region info chain may hold before the client calls it a loop. */
    public static final int MAX_REGION_CAPS = 64;
    /** Upper bound a server may advertise for max_msg_fds (QEMU's VFIO_USER_MAX_MAX_FDS). */
    public static final int MAX_MSG_FDS_LIMIT = 16;

    static final int DEVICE_INFO_SIZE = 16;
    static final int REGION_INFO_SIZE = 32;
    static final int IRQ_INFO_SIZE = 16;
    static final int IRQ_SET_SIZE = 20;
    static final int REGION_ACCESS_SIZE = 16;

    private static final ObjectMapper JSON = new ObjectMapper();

    private VfioUserCodec() {
    }

    /** A message header. */
    public record Header(int msgId, int command, int size, int flags, int errno) {
        /** @return the type bits: {@link VfioUser#F_TYPE_COMMAND} or {@link VfioUser#F_TYPE_REPLY} */
        public int type() {
            return flags & VfioUser.F_TYPE_MASK;
        }

        /** @return whether this is an error reply */
        public boolean isError() {
            return (flags & VfioUser.F_ERROR) != 0;
        }
    }

    /**
     * Decodes and checks a header.
     *
     * @param b at least 16 bytes
     * @param maxSize the largest message accepted
     * @return the header
     * @throws VfioUserProtocolException if the size is below 16 or above {@code maxSize}
     */
    public static Header decodeHeader(final byte[] b, final int maxSize) throws VfioUserProtocolException {
        if (b.length < VfioUser.HEADER_SIZE) {
            throw new VfioUserProtocolException("header is " + b.length + " bytes, needs " + VfioUser.HEADER_SIZE);
        }
        final ByteBuffer in = le(b);
        final Header h = new Header(in.getShort() & 0xffff, in.getShort() & 0xffff, in.getInt(), in.getInt(), in.getInt());
        final long size = h.size() & 0xffffffffL;
        if (size < VfioUser.HEADER_SIZE) {
            throw new VfioUserProtocolException("message size " + size + " is smaller than its 16-byte header");
        }
        if (size > maxSize) {
            throw new VfioUserProtocolException("message size " + size + " exceeds the limit of " + maxSize + " bytes");
        }
        return h;
    }

    /**
     * @param msgId message id
     * @param command command number
     * @param flags header flags
     * @param errno error number (replies only)
     * @param payload payload, may be empty
     * @return the whole message
     */
    public static byte[] message(final int msgId, final int command, final int flags, final int errno,
                                 final byte[] payload) {
        final ByteBuffer out = le(new byte[VfioUser.HEADER_SIZE + payload.length]);
        out.putShort((short) msgId).putShort((short) command).putInt(VfioUser.HEADER_SIZE + payload.length)
            .putInt(flags).putInt(errno).put(payload);
        return out.array();
    }

    // ---- VERSION ----

    /** What the VERSION exchange settled. */
    public record Version(int major, int minor, int maxMsgFds, int maxDataXferSize) {
    }

    /**
     * The client's VERSION payload: major, minor, then NUL-terminated JSON
     * {@code {"capabilities":{"max_msg_fds":N,"max_data_xfer_size":N}}}.
     *
     * @param maxMsgFds descriptors the client accepts in one message
     * @param maxDataXfer largest data transfer the client accepts
     * @return the payload
     */
    public static byte[] versionPayload(final int maxMsgFds, final int maxDataXfer) {
        return versionPayload(maxMsgFds, maxDataXfer, false);
    }

    /**
     * The client's VERSION payload, optionally offering libvfio-user's {@code twin_socket}
     * capability ({@code "twin_socket":{"supported":true}}, {@code lib/tran.c}@efd091b: the server
     * then sends its own commands on a second socket whose descriptor comes with the reply).
     *
     * @param maxMsgFds descriptors the client accepts in one message
     * @param maxDataXfer largest data transfer the client accepts
     * @param twinSocket whether to offer twin_socket
     * @return the payload
     */
    public static byte[] versionPayload(final int maxMsgFds, final int maxDataXfer, final boolean twinSocket) {
        final ObjectNode root = JSON.createObjectNode();
        final ObjectNode caps = root.putObject("capabilities");
        caps.put("max_msg_fds", maxMsgFds);
        caps.put("max_data_xfer_size", maxDataXfer);
        if (twinSocket) {
            caps.putObject("twin_socket").put("supported", true);
        }
        final byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        final ByteBuffer out = le(new byte[4 + json.length + 1]);
        out.putShort((short) VfioUser.MAJOR).putShort((short) VfioUser.MINOR).put(json).put((byte) 0);
        return out.array();
    }

    /**
     * Decodes the server's VERSION reply. Missing capabilities take the spec's defaults; the
     * minor version used is the server's, which must not exceed the one this client proposed.
     *
     * @param p the reply payload
     * @return the negotiated version and the server's limits
     * @throws VfioUserProtocolException for another major version, a higher minor one, bad JSON or
     *     out-of-range limits
     */
    public static Version decodeVersionReply(final byte[] p) throws VfioUserProtocolException {
        need(p, 4, "VERSION reply");
        final ByteBuffer in = le(p);
        final int major = in.getShort() & 0xffff;
        final int minor = in.getShort() & 0xffff;
        if (major != VfioUser.MAJOR) {
            throw new VfioUserProtocolException("server speaks vfio-user " + major + "." + minor
                + ", this client " + VfioUser.MAJOR + "." + VfioUser.MINOR);
        }
        if (minor > VfioUser.MINOR) {
            // docs/interop/vfio-user.rst (VFIO_USER_VERSION): the reply's minor must be equal to or
            // less than the one proposed; QEMU's client refuses such a server too
            throw new VfioUserProtocolException("server replied vfio-user " + major + "." + minor
                + " to this client's " + VfioUser.MAJOR + "." + VfioUser.MINOR
                + ": a reply's minor version must not exceed the one proposed");
        }
        int maxFds = VfioUser.DEFAULT_MAX_MSG_FDS;
        int maxXfer = VfioUser.DEFAULT_MAX_DATA_XFER_SIZE;
        if (p.length > 4) {
            if (p.length - 4 > MAX_VERSION_JSON + 1) {
                throw new VfioUserProtocolException("VERSION capabilities are " + (p.length - 4)
                    + " bytes, more than " + (MAX_VERSION_JSON + 1));
            }
            if (p[p.length - 1] != 0) {
                throw new VfioUserProtocolException("VERSION capabilities are not NUL-terminated");
            }
            final JsonNode root = parseJson(new String(p, 4, p.length - 5, StandardCharsets.UTF_8));
            final JsonNode caps = root.get("capabilities");
            if (caps != null) {
                if (!caps.isObject()) {
                    throw new VfioUserProtocolException("VERSION \"capabilities\" is not an object");
                }
                maxFds = intCap(caps, "max_msg_fds", maxFds, 0, MAX_MSG_FDS_LIMIT);
                maxXfer = intCap(caps, "max_data_xfer_size", maxXfer, 1, Integer.MAX_VALUE);
            }
        }
        return new Version(major, minor, maxFds, maxXfer);
    }

    /**
     * The server's answer to a {@code twin_socket} offer in its VERSION reply
     * ({@code lib/tran.c:format_server_capabilities}@efd091b:
     * {@code "twin_socket":{"supported":true,"fd_index":N}}, the command socket's descriptor the
     * N-th of the reply's).
     *
     * @param p the reply payload (already accepted by {@link #decodeVersionReply})
     * @param fds descriptors that came with the reply
     * @return the index of the command socket among them, or -1 if the server did not take the offer
     * @throws VfioUserProtocolException if the capability is malformed or names a descriptor that did not come
     */
    public static int decodeTwinSocket(final byte[] p, final int fds) throws VfioUserProtocolException {
        if (p.length <= 5) {
            return -1;
        }
        final JsonNode caps = parseJson(new String(p, 4, p.length - 5, StandardCharsets.UTF_8)).get("capabilities");
        final JsonNode twin = caps == null ? null : caps.get("twin_socket");
        if (twin == null) {
            return -1;
        }
        if (!twin.isObject()) {
            throw new VfioUserProtocolException("VERSION capability twin_socket is not an object");
        }
        final JsonNode supported = twin.get("supported");
        if (supported != null && !supported.isBoolean()) {
            throw new VfioUserProtocolException("VERSION capability twin_socket.supported is not a boolean");
        }
        if (supported == null || !supported.booleanValue()) {
            return -1;
        }
        final JsonNode index = twin.get("fd_index");
        if (index == null || !index.canConvertToInt() || !index.isIntegralNumber() || index.intValue() < 0
            || index.intValue() >= fds) {
            throw new VfioUserProtocolException("VERSION capability twin_socket.fd_index is " + index + " but the"
                + " reply carried " + fds + " descriptor(s)");
        }
        return index.intValue();
    }

    private static JsonNode parseJson(final String text) throws VfioUserProtocolException {
        try {
            final JsonNode root = JSON.readTree(text);
            if (root == null || !root.isObject()) {
                throw new VfioUserProtocolException("VERSION capabilities are not a JSON object");
            }
            return root;
        } catch (final JsonProcessingException e) {
            throw new VfioUserProtocolException("VERSION capabilities are not valid JSON: "
                + e.getOriginalMessage());
        }
    }

    private static int intCap(final JsonNode caps, final String name, final int dflt, final int min, final int max)
        throws VfioUserProtocolException {
        final JsonNode n = caps.get(name);
        if (n == null) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < min || n.asLong() > max) {
            throw new VfioUserProtocolException("VERSION capability " + name + " is " + n + ", not an integer in "
                + min + ".." + max);
        }
        return (int) n.asLong();
    }

    // ---- DEVICE_GET_INFO ----

    /** VFIO device info: flags ({@link VfioUser#DEVICE_FLAG_PCI}, ...), region and IRQ counts. */
    public record DeviceInfo(int flags, int numRegions, int numIrqs) {
    }

    /** @return the DEVICE_GET_INFO payload: argsz 16, the rest zero */
    public static byte[] deviceInfoPayload() {
        return le(new byte[DEVICE_INFO_SIZE]).putInt(DEVICE_INFO_SIZE).array();
    }

    /**
     * @param p reply payload
     * @param maxRegions most regions accepted
     * @param maxIrqs most IRQ indexes accepted
     * @return the device info
     * @throws VfioUserProtocolException if short, or the counts exceed the limits
     */
    public static DeviceInfo decodeDeviceInfo(final byte[] p, final int maxRegions, final int maxIrqs)
        throws VfioUserProtocolException {
        need(p, DEVICE_INFO_SIZE, "DEVICE_GET_INFO reply");
        final ByteBuffer in = le(p);
        in.getInt();
        final DeviceInfo d = new DeviceInfo(in.getInt(), in.getInt(), in.getInt());
        if (Integer.compareUnsigned(d.numRegions(), maxRegions) > 0) {
            throw new VfioUserProtocolException("device claims " + Integer.toUnsignedString(d.numRegions())
                + " regions, more than " + maxRegions);
        }
        if (Integer.compareUnsigned(d.numIrqs(), maxIrqs) > 0) {
            throw new VfioUserProtocolException("device claims " + Integer.toUnsignedString(d.numIrqs())
                + " IRQ indexes, more than " + maxIrqs);
        }
        return d;
    }

    // ---- DEVICE_GET_REGION_INFO ----

    /** One capability of a region info (sparse mmap areas, region type), as text for people. */
    public record RegionCap(int id, int version, String text) {
    }

    /**
     * A region: VFIO flags ({@link VfioUser#REGION_FLAG_READ}, ...), size, the offset a server may
     * want for mmap, the argsz the server needs for the whole chain, and the capabilities read.
     */
    public record RegionInfo(int index, int flags, long size, long offset, int argsz, List<RegionCap> caps) {
    }

    /**
     * @param index region index
     * @param argsz buffer size offered for the reply (32, or what the server asked for)
     * @return the DEVICE_GET_REGION_INFO payload
     */
    public static byte[] regionInfoPayload(final int index, final int argsz) {
        return le(new byte[REGION_INFO_SIZE]).putInt(argsz).putInt(0).putInt(index).array();
    }

    /**
     * @param p reply payload
     * @param index the index asked for
     * @param argsz the argsz offered
     * @return the region info; {@code argsz()} larger than offered means "ask again with that"
     * @throws VfioUserProtocolException on a short or oversize reply, another index, or a bad chain
     */
    public static RegionInfo decodeRegionInfo(final byte[] p, final int index, final int argsz)
        throws VfioUserProtocolException {
        need(p, REGION_INFO_SIZE, "DEVICE_GET_REGION_INFO reply");
        if (p.length > argsz) {
            throw new VfioUserProtocolException("DEVICE_GET_REGION_INFO reply is " + p.length
                + " bytes, more than the argsz " + argsz + " offered");
        }
        final ByteBuffer in = le(p);
        final int replyArgsz = in.getInt();
        final int flags = in.getInt();
        final int replyIndex = in.getInt();
        final int capOffset = in.getInt();
        final long size = in.getLong();
        final long offset = in.getLong();
        if (replyIndex != index) {
            throw new VfioUserProtocolException("asked for region " + index + ", reply is for region "
                + Integer.toUnsignedString(replyIndex));
        }
        if (Integer.compareUnsigned(replyArgsz, REGION_INFO_SIZE) < 0
            || Integer.compareUnsigned(replyArgsz, MAX_REGION_INFO_ARGSZ) > 0) {
            throw new VfioUserProtocolException("region " + index + " info argsz " + Integer.toUnsignedString(replyArgsz)
                + " is not in " + REGION_INFO_SIZE + ".." + MAX_REGION_INFO_ARGSZ);
        }
        List<RegionCap> caps = List.of();
        if ((flags & VfioUser.REGION_FLAG_CAPS) != 0 && capOffset != 0) {
            caps = decodeCaps(p, index, capOffset);
        }
        return new RegionInfo(index, flags, size, offset, replyArgsz, caps);
    }

    private static List<RegionCap> decodeCaps(final byte[] p, final int index, final int first)
        throws VfioUserProtocolException {
        final List<RegionCap> caps = new ArrayList<>();
        final ByteBuffer in = le(p);
        long at = first & 0xffffffffL;
        while (at != 0) {
            if (caps.size() == MAX_REGION_CAPS) {
                throw new VfioUserProtocolException("region " + index + " has more than " + MAX_REGION_CAPS
                    + " capabilities");
            }
            if (at < REGION_INFO_SIZE || at + 8 > p.length) {
                throw new VfioUserProtocolException("region " + index + " capability at offset " + at
                    + " is outside the " + p.length + "-byte reply");
            }
            final int pos = (int) at;
            final int id = in.getShort(pos) & 0xffff;
            final int version = in.getShort(pos + 2) & 0xffff;
            final long next = in.getInt(pos + 4) & 0xffffffffL;
            if (next != 0 && next <= at) {
                throw new VfioUserProtocolException("region " + index + " capability chain goes backwards ("
                    + at + " -> " + next + ")");
            }
            final long end = next != 0 ? Math.min(next, p.length) : p.length;
            caps.add(new RegionCap(id, version, capText(in, id, pos + 8, (int) end)));
            at = next;
        }
        return Collections.unmodifiableList(caps);
    }

    private static String capText(final ByteBuffer in, final int id, final int body, final int end) {
        if (id == VfioUser.REGION_CAP_SPARSE_MMAP && end - body >= 8) {
            final long nr = in.getInt(body) & 0xffffffffL;
            final long fit = (end - body - 8) / 16;
            final StringBuilder s = new StringBuilder("sparse mmap, ").append(nr).append(" area(s)");
            for (int i = 0; i < Math.min(Math.min(nr, fit), 8); i++) {
                final int a = body + 8 + 16 * i;
                s.append(i == 0 ? ": " : ", ").append(String.format("0x%x+0x%x", in.getLong(a), in.getLong(a + 8)));
            }
            return s.toString();
        }
        if (id == VfioUser.REGION_CAP_TYPE && end - body >= 8) {
            return String.format("type 0x%x subtype 0x%x", in.getInt(body), in.getInt(body + 4));
        }
        return "capability id " + id;
    }

    // ---- DEVICE_GET_IRQ_INFO / DEVICE_SET_IRQS ----

    /** One IRQ index: VFIO flags ({@link VfioUser#IRQ_INFO_EVENTFD}, ...) and how many vectors. */
    public record IrqInfo(int index, int flags, int count) {
    }

    /**
     * @param index IRQ index
     * @return the DEVICE_GET_IRQ_INFO payload
     */
    public static byte[] irqInfoPayload(final int index) {
        return le(new byte[IRQ_INFO_SIZE]).putInt(IRQ_INFO_SIZE).putInt(0).putInt(index).array();
    }

    /**
     * @param p reply payload
     * @param index the index asked for
     * @return the IRQ info
     * @throws VfioUserProtocolException if short or for another index
     */
    public static IrqInfo decodeIrqInfo(final byte[] p, final int index) throws VfioUserProtocolException {
        need(p, IRQ_INFO_SIZE, "DEVICE_GET_IRQ_INFO reply");
        final ByteBuffer in = le(p);
        in.getInt();
        final int flags = in.getInt();
        final int replyIndex = in.getInt();
        final int count = in.getInt();
        if (replyIndex != index) {
            throw new VfioUserProtocolException("asked for IRQ index " + index + ", reply is for "
                + Integer.toUnsignedString(replyIndex));
        }
        return new IrqInfo(index, flags, count);
    }

    /**
     * The DEVICE_SET_IRQS payload (struct vfio_irq_set without data: eventfds travel as
     * descriptors, one per vector, in the same sendmsg).
     *
     * @param flags data type | action
     * @param index IRQ index
     * @param start first vector
     * @param count how many vectors
     * @return the payload
     */
    public static byte[] setIrqsPayload(final int flags, final int index, final int start, final int count) {
        return le(new byte[IRQ_SET_SIZE]).putInt(IRQ_SET_SIZE).putInt(flags).putInt(index).putInt(start)
            .putInt(count).array();
    }

    // ---- REGION_READ / REGION_WRITE ----

    /**
     * @param region region index
     * @param offset offset in the region
     * @param count bytes to read
     * @return the REGION_READ payload
     */
    public static byte[] regionReadPayload(final int region, final long offset, final int count) {
        return le(new byte[REGION_ACCESS_SIZE]).putLong(offset).putInt(region).putInt(count).array();
    }

    /**
     * @param region region index
     * @param offset offset in the region
     * @param data bytes to write
     * @return the REGION_WRITE payload
     */
    public static byte[] regionWritePayload(final int region, final long offset, final byte[] data) {
        return le(new byte[REGION_ACCESS_SIZE + data.length]).putLong(offset).putInt(region).putInt(data.length)
            .put(data).array();
    }

    /**
     * Checks a REGION_READ or REGION_WRITE reply: the same offset, region and count, and for a
     * read exactly {@code count} data bytes.
     *
     * @param p reply payload
     * @param region region asked for
     * @param offset offset asked for
     * @param count count asked for
     * @param read whether this answers a read (data follows)
     * @return the data read (empty for a write)
     * @throws VfioUserProtocolException if anything differs
     */
    public static byte[] decodeRegionAccessReply(final byte[] p, final int region, final long offset, final int count,
                                                 final boolean read) throws VfioUserProtocolException {
        final String what = read ? "REGION_READ reply" : "REGION_WRITE reply";
        need(p, REGION_ACCESS_SIZE, what);
        final ByteBuffer in = le(p);
        final long rOffset = in.getLong();
        final int rRegion = in.getInt();
        final int rCount = in.getInt();
        if (rOffset != offset || rRegion != region || rCount != count) {
            throw new VfioUserProtocolException(what + " is for region " + Integer.toUnsignedString(rRegion)
                + " offset 0x" + Long.toHexString(rOffset) + " count " + Integer.toUnsignedString(rCount)
                + ", asked region " + region + " offset 0x" + Long.toHexString(offset) + " count " + count);
        }
        final int data = p.length - REGION_ACCESS_SIZE;
        if (data != (read ? count : 0)) {
            throw new VfioUserProtocolException(what + " carries " + data + " data bytes, expected "
                + (read ? count : 0));
        }
        final byte[] out = new byte[data];
        in.get(out);
        return out;
    }

    // ---- helpers ----

    private static void need(final byte[] p, final int n, final String what) throws VfioUserProtocolException {
        if (p.length < n) {
            throw new VfioUserProtocolException(what + " is " + p.length + " bytes, needs at least " + n);
        }
    }

    static ByteBuffer le(final byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
