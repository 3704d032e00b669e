package io.deeploy.client.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deeploy.client.DeeployApiException;
import io.deeploy.client.DeeployClient;
import io.deeploy.events.EventCodec;
import io.deeploy.signing.DeeployWallet;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The SDK from a shell: what {@code ./deeploy api} and {@code ./deeploy node join} run, so that the shell signs, retries
 * and reads refusals exactly as a Java client does. Secrets never travel in arguments (a process listing shows those): a
 * request's body comes on stdin, the wallet key from a file, an API token from the environment.
 *
 * <pre>
 * call METHOD PATH            the API at $DEEPLOY_API_URL; the body (JSON, none if stdin is empty) on stdin; the answer's
 *                             JSON on stdout. Signed with the key in $DEEPLOY_WALLET_KEY_FILE, or carrying
 *                             $DEEPLOY_API_TOKEN if that is set; a change is sent with $DEEPLOY_IDEMPOTENCY_KEY if set
 *                             (a new key otherwise), kept across its retries
 * address                     the address of the wallet in $DEEPLOY_WALLET_KEY_FILE
 * sign METHOD PATH AUDIENCE   the three headers ("Name: value" lines) of a request to the API signed by that wallet,
 *                             for the body on stdin (a request sent elsewhere first, as a node gateway's registration)
 * </pre>
 *
 * Exit status: 0 answered; 1 refused by the API (the refusal on stdout: status, code, field, message); 2 a usage or
 * set-up error; 3 the API could not be reached or kept failing.
 */
public final class DeeployCli {

    static final int ANSWERED = 0;
    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;

    private static final String USAGE_TEXT = "usage: call METHOD PATH | address | sign METHOD PATH AUDIENCE"
            + " (a body on stdin; see DeeployCli's documentation for the environment)";

    private DeeployCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.in, System.out, System.err));
    }

    static int run(String[] args, Map<String, String> env, InputStream in, PrintStream out, PrintStream err) {
        try {
            if (args.length == 3 && args[0].equals("call")) {
                return call(method(args[1]), target(args[2]), env, readBody(in), out, err);
            }
            if (args.length == 1 && args[0].equals("address")) {
                out.println(wallet(env).address());
                return ANSWERED;
            }
            if (args.length == 4 && args[0].equals("sign")) {
                wallet(env).headers(args[3], method(args[1]), target(args[2]), bodyOrEmpty(readBody(in)))
                        .forEach((name, value) -> out.println(name + ": " + value));
                return ANSWERED;
            }
            err.println(USAGE_TEXT);
            return USAGE;
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return USAGE;
        }
    }

    private static int call(String method, String target, Map<String, String> env, String body, PrintStream out,
            PrintStream err) {
        String baseUrl = env.get("DEEPLOY_API_URL");
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("DEEPLOY_API_URL is not set (the API's address, e.g. http://127.0.0.1:8081)");
        }
        String token = env.get("DEEPLOY_API_TOKEN");
        DeeployClient client = token != null && !token.isBlank() ? DeeployClient.withToken(baseUrl, token.strip())
                : DeeployClient.withWallet(baseUrl, wallet(env));
        try {
            out.println(client.callWithJson(method, target, body, env.get("DEEPLOY_IDEMPOTENCY_KEY")));
            return ANSWERED;
        } catch (DeeployApiException refused) {
            ObjectNode refusal = EventCodec.mapper().createObjectNode();
            refusal.put("status", refused.status());
            refusal.put("code", refused.code());
            refusal.put("field", refused.field());
            refusal.put("message", refused.reason());
            out.println(refusal);
            return REFUSED;
        } catch (UncheckedIOException | IllegalStateException unreachable) {
            // The SDK has retried already; what is left is the cause, without the request (it may hold secrets).
            err.println(unreachable.getMessage());
            return UNREACHABLE;
        }
    }

    private static DeeployWallet wallet(Map<String, String> env) {
        String file = env.get("DEEPLOY_WALLET_KEY_FILE");
        if (file == null || file.isBlank()) {
            throw new IllegalArgumentException("DEEPLOY_WALLET_KEY_FILE is not set (the file holding the wallet's key)");
        }
        String key;
        try {
            key = Files.readString(Path.of(file)).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the wallet key file " + file);
        }
        if (!key.matches("(0x)?[0-9a-fA-F]{64}")) {
            // Says which file, never what is in it.
            throw new IllegalArgumentException("the wallet key file " + file + " does not hold a 32-byte hex key");
        }
        return DeeployWallet.fromPrivateKey(key);
    }

    private static String method(String method) {
        String upper = method.toUpperCase(Locale.ROOT);
        if (!upper.matches("GET|POST|PUT|PATCH|DELETE")) {
            throw new IllegalArgumentException("unknown method " + method + " (GET, POST, PUT, PATCH or DELETE)");
        }
        return upper;
    }

    private static String target(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("the path must start with / (as /api/projects), not " + path);
        }
        return path;
    }

    /** The body on stdin, or null if there is none. */
    private static String readBody(InputStream in) {
        try {
            byte[] bytes = in.readAllBytes();
            return bytes.length == 0 ? null : new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the body from stdin", e);
        }
    }

    private static String bodyOrEmpty(String body) {
        return body == null ? "" : body;
    }
}
