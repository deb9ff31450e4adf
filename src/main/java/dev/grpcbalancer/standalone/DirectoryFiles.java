package dev.grpcbalancer.standalone;

import dev.grpcbalancer.controller.translate.tls.RefContent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the key material of {@code Directory} references, laid out like a mounted Secret
 * ({@code tls.crt}, {@code tls.key}, {@code ca.crt}; symlinks followed), and remembers what it read,
 * so that the standalone source can tell when a referenced directory changed ({@link #digest()}).
 */
final class DirectoryFiles {

    /** The files a directory reference may hold. */
    static final List<String> FILES = List.of("ca.crt", "tls.crt", "tls.key");
    private static final String ABSENT = "\0absent";
    private static final String UNREADABLE = "\0unreadable:";

    /** Per directory, per file: its text, {@link #ABSENT}, or why it could not be read. */
    private final Map<Path, Map<String, String>> read = new TreeMap<>();

    /** The key material in {@code directory}. */
    RefContent read(Path directory) {
        Map<String, String> files = read.computeIfAbsent(directory, DirectoryFiles::readFiles);
        String description = "Directory " + directory;
        if (!Files.isDirectory(directory)) {
            return RefContent.missing(description, Files.exists(directory) ? "not a directory" : "no such directory");
        }
        Map<String, String> entries = new LinkedHashMap<>();
        for (Map.Entry<String, String> file : files.entrySet()) {
            String value = file.getValue();
            if (value.startsWith(UNREADABLE)) {
                return RefContent.missing(description, "cannot read " + file.getKey() + ": "
                        + value.substring(UNREADABLE.length()));
            }
            if (!value.equals(ABSENT)) {
                entries.put(file.getKey(), value);
            }
        }
        return RefContent.found(description, entries);
    }

    /** The directories read so far. */
    Set<Path> directories() {
        return Set.copyOf(read.keySet());
    }

    /** A digest of everything read; equal digests mean the directories held the same files. */
    String digest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            read.forEach((directory, files) -> {
                sha.update(directory.toString().getBytes(StandardCharsets.UTF_8));
                files.forEach((name, content) -> {
                    sha.update((byte) 0);
                    sha.update(name.getBytes(StandardCharsets.UTF_8));
                    sha.update((byte) 0);
                    sha.update(content.getBytes(StandardCharsets.UTF_8));
                });
                sha.update((byte) 1);
            });
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The digest the given directories have now. */
    static String digestOf(Collection<Path> directories) {
        DirectoryFiles files = new DirectoryFiles();
        directories.forEach(files::read);
        return files.digest();
    }

    private static Map<String, String> readFiles(Path directory) {
        Map<String, String> files = new TreeMap<>();
        for (String name : FILES) {
            try {
                files.put(name, Files.readString(directory.resolve(name), StandardCharsets.UTF_8));
            } catch (NoSuchFileException e) {
                files.put(name, ABSENT);
            } catch (IOException e) {
                files.put(name, UNREADABLE + ConfigFile.reason(e));
            }
        }
        return files;
    }
}
