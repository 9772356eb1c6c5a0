package io.irqsim.bench;

/**
 * The JVM flags Chronicle Bytes needs on Java 17+ (the root pom's {@code irqsim.jvm.flags}), one
 * constant per flag so that every benchmark's {@code @Fork(jvmArgsAppend = ...)} can list them
 * (annotation values must be compile-time constants). {@code ForkFlagsTest} fails the build if
 * this list and the pom property drift apart.
 */
public final class JvmFlags {

    /** Chronicle's reference cleaner. */
    public static final String EXPORTS_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    /** Direct buffers. */
    public static final String EXPORTS_NIO_CH = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    /** {@code sun.misc.Unsafe}. */
    public static final String EXPORTS_MISC = "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED";
    /** Reflection into {@code java.lang}. */
    public static final String OPENS_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    /** Reflection into {@code java.lang.reflect}. */
    public static final String OPENS_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    /** Reflection into {@code java.io}. */
    public static final String OPENS_IO = "--add-opens=java.base/java.io=ALL-UNNAMED";
    /** Reflection into {@code java.nio}. */
    public static final String OPENS_NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";
    /** Reflection into {@code java.util}. */
    public static final String OPENS_UTIL = "--add-opens=java.base/java.util=ALL-UNNAMED";

    private JvmFlags() {
    }
}
