package io.deeploy.node;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Which network addresses a job's own targets (its repository, say) may not be: anything but a public address. A
 * tenant who names a loopback, private, link-local or otherwise special address would reach the node's own services,
 * its neighbours on the operator's network, or a cloud's metadata service, with the node's privileges. Written once,
 * for the API (literal hosts, before anything is stored) and the node agent (every address a name resolves to, before
 * it connects).
 */
public final class TargetAddresses {

    private TargetAddresses() {
    }

    /** Why a job may not reach {@code address}, or null when it is a public address. */
    public static String restriction(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] bytes = v6.getAddress();
            byte[] embedded = embeddedIpv4(bytes);
            if (embedded != null) {
                try {
                    String inner = restriction(InetAddress.getByAddress(embedded));
                    if (inner != null) {
                        return inner + " inside an IPv6 one";
                    }
                } catch (UnknownHostException e) {
                    return "an address that cannot be read";
                }
            }
            if ((bytes[0] & 0xfe) == 0xfc) {
                return "a private (unique local) address";
            }
        }
        if (address.isLoopbackAddress()) {
            return "a loopback address";
        }
        if (address.isAnyLocalAddress()) {
            return "an unspecified address";
        }
        if (address.isLinkLocalAddress()) {
            return "a link-local address (where cloud metadata services answer)";
        }
        if (address.isSiteLocalAddress()) {
            return "a private address";
        }
        if (address.isMulticastAddress()) {
            return "a multicast address";
        }
        if (address instanceof Inet4Address) {
            byte[] bytes = address.getAddress();
            int first = bytes[0] & 0xff;
            int second = bytes[1] & 0xff;
            if (first == 0) {
                return "an address of 'this network' (0.0.0.0/8)";
            }
            if (first == 100 && second >= 64 && second < 128) {
                return "a shared (carrier-grade NAT) address";
            }
            if (first >= 240) {
                return "a reserved or broadcast address";
            }
        }
        return null;
    }

    /**
     * Why a URL's host may not be a job's target by what it says, before any lookup, or null when only resolving it can
     * tell (a name). Refuses the names that always mean this machine ({@code localhost}, {@code *.localhost}), IP literals
     * with a {@link #restriction}, and numeric hosts other than dotted quads ({@code 2130706433}, {@code 127.1}), which
     * resolvers read in different ways.
     */
    public static String hostRestriction(String host) {
        String bare = host.toLowerCase(java.util.Locale.ROOT);
        if (bare.endsWith(".")) {
            bare = bare.substring(0, bare.length() - 1);
        }
        if (bare.equals("localhost") || bare.endsWith(".localhost")) {
            return "a name of this machine";
        }
        if (!isLiteral(bare)) {
            return null;
        }
        try {
            InetAddress address = literal(bare);
            return address == null ? "an IPv4 address not written as four decimal numbers" : restriction(address);
        } catch (UnknownHostException e) {
            return "not a valid IP address";
        }
    }

    /** Whether {@code address} lies in {@code cidr} (e.g. 127.0.0.0/8, ::1/128); a malformed range holds nothing. */
    public static boolean inRange(InetAddress address, String cidr) {
        int slash = cidr.indexOf('/');
        String base = slash < 0 ? cidr : cidr.substring(0, slash);
        if (!isLiteral(base)) {
            return false; // a name here would be looked up, and a range is never a name
        }
        try {
            InetAddress network = literal(base);
            if (network == null) {
                return false;
            }
            byte[] a = address.getAddress();
            byte[] n = network.getAddress();
            if (a.length != n.length) {
                return false;
            }
            int bits = slash < 0 ? a.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
            for (int i = 0; i < a.length && bits > 0; i++, bits -= 8) {
                int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
                if ((a[i] & mask) != (n[i] & mask)) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException | NumberFormatException e) {
            return false;
        }
    }

    /**
     * Whether {@code host} is (or looks like) an IP literal rather than a name to resolve: IPv6 (in or out of brackets),
     * or a last label of digits or hex, which no DNS name has and which some resolvers read as an IPv4 number.
     */
    public static boolean isLiteral(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        String last = bare.substring(bare.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
        return bare.contains(":") || last.matches("[0-9]+|0x[0-9a-f]*");
    }

    /** The address of an IP literal, read without any lookup; null for a numeric host that is not a dotted quad. */
    private static InetAddress literal(String host) throws UnknownHostException {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.contains(":")) {
            return InetAddress.getByName("[" + bare + "]"); // an IPv6 literal is parsed, never looked up
        }
        String[] parts = bare.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (!parts[i].matches("[0-9]{1,3}") || Integer.parseInt(parts[i]) > 255) {
                return null;
            }
            bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        return InetAddress.getByAddress(bytes);
    }

    /**
     * The IPv4 address an IPv6 one carries, or null: IPv4-mapped and -compatible (::ffff:a.b.c.d, ::a.b.c.d), NAT64
     * (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::), each of which can lead to the IPv4 address inside.
     */
    private static byte[] embeddedIpv4(byte[] v6) {
        boolean zeroes = true;
        for (int i = 0; i < 10; i++) {
            zeroes &= v6[i] == 0;
        }
        boolean mapped = zeroes && (v6[10] & 0xff) == 0xff && (v6[11] & 0xff) == 0xff;
        boolean compatible = zeroes && v6[10] == 0 && v6[11] == 0 && v6[12] != 0; // not ::1 or ::
        boolean nat64 = (v6[0] & 0xff) == 0x00 && (v6[1] & 0xff) == 0x64 && (v6[2] & 0xff) == 0xff && (v6[3] & 0xff) == 0x9b;
        for (int i = 4; nat64 && i < 12; i++) {
            nat64 = v6[i] == 0;
        }
        if (mapped || compatible || nat64) {
            return Arrays.copyOfRange(v6, 12, 16);
        }
        if ((v6[0] & 0xff) == 0x20 && (v6[1] & 0xff) == 0x02) {
            return Arrays.copyOfRange(v6, 2, 6);
        }
        return null;
    }
}
