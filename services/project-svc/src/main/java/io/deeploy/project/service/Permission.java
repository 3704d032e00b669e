package io.deeploy.project.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a delegate or an API token may do on an owner's projects, as bits: the seed's and the escrow contract's
 * delegate bits, so one grant reads the same on chain and here. Reading is implied by any grant. In project-svc, create
 * opens job creation and redeem opens stopping a job (which closes it on chain and refunds what is left); extend and
 * nodes are exercised on chain, where the contract checks the same bits.
 */
public enum Permission {
    CREATE(1), EXTEND(2), NODES(4), REDEEM(8);

    public static final int ALL = 15;

    private final int bit;

    Permission(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }

    public boolean in(int bits) {
        return (bits & bit) != 0;
    }

    /** Bits from names (create, extend, nodes, redeem); a 400 naming {@code field} for anything else. */
    public static int bitsOf(List<String> names, String field) {
        if (names == null) {
            throw ApiException.invalid(field, field + " is required: a list of create, extend, nodes, redeem");
        }
        int bits = 0;
        for (String name : names) {
            Permission permission = null;
            for (Permission candidate : values()) {
                if (candidate.name().toLowerCase(Locale.ROOT).equals(name)) {
                    permission = candidate;
                }
            }
            if (permission == null) {
                throw ApiException.invalid(field, "unknown permission '" + name + "'; known: create, extend, nodes, redeem");
            }
            bits |= permission.bit;
        }
        return bits;
    }

    public static List<String> namesOf(int bits) {
        List<String> names = new ArrayList<>();
        for (Permission permission : values()) {
            if (permission.in(bits)) {
                names.add(permission.name().toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }
}
