package io.deeploy.scheduler.messaging;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpecChanged;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.outbox.IdempotentConsumer;
import io.deeploy.scheduler.service.JobCommand;
import io.deeploy.scheduler.service.PlacementService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Places requested jobs, gives their nodes each new revision of their spec, and releases stopped ones, each event once.
 * The records of one poll are applied together, in their order, in one transaction under one placement lock (a burst
 * of requests costs one lock and one read of the cluster, not one each). If that transaction fails, each event of the
 * poll is applied again on its own, so that one event that cannot be applied is retried and dead-lettered alone, as
 * before batching; the events the failed transaction applied are rolled back with it and applied once here.
 */
@ApplicationScoped
public class JobCommandsConsumer {

    static final String CONSUMER = "scheduler-svc.placement";
    private static final Logger LOG = Logger.getLogger(JobCommandsConsumer.class);

    private final IdempotentConsumer consumer;
    private final PlacementService placements;

    public JobCommandsConsumer(IdempotentConsumer consumer, PlacementService placements) {
        this.consumer = consumer;
        this.placements = placements;
    }

    /**
     * The event types this consumer applies (its contract test reads every recorded version of each); others on its
     * topics are skipped undecoded.
     */
    public static final Set<EventType> CONSUMED = EnumSet.of(EventType.JOB_REQUESTED, EventType.JOB_STOP_REQUESTED,
            EventType.JOB_SPEC_CHANGED);

    @Incoming("job-commands")
    public Uni<Void> onJobCommands(KafkaRecordBatch<String, String> batch) {
        Map<KafkaRecord<String, String>, Throwable> failed = new IdentityHashMap<>();
        Map<KafkaRecord<String, String>, Event<?>> decoded = new IdentityHashMap<>();
        List<Event<?>> events = new ArrayList<>();
        for (KafkaRecord<String, String> record : batch.getRecords()) {
            try {
                EventType type = EventType.byName(EventCodec.typeOf(record.getPayload()));
                if (type != null && CONSUMED.contains(type)) {
                    Event<?> event = EventCodec.decode(record.getPayload());
                    decoded.put(record, event);
                    events.add(event);
                }
            } catch (RuntimeException malformed) {
                failed.put(record, malformed);
            }
        }
        long started = System.nanoTime();
        return consumer.processAllOnce(CONSUMER, events, fresh -> placements.apply(fresh.stream().map(JobCommandsConsumer::command)
                        .toList()))
                .invoke(applied -> LOG.debugf("job commands: %d of %d records applied in %d ms", applied.size(),
                        batch.getRecords().size(), (System.nanoTime() - started) / 1_000_000))
                .replaceWithVoid()
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("job commands: a batch of %d failed (%s); applying each on its own", events.size(), failure.toString());
                    return oneByOne(batch.getRecords(), decoded, failed);
                })
                .chain(() -> settle(batch, failed));
    }

    /** Each decoded event in its own transaction, retried on its own; one that still fails is recorded in {@code failed}. */
    private Uni<Void> oneByOne(List<KafkaRecord<String, String>> records, Map<KafkaRecord<String, String>, Event<?>> decoded,
            Map<KafkaRecord<String, String>, Throwable> failed) {
        return Multi.createFrom().iterable(records).filter(decoded::containsKey).onItem().transformToUniAndConcatenate(record -> {
            Event<?> event = decoded.get(record);
            return consumer.processOnce(CONSUMER, event, () -> placements.apply(List.of(command(event))))
                    .onFailure().recoverWithItem(failure -> {
                        failed.put(record, failure);
                        return false;
                    });
        }).collect().last().replaceWithVoid();
    }

    /**
     * Sends the records that failed to the dead-letter topic (each is acknowledged once it is there), then acknowledges
     * the batch, which commits past its last record on each partition.
     */
    private static Uni<Void> settle(KafkaRecordBatch<String, String> batch, Map<KafkaRecord<String, String>, Throwable> failed) {
        return Multi.createFrom().iterable(failed.entrySet())
                .onItem().transformToUniAndConcatenate(f -> Uni.createFrom().completionStage(f.getKey().nack(f.getValue())).replaceWith(f))
                .collect().last()
                .chain(() -> Uni.createFrom().completionStage(batch.ack()));
    }

    private static JobCommand command(Event<?> event) {
        if (event.payload() instanceof JobRequested requested) {
            return new JobCommand.Request(requested.jobId(), requested.spec(), event.time());
        }
        if (event.payload() instanceof JobSpecChanged changed) {
            return new JobCommand.Respec(changed.jobId(), changed.spec(), changed.reason(), event.time());
        }
        JobStopRequested stop = (JobStopRequested) event.payload();
        return new JobCommand.Release(stop.jobId(), stop.reason(), event.time());
    }
}
