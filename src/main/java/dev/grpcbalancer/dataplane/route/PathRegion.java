package dev.grpcbalancer.dataplane.route;

/** A window onto part of a request path (its service or method), without copying it. */
final class PathRegion implements CharSequence {

    private final CharSequence path;
    private final int start;
    private final int end;

    PathRegion(CharSequence path, int start, int end) {
        this.path = path;
        this.start = start;
        this.end = end;
    }

    @Override
    public int length() {
        return end - start;
    }

    @Override
    public char charAt(int index) {
        return path.charAt(start + index);
    }

    @Override
    public CharSequence subSequence(int from, int to) {
        return new PathRegion(path, start + from, start + to);
    }

    @Override
    public String toString() {
        return path.subSequence(start, end).toString();
    }
}
