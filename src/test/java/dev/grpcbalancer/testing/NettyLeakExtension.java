package dev.grpcbalancer.testing;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked resource (a {@code ByteBuf} garbage-collected
 * without {@code release()}, an unstopped {@code HashedWheelTimer}, ...).
 *
 * <p>Registered for every JUnit Jupiter test through {@code META-INF/services} and
 * {@code junit.jupiter.extensions.autodetection.enabled=true}, so the JVM-wide setup below happens
 * before any test class touches Netty:
 * <ul>
 *   <li>the leak detection level is set to {@code PARANOID} (every buffer tracked, as surefire's
 *       {@code -Dio.netty.leakDetection.level=paranoid} also asks);</li>
 *   <li>a {@link ResourceLeakDetectorFactory} is installed whose detectors add every leak they
 *       report to one list, instead of only logging it.</li>
 * </ul>
 *
 * <p>After each top-level test class it forces detection: a few rounds of {@code System.gc()}
 * (each waiting, a few milliseconds at most, until the collector has processed weak references),
 * each followed by making every detector poll its reference queue. Any leak found fails the class
 * with Netty's access records, which show where the resource was created and last touched. A leak is
 * reported when it is found, so it may come from an earlier class in the same JVM; the records tell.
 */
public final class NettyLeakExtension implements AfterAllCallback {

    /** Every leak reported and not yet taken by a check: the one static state of the test suite. */
    private static final List<Leak> LEAKS = new CopyOnWriteArrayList<>();
    private static final RecordingDetectorFactory FACTORY = new RecordingDetectorFactory();

    private static final int GC_ROUNDS = 3;
    private static final int MAX_GC_ATTEMPTS_PER_ROUND = 10;
    private static final long REFERENCE_WAIT_MILLIS = 5;

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(FACTORY);
    }

    /** Created by JUnit's extension auto-detection. */
    public NettyLeakExtension() {
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        if (testClass.isAnnotationPresent(Nested.class)) {
            return; // the enclosing class checks once for all of its nested classes
        }
        forceDetection();
        List<Leak> leaks = takeLeaks(leak -> true);
        if (!leaks.isEmpty()) {
            throw leakFailure(testClass.getName(), leaks);
        }
    }

    /**
     * Makes Netty's detectors find every tracked resource that has become unreachable without being
     * released, and records what they report.
     *
     * @throws IllegalStateException if Netty's {@code ByteBuf} detector was created before this
     *     extension installed its factory, so buffer leaks could not be recorded
     */
    static void forceDetection() {
        // Allocating initializes Netty's buffer classes (and so their detector) if nothing did yet.
        releaseProbe(ByteBufAllocator.DEFAULT.buffer(1));
        if (!FACTORY.hasDetectorFor(ByteBuf.class)) {
            throw new IllegalStateException("Netty's ByteBuf leak detector was created before "
                    + NettyLeakExtension.class.getSimpleName() + " installed its factory: buffer leaks cannot be"
                    + " recorded. Is junit.jupiter.extensions.autodetection.enabled=true set?");
        }
        for (int round = 0; round < GC_ROUNDS; round++) {
            collectGarbage();
            FACTORY.pollAll();
        }
    }

    /** Removes and returns the recorded leaks that match. */
    static List<Leak> takeLeaks(Predicate<Leak> filter) {
        requireNonNull(filter, "filter");
        List<Leak> taken = new ArrayList<>();
        for (Leak leak : LEAKS) {
            if (filter.test(leak) && LEAKS.remove(leak)) {
                taken.add(leak);
            }
        }
        return taken;
    }

    static AssertionError leakFailure(String scope, List<Leak> leaks) {
        String details = leaks.stream().map(Leak::toString).collect(Collectors.joining("\n\n"));
        return new AssertionError("Netty reported " + leaks.size() + " leaked resource(s) by the end of "
                + scope + " (found now, possibly leaked by an earlier test class: see where it was"
                + " created and last accessed):\n\n" + details);
    }

    private static void releaseProbe(ByteBuf probe) {
        if (!probe.release()) {
            throw new IllegalStateException("leak probe buffer was not freed by its release()");
        }
    }

    /** One {@code System.gc()} that is followed by reference processing, waited for with a canary. */
    private static void collectGarbage() {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> canary = new WeakReference<>(new Object(), queue);
        try {
            for (int attempt = 0; attempt < MAX_GC_ATTEMPTS_PER_ROUND; attempt++) {
                System.gc();
                if (queue.remove(REFERENCE_WAIT_MILLIS) != null) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while forcing Netty leak detection", e);
        } finally {
            Reference.reachabilityFence(canary);
        }
    }

    /** One leak as Netty reported it. */
    record Leak(String resourceType, String records) {

        Leak {
            requireNonNull(resourceType, "resourceType");
            requireNonNull(records, "records");
        }

        @Override
        public String toString() {
            return "LEAK: " + resourceType + ".release() was not called before it was garbage-collected."
                    + (records.isEmpty() ? " (no access records)" : "\n" + records);
        }
    }

    private static final class RecordingDetectorFactory extends ResourceLeakDetectorFactory {

        private final List<RecordingDetector<?>> detectors = new CopyOnWriteArrayList<>();

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            RecordingDetector<T> detector = new RecordingDetector<>(resource, samplingInterval);
            detectors.add(detector);
            return detector;
        }

        @Override
        @Deprecated
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                long maxActive) {
            return newResourceLeakDetector(resource, samplingInterval);
        }

        boolean hasDetectorFor(Class<?> resource) {
            return detectors.stream().anyMatch(detector -> detector.resource == resource);
        }

        void pollAll() {
            detectors.forEach(RecordingDetector::poll);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {

        private final Class<T> resource;

        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
            this.resource = resource;
        }

        /** Always report, whatever the logging configuration says about Netty's own logger. */
        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add(new Leak(resourceType, records));
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add(new Leak(resourceType, ""));
        }

        /**
         * Tracking a resource is what makes a detector drain its reference queue and report what it
         * finds, so track a throwaway object and close its tracker at once. The detector only holds the
         * object through a weak reference and never calls it, so a plain {@code Object} serves.
         */
        void poll() {
            @SuppressWarnings("unchecked")
            T probe = (T) new Object();
            ResourceLeakTracker<T> tracker = trackForcibly(probe);
            tracker.close(probe);
        }
    }
}
