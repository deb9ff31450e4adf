package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.api.model.events.v1.EventSeriesBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code events.k8s.io/v1} Events about balancers, de-duplicated: the same reason and note
 * about the same object within an hour updates the first Event's {@code series} (count and last
 * time) instead of creating another. Called from the status writer thread only.
 */
final class EventRecorder {

    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
    static final String REPORTING_CONTROLLER = "grpcbalancer.dev/controller";
    private static final Duration SERIES_WINDOW = Duration.ofHours(1);
    private static final int MAX_REMEMBERED = 4096;
    private static final DateTimeFormatter MICRO_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").withZone(ZoneOffset.UTC);

    private record Key(String uid, String type, String reason, String note) {}

    private static final class Series {
        final String namespace;
        final String name;
        final Instant first;
        int count = 1;

        Series(String namespace, String name, Instant first) {
            this.namespace = namespace;
            this.name = name;
            this.first = first;
        }
    }

    private final KubernetesClient client;
    private final String instance;
    private final Clock clock;
    private final Map<Key, Series> recent = new LinkedHashMap<>();

    EventRecorder(KubernetesClient client, String instance, Clock clock) {
        this.client = requireNonNull(client, "client");
        this.instance = requireNonNull(instance, "instance");
        this.clock = requireNonNull(clock, "clock");
    }

    /** Records a {@code Normal} or {@code Warning} event with a CamelCase reason and a note for users. */
    void record(GrpcBalancer regarding, String type, String reason, String note) {
        Instant now = clock.instant();
        forgetOlderThan(now.minus(SERIES_WINDOW));
        Key key = new Key(regarding.getMetadata().getUid(), type, reason, note);
        Series series = recent.get(key);
        try {
            if (series != null) {
                series.count++;
                client.events().v1().events().inNamespace(series.namespace).withName(series.name)
                        .edit(event -> new EventBuilder(event)
                                .withSeries(new EventSeriesBuilder()
                                        .withCount(series.count)
                                        .withLastObservedTime(new MicroTime(MICRO_TIME.format(now)))
                                        .build())
                                .build());
                return;
            }
            String namespace = regarding.getMetadata().getNamespace();
            String name = regarding.getMetadata().getName() + "." + Long.toHexString(now.toEpochMilli())
                    + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000));
            Event event = new EventBuilder()
                    .withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                    .withEventTime(new MicroTime(MICRO_TIME.format(now)))
                    .withReportingController(REPORTING_CONTROLLER)
                    .withReportingInstance(instance)
                    .withAction("Reconcile")
                    .withType(type)
                    .withReason(reason)
                    .withNote(note.length() > 1024 ? note.substring(0, 1021) + "..." : note)
                    .withRegarding(new ObjectReferenceBuilder()
                            .withApiVersion(GrpcBalancer.API_VERSION)
                            .withKind(GrpcBalancer.KIND)
                            .withNamespace(namespace)
                            .withName(regarding.getMetadata().getName())
                            .withUid(regarding.getMetadata().getUid())
                            .withResourceVersion(regarding.getMetadata().getResourceVersion())
                            .build())
                    .build();
            client.events().v1().events().inNamespace(namespace).resource(event).create();
            recent.put(key, new Series(namespace, name, now));
        } catch (KubernetesClientException e) {
            // An Event is best effort: the status carries the same news.
            log.warn("[{}/{}] could not record event {}: {}", regarding.getMetadata().getNamespace(),
                    regarding.getMetadata().getName(), reason, e.getMessage());
            if (series != null) {
                recent.remove(key);
            }
        }
    }

    private void forgetOlderThan(Instant cutoff) {
        Iterator<Series> it = recent.values().iterator();
        while (it.hasNext()) {
            Series series = it.next();
            if (series.first.isBefore(cutoff) || recent.size() > MAX_REMEMBERED) {
                it.remove();
            } else {
                break; // insertion order: the rest are younger
            }
        }
    }
}
