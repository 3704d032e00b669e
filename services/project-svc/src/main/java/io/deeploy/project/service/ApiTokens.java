package io.deeploy.project.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The form of bearer tokens: {@code dpt_} (an API token) or {@code dps_} (a wallet's sign-in session) and 32 random
 * bytes in base64url. The prefix lets secret scanners (and our own log scan) recognise one; 256 random bits make a plain
 * SHA-256 a safe stored form, with no salt or slow hash needed.
 */
final class ApiTokens {

    static final String PREFIX = "dpt_";
    static final String SESSION_PREFIX = "dps_";
    static final Pattern FORM = Pattern.compile("dp[ts]_[A-Za-z0-9_-]{43}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiTokens() {
    }

    static String newToken() {
        return newToken(PREFIX);
    }

    static String newSessionToken() {
        return newToken(SESSION_PREFIX);
    }

    private static String newToken(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** An API token or a session token, by its form alone. */
    static boolean looksLikeToken(String token) {
        return FORM.matcher(token).matches();
    }

    static boolean isSession(String token) {
        return token.startsWith(SESSION_PREFIX);
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
