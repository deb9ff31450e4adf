package dev.grpcbalancer.controller.translate.tls;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM text: the {@code BEGIN}/{@code END} blocks in it, and writing DER back as PEM. */
final class Pem {

    /** One block: its label ({@code CERTIFICATE}, {@code RSA PRIVATE KEY}) and its decoded bytes. */
    record Block(String label, byte[] der, boolean encryptedHeaders) {
    }

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final Base64.Encoder ENCODER = Base64.getMimeEncoder(64, new byte[] {'\n'});

    private Pem() {
    }

    /**
     * Every block of {@code text}, in order; text around them (comments, openssl's "Bag Attributes")
     * is skipped.
     *
     * @throws IllegalArgumentException when a block's body is not base64, naming the block
     */
    static List<Block> blocks(String text) {
        List<Block> blocks = new ArrayList<>();
        Matcher matcher = BLOCK.matcher(text);
        while (matcher.find()) {
            String label = matcher.group(1);
            String body = matcher.group(2);
            boolean encrypted = body.contains("Proc-Type:") && body.contains("ENCRYPTED");
            StringBuilder base64 = new StringBuilder();
            for (String line : body.split("\\r?\\n")) {
                if (!line.contains(":")) { // legacy encryption headers ("Proc-Type: ...", "DEK-Info: ...")
                    base64.append(line.strip());
                }
            }
            try {
                blocks.add(new Block(label, Base64.getDecoder().decode(base64.toString()), encrypted));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the " + label + " block is not valid base64");
            }
        }
        return blocks;
    }

    /** {@code der} as one PEM block with 64-character lines. */
    static String encode(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + ENCODER.encodeToString(der) + "\n-----END " + label + "-----\n";
    }
}
