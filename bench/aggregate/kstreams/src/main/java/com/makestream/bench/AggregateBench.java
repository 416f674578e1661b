package com.makestream.bench;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Peer baseline for makestream's aggregate: per scenario, tumbling event-time windows (1 min, 5 min,
 * 1 h by default) with count, successes, warnings, errors, others, operations, transfer, centicredits,
 * duration sum/min/max (no quantiles), final results only (suppress until the window closes, with the
 * same grace as makestream's allowed lateness).
 *
 * Input: the pre-filled topic of ScenarioExecution records in Confluent wire format (magic byte,
 * schema id, Avro body). The few fields needed are read straight from the Avro bytes (they are the
 * first 15 fields of the schema); the rest of the record is not decoded. makestream decodes the whole
 * record, so this favours Kafka Streams.
 *
 * Prints one JSON line: {"events":N,"seconds":S,"eventsPerSecond":R,...} once N records were processed.
 *
 * Arguments (key=value): bootstrap, topic, count, windows (ms, comma-separated), graceMs, guarantee
 * (at_least_once | exactly_once_v2), threads, output.
 */
public final class AggregateBench {

  /** The execution fields the aggregate needs. */
  record Execution(long scenarioId, int status, long timestamp, long duration, long operations, long transfer, long centicredits) {}

  /** Window totals; serialised as 11 longs. */
  static final class Totals {
    long executions, successes, warnings, errors, others, operations, transfer, centicredits, durationSum;
    long durationMin = Long.MAX_VALUE, durationMax = Long.MIN_VALUE;

    Totals add(Execution e) {
      executions++;
      switch (e.status()) {
        case 2 -> successes++;
        case 3 -> warnings++;
        case 4 -> errors++;
        default -> others++;
      }
      operations += e.operations();
      transfer += e.transfer();
      centicredits += e.centicredits();
      long d = Math.max(0, e.duration());
      durationSum += d;
      durationMin = Math.min(durationMin, d);
      durationMax = Math.max(durationMax, d);
      return this;
    }
  }

  static final Serde<Totals> TOTALS = Serdes.serdeFrom(
      (topic, t) -> {
        if (t == null) return null;
        ByteBuffer b = ByteBuffer.allocate(88);
        b.putLong(t.executions).putLong(t.successes).putLong(t.warnings).putLong(t.errors).putLong(t.others)
            .putLong(t.operations).putLong(t.transfer).putLong(t.centicredits).putLong(t.durationSum)
            .putLong(t.durationMin).putLong(t.durationMax);
        return b.array();
      },
      (topic, bytes) -> {
        if (bytes == null) return null;
        ByteBuffer b = ByteBuffer.wrap(bytes);
        Totals t = new Totals();
        t.executions = b.getLong(); t.successes = b.getLong(); t.warnings = b.getLong(); t.errors = b.getLong();
        t.others = b.getLong(); t.operations = b.getLong(); t.transfer = b.getLong(); t.centicredits = b.getLong();
        t.durationSum = b.getLong(); t.durationMin = b.getLong(); t.durationMax = b.getLong();
        return t;
      });

  static final Serde<Execution> EXECUTION = Serdes.serdeFrom(
      (topic, e) -> ByteBuffer.allocate(52).putLong(e.scenarioId()).putInt(e.status()).putLong(e.timestamp())
          .putLong(e.duration()).putLong(e.operations()).putLong(e.transfer()).putLong(e.centicredits()).array(),
      (topic, bytes) -> {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return new Execution(b.getLong(), b.getInt(), b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getLong());
      });

  /** Reads the first fields of a ScenarioExecution in Confluent wire format. */
  static Execution parse(byte[] bytes) {
    AvroReader r = new AvroReader(bytes, 5);
    r.skipString(); // eventId
    r.readLong(); // source (enum)
    r.skipString(); // zone
    long scenarioId = r.readLong();
    r.skipString(); // executionId
    if (r.readLong() == 1) r.skipString(); // imtId
    if (r.readLong() == 1) r.skipString(); // type
    int status = (int) r.readLong();
    if (r.readLong() == 1) r.readLong(); // statusCode
    long timestamp = r.readLong();
    if (r.readLong() == 1) r.readLong(); // endedAt
    long duration = r.readLong();
    long operations = r.readLong();
    long transfer = r.readLong();
    long centicredits = r.readLong() == 1 ? r.readLong() : 0;
    return new Execution(scenarioId, status, timestamp, duration, operations, transfer, centicredits);
  }

  static final class AvroReader {
    private final byte[] b;
    private int p;

    AvroReader(byte[] bytes, int position) { b = bytes; p = position; }

    long readLong() {
      long raw = 0;
      int shift = 0;
      int current;
      do {
        current = b[p++] & 0xff;
        raw |= (long) (current & 0x7f) << shift;
        shift += 7;
      } while ((current & 0x80) != 0);
      return (raw >>> 1) ^ -(raw & 1);
    }

    void skipString() { int length = (int) readLong(); p += length; }
  }

  /** Event time: the execution's own start (field `timestamp`), as makestream uses. */
  public static final class ExecutionTime implements TimestampExtractor {
    @Override
    public long extract(org.apache.kafka.clients.consumer.ConsumerRecord<Object, Object> record, long partitionTime) {
      return parse((byte[]) record.value()).timestamp();
    }
  }

  /** CPU time of the whole JVM (all threads: stream thread, producer, RocksDB, GC), nanoseconds. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  public static void main(String[] args) throws Exception {
    Properties a = new Properties();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      a.setProperty(arg.substring(0, eq), arg.substring(eq + 1));
    }
    String bootstrap = a.getProperty("bootstrap", "127.0.0.1:19092");
    String topic = a.getProperty("topic", "bench.aggregate.executions");
    long count = Long.parseLong(a.getProperty("count", "100000"));
    long graceMs = Long.parseLong(a.getProperty("graceMs", "120000"));
    String guarantee = a.getProperty("guarantee", StreamsConfig.AT_LEAST_ONCE);
    String output = a.getProperty("output", topic + ".kstreams-windows");
    Path stateDir = Files.createTempDirectory("kstreams-bench-");

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "makestream-bench-aggregate-" + System.nanoTime());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(a.getProperty("threads", "1")));
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    AtomicLong seen = new AtomicLong();
    long[] started = {0};
    long[] finished = {0};
    long[] startedCpu = {0};
    long[] finishedCpu = {0};
    CountDownLatch done = new CountDownLatch(1);

    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, Execution> executions = builder
        .stream(topic, Consumed.with(Serdes.String(), Serdes.ByteArray()).withTimestampExtractor(new ExecutionTime()))
        .mapValues(AggregateBench::parse)
        .peek((key, value) -> {
          long n = seen.incrementAndGet();
          if (n == 1) {
            started[0] = System.nanoTime();
            startedCpu[0] = processCpuNanos();
          }
          if (n == count) {
            finished[0] = System.nanoTime();
            finishedCpu[0] = processCpuNanos();
            done.countDown();
          }
        });
    KGroupedStream<String, Execution> byScenario = executions.groupByKey(Grouped.with(Serdes.String(), EXECUTION));
    for (String size : a.getProperty("windows", "60000,300000,3600000").split(",")) {
      long sizeMs = Long.parseLong(size.trim());
      byScenario
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(sizeMs), Duration.ofMillis(graceMs)))
          .aggregate(Totals::new, (key, execution, totals) -> totals.add(execution),
              Materialized.<String, Totals, WindowStore<Bytes, byte[]>>as("totals-" + sizeMs)
                  .withKeySerde(Serdes.String()).withValueSerde(TOTALS))
          .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
          .toStream()
          .map((windowed, totals) -> KeyValue.pair(
              windowed.key() + "|" + sizeMs + "|" + windowed.window().start(), TOTALS.serializer().serialize(output, totals)))
          .to(output, Produced.with(Serdes.String(), Serdes.ByteArray()));
    }

    KafkaStreams streams = new KafkaStreams(builder.build(), p);
    long launched = System.nanoTime();
    streams.start();
    boolean complete = done.await(Long.parseLong(a.getProperty("timeoutSeconds", "600")), TimeUnit.SECONDS);
    streams.close(Duration.ofSeconds(30));
    streams.cleanUp();
    try (var files = Files.walk(stateDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
    if (!complete) {
      System.err.println("Kafka Streams processed " + seen.get() + " of " + count + " records before the timeout.");
      System.exit(2);
    }
    double seconds = (finished[0] - started[0]) / 1e9;
    double cpuSeconds = (finishedCpu[0] - startedCpu[0]) / 1e9;
    System.out.printf(
        "{\"events\":%d,\"seconds\":%.3f,\"eventsPerSecond\":%.0f,\"cpuSeconds\":%.3f,\"eventsPerCpuSecond\":%.0f,\"startupSeconds\":%.3f,\"guarantee\":\"%s\",\"threads\":%s}%n",
        count, seconds, count / seconds, cpuSeconds, count / cpuSeconds, (started[0] - launched) / 1e9, guarantee,
        p.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
    System.exit(0);
  }
}
