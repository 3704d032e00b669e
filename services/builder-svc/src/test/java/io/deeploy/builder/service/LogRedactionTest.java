package io.deeploy.builder.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LogRedactionTest {

    @Test
    void aJobsSecretValuesAreMaskedWhereverTheyStandAndTheLongestFirst() {
        String line = "fatal: https://me:ghp_token123@git.example.org/app.git KEY=ghp_token123-long and ghp_token123";
        assertThat(LogRedaction.redact(line, List.of("ghp_token123", "ghp_token123-long")))
                .isEqualTo("fatal: https://me:[secret]@git.example.org/app.git KEY=[secret] and [secret]");
    }

    @Test
    void shortValuesAndJobsWithoutSecretsLeaveTheLineAsItIs() {
        assertThat(LogRedaction.redact("GET / 200", List.of("200", ""))).isEqualTo("GET / 200");
        assertThat(LogRedaction.redact("GET / 200", List.of())).isEqualTo("GET / 200");
    }
}
