package io.aurigraph.kafkacompat;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The embedded broker answers the Java clients as Apache Kafka does. The
 * scenario runs once against each broker (KAFKA_COMPAT_KAFKA and
 * KAFKA_COMPAT_EMBEDDED name their bootstrap addresses; both must be
 * fresh), then each section's answers are compared. Both reports are kept
 * in target/conformance-*.txt.
 */
class ConformanceTest {
    private static Map<String, List<String>> kafka;
    private static Map<String, List<String>> embedded;

    @BeforeAll
    static void runScenario() throws IOException {
        kafka = Scenario.run("kafka", address("KAFKA_COMPAT_KAFKA"));
        embedded = Scenario.run("embedded", address("KAFKA_COMPAT_EMBEDDED"));
        write("kafka", kafka);
        write("embedded", embedded);
    }

    private static String address(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException(name + " is not set: run test/kafka_conformance.sh, which starts both brokers");
        }
        return v;
    }

    private static void write(String label, Map<String, List<String>> report) throws IOException {
        List<String> lines = new ArrayList<>();
        report.forEach((section, out) -> {
            lines.add("== " + section);
            lines.addAll(out);
        });
        Files.write(Path.of("target", "conformance-" + label + ".txt"), lines);
    }

    @ParameterizedTest
    @ValueSource(strings = {"createTopics", "describeTopics", "describeConfigs", "idempotentProducer", "listOffsets", "batchedProducer",
            "transactions", "classicGroup", "consumerGroup"})
    void embeddedAnswersAsKafka(String section) {
        List<String> want = kafka.get(section);
        List<String> got = embedded.get(section);
        assertFalse(want.isEmpty(), section + " observed nothing on Apache Kafka");
        if (want.equals(got)) {
            return;
        }
        StringBuilder msg = new StringBuilder(section + ": the embedded broker answers otherwise\n");
        for (String line : want) {
            msg.append(got.contains(line) ? "    " : "  - ").append(line).append('\n');
        }
        for (String line : got) {
            if (!want.contains(line)) {
                msg.append("  + ").append(line).append('\n');
            }
        }
        msg.append("(- Apache Kafka only, + embedded only)");
        fail(msg.toString());
    }
}
