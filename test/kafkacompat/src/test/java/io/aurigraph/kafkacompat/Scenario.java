package io.aurigraph.kafkacompat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One run of the conformance scenario against one broker. Each section
 * is the list of what the clients observed, normalised so two correct
 * brokers answer alike: node ids, member ids, producer ids and times are
 * left out or replaced by what they must relate to (the leader is one of
 * the replicas, a topic id is the one creation answered, a record time is
 * given relative to the scenario's base). An exception becomes a line
 * naming its class, so a failing call is compared too; its stack trace goes
 * to standard error.
 */
final class Scenario {
    static final String ORDERS = "compat.orders";
    static final String LEDGER = "compat.ledger";
    static final String BATCHED = "compat.batched";
    static final int BATCHED_RECORDS = 500;
    static final String CLASSIC_GROUP = "compat.classic";
    static final String CONSUMER_GROUP = "compat.consumer";
    static final String TXN_ID = "compat.txn";
    static final int ORDERS_PARTITIONS = 3;
    static final int ORDERS_RECORDS = 30;
    /**
     * Records carry explicit times from here, a minute before the run, so
     * timestamp lookups have one answer and no retention applies.
     */
    static final long BASE = System.currentTimeMillis() / 1000 * 1000 - 60_000;
    /** The record (by send order) that carries the greatest time, mid-partition. */
    static final int MAX_RECORD = 13;
    static final long TIMEOUT_S = 30;

    /**
     * Topic configs compared wherever a broker lists them. Not compared:
     * segment.bytes (the embedded broker's segments are 100 MiB, and it
     * says so) and min.insync.replicas (Kafka 4's KRaft sets it as a
     * cluster default, so its source differs).
     */
    static final List<String> CONFIG_KEYS = List.of(
            "cleanup.policy", "retention.ms", "max.message.bytes", "compression.type", "message.timestamp.type");

    private final String bootstrap;
    private final String label;
    private final Map<String, List<String>> sections = new LinkedHashMap<>();
    private final Map<String, Uuid> topicIds = new HashMap<>();

    private Scenario(String label, String bootstrap) {
        this.label = label;
        this.bootstrap = bootstrap;
    }

    /** Runs every section against bootstrap and returns them by name, in order. */
    static Map<String, List<String>> run(String label, String bootstrap) {
        Scenario s = new Scenario(label, bootstrap);
        try (Admin admin = Admin.create(s.adminProps())) {
            s.section("createTopics", out -> s.createTopics(admin, out));
            s.section("describeTopics", out -> s.describeTopics(admin, out));
            s.section("describeConfigs", out -> s.describeConfigs(admin, out));
            s.section("idempotentProducer", out -> s.produce(out));
            s.section("listOffsets", out -> s.listOffsets(admin, out));
            s.section("batchedProducer", out -> s.batched(admin, out));
            s.section("transactions", out -> s.transactions(admin, out));
            s.section("classicGroup", out -> s.group(admin, out, CLASSIC_GROUP, "classic"));
            s.section("consumerGroup", out -> s.group(admin, out, CONSUMER_GROUP, "consumer"));
        }
        return s.sections;
    }

    interface Step {
        void run(List<String> out) throws Exception;
    }

    private void section(String name, Step step) {
        List<String> out = new ArrayList<>();
        try {
            step.run(out);
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            out.add("failed: " + cause.getClass().getName());
            System.err.printf("[%s] %s failed:%n", label, name);
            cause.printStackTrace();
        }
        sections.put(name, out);
    }

    private Properties common() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return p;
    }

    private Properties adminProps() {
        Properties p = common();
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "compat-admin");
        return p;
    }

    private void createTopics(Admin admin, List<String> out) throws Exception {
        NewTopic orders = new NewTopic(ORDERS, ORDERS_PARTITIONS, (short) 1).configs(Map.of(
                "retention.ms", "3600000", "max.message.bytes", "2000000", "cleanup.policy", "delete"));
        NewTopic ledger = new NewTopic(LEDGER, 1, (short) 1);
        CreateTopicsResult res = admin.createTopics(List.of(orders, ledger));
        res.all().get(TIMEOUT_S, TimeUnit.SECONDS);
        for (String topic : List.of(ORDERS, LEDGER)) {
            Uuid id = res.topicId(topic).get(TIMEOUT_S, TimeUnit.SECONDS);
            topicIds.put(topic, id);
            out.add(String.format("%s partitions=%d replicationFactor=%d id=%s", topic,
                    res.numPartitions(topic).get(), res.replicationFactor(topic).get(),
                    id == null || Uuid.ZERO_UUID.equals(id) ? "none" : "set"));
            configLines(out, topic, res.config(topic).get(TIMEOUT_S, TimeUnit.SECONDS));
        }
        out.add("create existing: " + failure(() -> admin.createTopics(List.of(new NewTopic(ORDERS, 1, (short) 1)))
                .all().get(TIMEOUT_S, TimeUnit.SECONDS)));
    }

    private void describeTopics(Admin admin, List<String> out) throws Exception {
        Map<String, TopicDescription> byName = admin.describeTopics(List.of(ORDERS, LEDGER))
                .allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS);
        for (String topic : List.of(ORDERS, LEDGER)) {
            TopicDescription d = byName.get(topic);
            out.add(String.format("%s internal=%b id=%s partitions=%d", d.name(), d.isInternal(),
                    d.topicId().equals(topicIds.get(topic)) ? "as created" : "other", d.partitions().size()));
            for (TopicPartitionInfo p : d.partitions()) {
                out.add(String.format("%s-%d leader=%s replicas=%d isr=%d elr=%s lastKnownElr=%s", topic, p.partition(),
                        p.leader() != null && p.replicas().contains(p.leader()) ? "a replica" : String.valueOf(p.leader()),
                        p.replicas().size(), p.isr().size(), nodes(p.elr()), nodes(p.lastKnownElr())));
            }
        }
        out.add("describe missing: " + failure(() -> admin.describeTopics(List.of("compat.missing"))
                .allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS)));
        List<String> listed = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS).stream()
                .filter(t -> t.startsWith("compat.")).sorted().collect(Collectors.toList());
        out.add("listTopics: " + listed);
    }

    private void describeConfigs(Admin admin, List<String> out) throws Exception {
        for (String topic : List.of(ORDERS, LEDGER)) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            configLines(out, topic, admin.describeConfigs(List.of(r)).all().get(TIMEOUT_S, TimeUnit.SECONDS).get(r));
        }
    }

    private void produce(List<String> out) throws Exception {
        Properties p = common();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "compat-idempotent");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        Map<Integer, List<Long>> offsets = new TreeMap<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            // One record at a time, so every broker stores the same batches.
            for (int i = 0; i < ORDERS_RECORDS; i++) {
                RecordMetadata md = producer.send(new ProducerRecord<>(ORDERS, i % ORDERS_PARTITIONS,
                        recordTime(i), "k" + i, "order " + i)).get(TIMEOUT_S, TimeUnit.SECONDS);
                offsets.computeIfAbsent(md.partition(), k -> new ArrayList<>()).add(md.offset());
                if (md.timestamp() != recordTime(i)) {
                    out.add("record " + i + " stored at " + (md.timestamp() - BASE) + " instead of " + (recordTime(i) - BASE));
                }
            }
        }
        offsets.forEach((part, list) -> out.add(ORDERS + "-" + part + " offsets " + list));
    }

    static long recordTime(int i) {
        return i == MAX_RECORD ? BASE + 100_000 : BASE + 10L * i;
    }

    private void listOffsets(Admin admin, List<String> out) throws Exception {
        for (int part = 0; part < ORDERS_PARTITIONS; part++) {
            TopicPartition tp = new TopicPartition(ORDERS, part);
            out.add(String.format("%s earliest=%s latest=%s maxTimestamp=%s forTimestamp(+55)=%s forTimestamp(+1000000)=%s",
                    tp, offset(admin, tp, OffsetSpec.earliest()), offset(admin, tp, OffsetSpec.latest()),
                    offset(admin, tp, OffsetSpec.maxTimestamp()), offset(admin, tp, OffsetSpec.forTimestamp(BASE + 55)),
                    offset(admin, tp, OffsetSpec.forTimestamp(BASE + 1_000_000))));
        }
    }

    /**
     * Records batched and compressed by the producer, stamped by the clock:
     * the answers depend on the batching, so what is compared is whether
     * maxTimestamp names the first record carrying the greatest time.
     */
    private void batched(Admin admin, List<String> out) throws Exception {
        admin.createTopics(List.of(new NewTopic(BATCHED, 1, (short) 1))).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        Properties p = common();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "compat-batched");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < BATCHED_RECORDS; i++) {
                producer.send(new ProducerRecord<>(BATCHED, 0, null, "k" + i, "batched " + i));
            }
            producer.flush();
        }
        TopicPartition tp = new TopicPartition(BATCHED, 0);
        long maxTs = -1, maxOffset = -1;
        for (ConsumerRecord<String, String> r : readRecords(tp, "read_uncommitted", BATCHED_RECORDS)) {
            if (r.timestamp() > maxTs) {
                maxTs = r.timestamp();
                maxOffset = r.offset();
            }
        }
        ListOffsetsResultInfo info = admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp()))
                .partitionResult(tp).get(TIMEOUT_S, TimeUnit.SECONDS);
        out.add(String.format("%s maxTimestamp names the first record with the greatest time: %b", tp,
                info.offset() == maxOffset && info.timestamp() == maxTs));
        out.add(tp + " latest=" + offset(admin, tp, OffsetSpec.latest()).replaceAll("@.*", ""));
    }

    private static String offset(Admin admin, TopicPartition tp, OffsetSpec spec) throws Exception {
        return offset(admin, tp, spec, IsolationLevel.READ_UNCOMMITTED);
    }

    private static String offset(Admin admin, TopicPartition tp, OffsetSpec spec, IsolationLevel iso) throws Exception {
        ListOffsetsResultInfo info = admin.listOffsets(Map.of(tp, spec), new ListOffsetsOptions(iso))
                .partitionResult(tp).get(TIMEOUT_S, TimeUnit.SECONDS);
        String at = info.timestamp() < 0 ? String.valueOf(info.timestamp()) : "+" + (info.timestamp() - BASE);
        return info.offset() + "@" + at;
    }

    private void transactions(Admin admin, List<String> out) throws Exception {
        Properties p = common();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "compat-transactional");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TXN_ID);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "60000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        TopicPartition tp = new TopicPartition(LEDGER, 0);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(LEDGER, 0, BASE + i, "k" + i, "committed " + i));
            }
            producer.commitTransaction();
            transactionLines(admin, out, "after commit");

            producer.beginTransaction();
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(LEDGER, 0, BASE + 10 + i, "a" + i, "aborted " + i));
            }
            producer.flush();
            transactionLines(admin, out, "open");
            out.add("open: latest read_uncommitted=" + offset(admin, tp, OffsetSpec.latest(), IsolationLevel.READ_UNCOMMITTED)
                    + " read_committed=" + offset(admin, tp, OffsetSpec.latest(), IsolationLevel.READ_COMMITTED));
            producer.abortTransaction();
            transactionLines(admin, out, "after abort");
        }
        out.add("closed: latest read_uncommitted=" + offset(admin, tp, OffsetSpec.latest(), IsolationLevel.READ_UNCOMMITTED)
                + " read_committed=" + offset(admin, tp, OffsetSpec.latest(), IsolationLevel.READ_COMMITTED));
        // The abort marker, stamped at the end, carries the greatest time.
        out.add("closed: maxTimestamp=" + offset(admin, tp, OffsetSpec.maxTimestamp()).replaceAll("@.*", "")
                + " earliest=" + offset(admin, tp, OffsetSpec.earliest()));
        transactionLines(admin, out, "closed");
        out.add("read_committed reads " + readAll(tp, "read_committed", 5));
        out.add("read_uncommitted reads " + readAll(tp, "read_uncommitted", 8));
    }

    /**
     * Lists and describes the transactional id. Kafka writes the markers
     * after EndTxn answers, so a finished transaction is PrepareCommit or
     * PrepareAbort for a moment: wait until it is not. A start time is
     * compared only while the transaction runs: the embedded broker does
     * not keep that of a finished one.
     */
    private void transactionLines(Admin admin, List<String> out, String when) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        TransactionDescription d;
        while (true) {
            d = admin.describeTransactions(List.of(TXN_ID)).description(TXN_ID).get(TIMEOUT_S, TimeUnit.SECONDS);
            if (!d.state().toString().startsWith("Prepare") || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(50);
        }
        List<TransactionListing> listed = admin.listTransactions().all().get(TIMEOUT_S, TimeUnit.SECONDS).stream()
                .filter(t -> t.transactionalId().equals(TXN_ID)).collect(Collectors.toList());
        out.add(when + ": listTransactions " + listed.stream().map(t -> t.transactionalId() + "=" + t.state())
                .collect(Collectors.toList()));
        long producerId = d.producerId();
        out.add(String.format("%s: describeTransactions state=%s timeoutMs=%d%s partitions=%s producerId=%s", when,
                d.state(), d.transactionTimeoutMs(),
                "Ongoing".equals(d.state().toString()) ? " started=" + d.transactionStartTimeMs().isPresent() : "",
                d.topicPartitions().stream().map(TopicPartition::toString).sorted().collect(Collectors.toList()),
                listed.size() == 1 && listed.get(0).producerId() == producerId ? "as listed" : "other"));
        for (TransactionState state : List.of(TransactionState.COMPLETE_COMMIT, TransactionState.COMPLETE_ABORT)) {
            out.add(when + ": listTransactions in " + state + " " + admin.listTransactions(new ListTransactionsOptions()
                    .filterStates(List.of(state))).all().get(TIMEOUT_S, TimeUnit.SECONDS).stream()
                    .map(TransactionListing::transactionalId).filter(TXN_ID::equals).collect(Collectors.toList()));
        }
    }

    private List<String> readAll(TopicPartition tp, String isolation, int want) {
        return readRecords(tp, isolation, want).stream().map(ConsumerRecord::value).collect(Collectors.toList());
    }

    private List<ConsumerRecord<String, String>> readRecords(TopicPartition tp, String isolation, int want) {
        Properties p = common();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "compat-reader");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            // Past the wanted count, one more poll shows nothing else comes.
            boolean extraPoll = false;
            while (System.nanoTime() < deadline && !extraPoll) {
                extraPoll = values.size() >= want;
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(extraPoll ? 500 : 200))) {
                    values.add(r);
                }
            }
        }
        return values;
    }

    private void group(Admin admin, List<String> out, String group, String protocol) throws Exception {
        Properties p = common();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "compat-" + protocol);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        int read = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(ORDERS));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (read < ORDERS_RECORDS && System.nanoTime() < deadline) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            consumer.commitSync(Duration.ofSeconds(TIMEOUT_S));
            out.add("consumed " + read + " of " + ORDERS_RECORDS);
            groupLines(admin, out, group, "member joined");
        }
        groupLines(admin, out, group, "member left");
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(TIMEOUT_S, TimeUnit.SECONDS);
        committed.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(TopicPartition::toString)))
                .forEach(e -> out.add(String.format("committed %s offset=%d metadata='%s'", e.getKey(),
                        e.getValue().offset(), e.getValue().metadata())));
    }

    @SuppressWarnings("deprecation") // listConsumerGroups is what lag monitors and older tools call
    private void groupLines(Admin admin, List<String> out, String group, String when) throws Exception {
        for (ConsumerGroupListing l : admin.listConsumerGroups().all().get(TIMEOUT_S, TimeUnit.SECONDS)) {
            if (l.groupId().equals(group)) {
                out.add(String.format("%s: listConsumerGroups %s state=%s type=%s simple=%b", when, l.groupId(),
                        l.groupState().map(Object::toString).orElse("?"), l.type().map(Object::toString).orElse("?"),
                        l.isSimpleConsumerGroup()));
            }
        }
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                .get(TIMEOUT_S, TimeUnit.SECONDS);
        out.add(String.format("%s: describeConsumerGroups state=%s type=%s assignor=%s simple=%b members=%d coordinator=%s",
                when, d.groupState(), d.type(), d.partitionAssignor(), d.isSimpleConsumerGroup(), d.members().size(),
                d.coordinator() == null || d.coordinator().isEmpty() ? "none" : "a node"));
        for (MemberDescription m : d.members()) {
            out.add(String.format("%s: member client=%s assigned=%s", when, m.clientId(),
                    m.assignment().topicPartitions().stream().map(TopicPartition::toString).sorted()
                            .collect(Collectors.toList())));
        }
    }

    private static void configLines(List<String> out, String topic, Config config) {
        for (String key : CONFIG_KEYS) {
            ConfigEntry e = config.get(key);
            out.add(e == null ? topic + " config " + key + " missing"
                    : String.format("%s config %s=%s source=%s readOnly=%b sensitive=%b", topic, key, e.value(),
                            e.source(), e.isReadOnly(), e.isSensitive()));
        }
    }

    private static String nodes(List<Node> nodes) {
        return nodes == null ? "null" : String.valueOf(nodes.size());
    }

    interface Call {
        void run() throws Exception;
    }

    private static String failure(Call call) {
        try {
            call.run();
            return "succeeded";
        } catch (ExecutionException e) {
            return e.getCause().getClass().getSimpleName();
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }
}
