package sluice.bench;

import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The word count of `npm run bench:peer` as the Kafka Streams documentation writes it: the input is
 * already keyed by word, so it is grouped by key and counted into the default store (RocksDB, with
 * a changelog), and every count that leaves the record cache goes to the output topic.
 *
 * <p>Arguments: bootstrap servers, application id (also the consumer group), input topic, output
 * topic, state directory, record cache size in bytes (statestore.cache.max.bytes; 0 forwards every
 * update), processing guarantee (at_least_once or exactly_once_v2). Stops cleanly on SIGTERM.
 */
public final class WordCount {
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 7) {
      System.err.println("usage: WordCount <bootstrap> <application-id> <input> <output> <state-dir> <cache-bytes> <guarantee>");
      System.exit(2);
    }
    Properties config = new Properties();
    config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    config.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    config.put(StreamsConfig.STATE_DIR_CONFIG, args[4]);
    config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.parseLong(args[5]));
    config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, args[6]);
    // The bench sees the end through the group's committed offsets: every side commits once a second
    // (at least once defaults to 30 s here; exactly once keeps its 100 ms).
    if (args[6].equals(StreamsConfig.AT_LEAST_ONCE)) config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    // The single-broker test cluster.
    config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(args[2], Consumed.with(Serdes.String(), Serdes.String()))
        .groupByKey()
        .count()
        .toStream()
        .to(args[3], Produced.with(Serdes.String(), Serdes.Long()));

    KafkaStreams streams = new KafkaStreams(builder.build(), config);
    CountDownLatch stopped = new CountDownLatch(1);
    // A failed stream thread stops the client (its default); the process then exits, so the bench sees it.
    streams.setStateListener(
        (now, before) -> {
          if (now == KafkaStreams.State.ERROR) stopped.countDown();
        });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  streams.close();
                  stopped.countDown();
                }));
    streams.start();
    stopped.await();
    if (streams.state() == KafkaStreams.State.ERROR) System.exit(1);
  }
}
