package dev.grpcbalancer.controller.translate.tls;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The few DER (ASN.1) operations that turning PKCS#1 and SEC1 keys into PKCS#8 needs: split a
 * SEQUENCE into its elements, and encode an element. Single-byte tags only (all these structures
 * use nothing else).
 */
final class Der {

    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OBJECT_IDENTIFIER = 0x06;
    static final int SEQUENCE = 0x30;
    /** {@code [0]} and {@code [1]}, constructed, context-specific: SEC1's parameters and public key. */
    static final int CONTEXT_0 = 0xA0;
    static final int CONTEXT_1 = 0xA1;

    /** One element: its tag, its content, and its whole encoding (tag, length, content). */
    record Element(int tag, byte[] content, byte[] encoded) {
    }

    private Der() {
    }

    /** The elements of the SEQUENCE that {@code der} is, exactly (nothing may follow it). */
    static List<Element> sequence(byte[] der) {
        Reader whole = new Reader(der, 0, der.length);
        Element sequence = whole.next();
        if (sequence.tag() != SEQUENCE || whole.hasMore()) {
            throw new IllegalArgumentException("not a DER SEQUENCE");
        }
        Reader inside = new Reader(sequence.content(), 0, sequence.content().length);
        List<Element> elements = new ArrayList<>();
        while (inside.hasMore()) {
            elements.add(inside.next());
        }
        return elements;
    }

    /** The single element {@code der} holds. */
    static Element element(byte[] der) {
        Reader reader = new Reader(der, 0, der.length);
        Element element = reader.next();
        if (reader.hasMore()) {
            throw new IllegalArgumentException("trailing bytes after a DER element");
        }
        return element;
    }

    /** Tag, length and the concatenated {@code contents}. */
    static byte[] encode(int tag, byte[]... contents) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] content : contents) {
            body.writeBytes(content);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = body.size();
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xFFFFFF ? 4 : length > 0xFFFF ? 3 : length > 0xFF ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static final class Reader {
        private final byte[] bytes;
        private int position;
        private final int end;

        Reader(byte[] bytes, int start, int end) {
            this.bytes = bytes;
            this.position = start;
            this.end = end;
        }

        boolean hasMore() {
            return position < end;
        }

        Element next() {
            int start = position;
            int tag = read();
            if ((tag & 0x1F) == 0x1F) {
                throw new IllegalArgumentException("multi-byte DER tags are not expected here");
            }
            int first = read();
            int length;
            if (first < 0x80) {
                length = first;
            } else {
                int count = first & 0x7F;
                if (count == 0 || count > 4) {
                    throw new IllegalArgumentException("unsupported DER length");
                }
                length = 0;
                for (int i = 0; i < count; i++) {
                    length = (length << 8) | read();
                }
                if (length < 0) {
                    throw new IllegalArgumentException("DER length out of range");
                }
            }
            if (length > end - position) {
                throw new IllegalArgumentException("DER element longer than its container");
            }
            byte[] content = Arrays.copyOfRange(bytes, position, position + length);
            position += length;
            return new Element(tag, content, Arrays.copyOfRange(bytes, start, position));
        }

        private int read() {
            if (position >= end) {
                throw new IllegalArgumentException("truncated DER");
            }
            return bytes[position++] & 0xFF;
        }
    }
}
