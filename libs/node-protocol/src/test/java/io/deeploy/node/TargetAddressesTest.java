package io.deeploy.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class TargetAddressesTest {

    static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void onlyPublicAddressesAreReachableTargets() throws Exception {
        for (String refused : new String[] {"127.0.0.1", "127.9.9.9", "::1", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                "192.168.1.1", "169.254.169.254", "fe80::1", "fd00::1", "0.0.0.0", "0.1.2.3", "100.64.0.1", "224.0.0.1",
                "255.255.255.255", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::", "::127.0.0.1", "64:ff9b::a00:1", "2002:7f00:1::1",
                "2002:c0a8:101::1"}) {
            assertThat(TargetAddresses.restriction(ip(refused))).as(refused).isNotNull();
        }
        for (String allowed : new String[] {"1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "64:ff9b::101:101", "2002:808:808::1"}) {
            assertThat(TargetAddresses.restriction(ip(allowed))).as(allowed).isNull();
        }
    }

    @Test
    void rangesHoldTheirAddresses() throws Exception {
        assertThat(TargetAddresses.inRange(ip("127.0.0.1"), "127.0.0.0/8")).isTrue();
        assertThat(TargetAddresses.inRange(ip("127.0.0.2"), "127.0.0.1/32")).isFalse();
        assertThat(TargetAddresses.inRange(ip("10.213.7.2"), "10.213.0.0/16")).isTrue();
        assertThat(TargetAddresses.inRange(ip("::1"), "127.0.0.0/8")).isFalse();
        assertThat(TargetAddresses.inRange(ip("::1"), "::1/128")).isTrue();
        assertThat(TargetAddresses.inRange(ip("10.0.0.1"), "not-a-range")).isFalse();
        assertThat(TargetAddresses.isLiteral("127.0.0.1")).isTrue();
        assertThat(TargetAddresses.isLiteral("[::1]")).isTrue();
        assertThat(TargetAddresses.isLiteral("git.example.org")).isFalse();
    }

    @Test
    void hostsThatNameThisMachineOrARestrictedAddressAreRefusedWithoutALookup() {
        for (String refused : new String[] {"localhost", "LOCALHOST.", "app.localhost", "127.0.0.1", "10.0.0.8", "[::1]",
                "[fd00::5]", "2130706433", "127.1", "0x7f.0.0.1", "300.1.1.1", "[::ffff:169.254.169.254]"}) {
            assertThat(TargetAddresses.hostRestriction(refused)).as(refused).isNotNull();
        }
        for (String allowed : new String[] {"git.example.org", "1.1.1.1", "[2606:4700::1111]", "localhost.example.org"}) {
            assertThat(TargetAddresses.hostRestriction(allowed)).as(allowed).isNull();
        }
    }
}
