package io.deeploy.outbox.testing;

import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Test access to a real Kafka broker: publish events as another service would, and read back everything a topic
 * holds. Reads assign every partition from the beginning, so they see records regardless of consumer groups. On the test
 * instance's broker it is the admin principal, since a test stands in for every producer.
 */
public final class KafkaEvents implements AutoCloseable {

    private final String bootstrap;
    private final Properties client;
    private final KafkaProducer<String, String> producer;

    /** A client of {@code client}'s broker ({@code bootstrap.servers} and, for an authenticated one, its SASL settings). */
    public KafkaEvents(Properties client) {
        this.client = client;
        this.bootstrap = client.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG);
        Properties props = settings();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }

    /** The test instance's broker, as exported by the test command. */
    public static KafkaEvents fromEnvironment() {
        return new KafkaEvents(TestInfra.kafkaAdminClient());
    }

    private Properties settings() {
        Properties props = new Properties();
        props.putAll(client);
        return props;
    }

    public void publish(Event<?> event) {
        publishRaw(event.topic(), event.key(), EventCodec.encode(event));
    }

    public void publishRaw(String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not publish to " + topic + " at " + bootstrap, e);
        }
    }

    /**
     * Every record currently in {@code topic} (up to the end offsets when the read starts) that matches. Throws when the
     * end cannot be reached in time: a scan that returned what it had read so far would let "nothing leaked" and
     * "nothing happened" assertions pass on records never seen.
     */
    public List<ConsumerRecord<String, String>> records(String topic, Predicate<ConsumerRecord<String, String>> filter) {
        Properties props = settings();
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            List<ConsumerRecord<String, String>> matching = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end + " within 60 s");
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (filter.test(record)) {
                        matching.add(record);
                    }
                }
            }
            return matching;
        }
    }

    /** Events in {@code topic} with record key {@code key}, in partition order. */
    public List<Event<?>> eventsWithKey(String topic, String key) {
        return records(topic, r -> key.equals(r.key())).stream().<Event<?>>map(r -> EventCodec.decode(r.value())).toList();
    }

    /**
     * Waits until consumer group {@code group} has committed offsets at the end of {@code topic}, i.e. has processed
     * whatever earlier tests left there, so a test starts from a known state.
     */
    public void awaitConsumed(String group, String topic, Duration timeout) {
        Properties props = settings();
        try (Admin admin = Admin.create(props);
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                boolean caughtUp = end.entrySet().stream().allMatch(e -> e.getValue() == 0
                        || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue()));
                if (caughtUp) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("consumer group " + group + " did not catch up on " + topic);
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot read offsets of " + group, e);
        }
    }

    /**
     * Moves consumer group {@code group}'s offsets on {@code topic} to the end, so that a service started afterwards in
     * that group skips what earlier tests left there. The group must have no member running.
     */
    public void skipToEnd(String group, String topic) {
        Properties props = settings();
        try (Admin admin = Admin.create(props);
                KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetAndMetadata> end = new java.util.HashMap<>();
            consumer.endOffsets(partitions, Duration.ofSeconds(10)).forEach((partition, offset) ->
                    end.put(partition, new OffsetAndMetadata(offset)));
            admin.alterConsumerGroupOffsets(group, end).all().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot move the offsets of " + group + " on " + topic, e);
        }
    }

    private static boolean reached(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
