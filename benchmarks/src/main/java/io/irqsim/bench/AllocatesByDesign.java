package io.irqsim.bench;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a benchmark whose measured operation allocates on purpose, so the build's zero-allocation
 * check ({@code AllocationFreeTest}) leaves it out. Every other benchmark must allocate nothing.
 * Use it only for one-time paths (creating per-GSI state), never for a hot path docs/architecture.md lists.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface AllocatesByDesign {

    /** @return why the operation allocates */
    String value();
}
