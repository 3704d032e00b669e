package io.deeploy.project.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.deeploy.events.EventCodec;
import io.deeploy.events.payload.SettlementCompleted;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a paid job's settlements paid each node operator, kept on the job as a JSON object of operator address (lower
 * case) to amount in token base units, in the order the operators were first paid.
 */
public final class OperatorPayments {

    private static final TypeReference<LinkedHashMap<String, BigInteger>> MAP = new TypeReference<>() { };

    private OperatorPayments() {
    }

    /** {@code recorded} with {@code payments} added. */
    public static String add(String recorded, List<SettlementCompleted.OperatorPayment> payments) {
        Map<String, BigInteger> totals = read(recorded);
        for (SettlementCompleted.OperatorPayment payment : payments) {
            totals.merge(payment.operator().toLowerCase(java.util.Locale.ROOT), payment.paid(), BigInteger::add);
        }
        try {
            return EventCodec.mapper().writeValueAsString(totals);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("operator payments not writable", e);
        }
    }

    /** The recorded totals, by operator address. */
    public static Map<String, BigInteger> read(String recorded) {
        if (recorded == null || recorded.isBlank()) {
            return new LinkedHashMap<>();
        }
        try {
            return EventCodec.mapper().readValue(recorded, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("operator payments not readable", e);
        }
    }
}
