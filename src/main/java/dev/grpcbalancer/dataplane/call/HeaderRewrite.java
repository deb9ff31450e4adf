package dev.grpcbalancer.dataplane.call;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.HeaderModifier;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * A {@link HeaderModifier} (GRPCRoute's {@code RequestHeaderModifier} or
 * {@code ResponseHeaderModifier}) compiled once per route for the call path: names and values are
 * {@link AsciiString}s made when the snapshot is applied, so {@link #apply} allocates nothing but
 * the header entries it writes. It changes the headers in place: removes, then sets (every value
 * of the name replaced), then adds (beside the values there), as {@link HeaderModifier} defines.
 * Immutable, shared by every call of the route on every event loop.
 */
final class HeaderRewrite {

    static final HeaderRewrite NONE = new HeaderRewrite(new AsciiString[0], new AsciiString[0], new AsciiString[0],
            new AsciiString[0], new AsciiString[0]);

    private final AsciiString[] remove;
    private final AsciiString[] setNames;
    private final AsciiString[] setValues;
    private final AsciiString[] addNames;
    private final AsciiString[] addValues;

    private HeaderRewrite(AsciiString[] remove, AsciiString[] setNames, AsciiString[] setValues, AsciiString[] addNames,
            AsciiString[] addValues) {
        this.remove = remove;
        this.setNames = setNames;
        this.setValues = setValues;
        this.addNames = addNames;
        this.addValues = addValues;
    }

    static HeaderRewrite of(HeaderModifier modifier) {
        requireNonNull(modifier, "modifier");
        if (modifier.isEmpty()) {
            return NONE;
        }
        return new HeaderRewrite(ascii(modifier.remove()),
                ascii(modifier.set().stream().map(HeaderModifier.Header::name).toList()),
                ascii(modifier.set().stream().map(HeaderModifier.Header::value).toList()),
                ascii(modifier.add().stream().map(HeaderModifier.Header::name).toList()),
                ascii(modifier.add().stream().map(HeaderModifier.Header::value).toList()));
    }

    private static AsciiString[] ascii(List<String> texts) {
        AsciiString[] array = new AsciiString[texts.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = AsciiString.cached(texts.get(i));
        }
        return array;
    }

    boolean isEmpty() {
        return this == NONE;
    }

    /** Rewrites {@code headers} in place. */
    void apply(Http2Headers headers) {
        for (AsciiString name : remove) {
            headers.remove(name);
        }
        for (int i = 0; i < setNames.length; i++) {
            headers.set(setNames[i], setValues[i]);
        }
        for (int i = 0; i < addNames.length; i++) {
            headers.add(addNames[i], addValues[i]);
        }
    }
}
