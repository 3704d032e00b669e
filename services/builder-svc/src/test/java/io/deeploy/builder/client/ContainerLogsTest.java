package io.deeploy.builder.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.deeploy.node.api.LogBatch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContainerLogsTest {

    @Test
    void linesAreNumberedByTheirEngineTimeAndStayRisingWhenTimesRepeat() {
        List<LogBatch.LogLine> lines = new ArrayList<>();
        ContainerLogs.addParsed(lines, "2026-11-30T12:00:00.000000001Z first");
        ContainerLogs.addParsed(lines, "2026-11-30T12:00:00.000000001Z same time");
        ContainerLogs.addParsed(lines, "2026-11-30T12:00:01Z later  ");
        ContainerLogs.addParsed(lines, "not a stamped line");
        ContainerLogs.addParsed(lines, "2026-11-30T12:00:02Z");
        long first = Instant.parse("2026-11-30T12:00:00Z").getEpochSecond() * 1_000_000_000L + 1;
        assertThat(lines).extracting(LogBatch.LogLine::number)
                .containsExactly(first, first + 1, first + 999_999_999L, first + 1_999_999_999L);
        assertThat(lines).extracting(LogBatch.LogLine::text).containsExactly("first", "same time", "later", "");
        assertThat(lines.get(2).at()).isEqualTo(Instant.parse("2026-11-30T12:00:01Z"));
    }

    @Test
    void aLongLineIsCutToWhatTheGatewayTakes() {
        List<LogBatch.LogLine> lines = new ArrayList<>();
        ContainerLogs.addParsed(lines, "2026-11-30T12:00:00Z " + "x".repeat(LogBatch.MAX_LINE_CHARS + 10));
        assertThat(lines.get(0).text()).hasSize(LogBatch.MAX_LINE_CHARS);
        assertThat(new LogBatch("app", "ctr", lines).problem()).isNull();
    }
}
