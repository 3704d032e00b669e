package io.deeploy.signing.bench;

import io.deeploy.signing.DeeployWallet;
import io.deeploy.signing.SignedRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What checking a signed request costs project-svc per request: building the signed text (with the body's SHA-256)
 * and recovering the signer, on one thread. Run by bench/api-signature.sh; argument: requests (default 20000).
 */
public final class SignatureBench {

    public static void main(String[] args) {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        DeeployWallet wallet = DeeployWallet.create();
        byte[] body = ("{\"alias\":\"bench\",\"kind\":\"WAR\",\"image\":\"local/python:bookworm\",\"repository\":{\"url\":"
                + "\"https://git.example.org/app.git\",\"branch\":\"main\"},\"commands\":[\"python3 -m http.server 8000\"],"
                + "\"port\":8000,\"resources\":{\"cpu\":0.5,\"memoryMb\":256}}").getBytes(StandardCharsets.UTF_8);
        String[] nonces = new String[requests];
        String[] signatures = new String[requests];
        for (int i = 0; i < requests; i++) {
            nonces[i] = SignedRequest.nonceAt(1_763_900_000_000L + i);
            signatures[i] = wallet.sign(SignedRequest.message("deeploy", "POST", "/api/projects/prj-1/jobs", nonces[i], body));
        }
        // Warm-up, then the measured run.
        run(wallet, body, nonces, signatures, Math.min(requests, 2_000));
        long[] nanos = run(wallet, body, nonces, signatures, requests);
        long total = Arrays.stream(nanos).sum();
        Arrays.sort(nanos);
        System.out.printf("signature check: %d requests, %.0f/s on one thread, p50 %.3f ms, p99 %.3f ms, max %.3f ms%n",
                requests, requests / (total / 1e9), nanos[requests / 2] / 1e6, nanos[(int) (requests * 0.99)] / 1e6,
                nanos[requests - 1] / 1e6);
    }

    private static long[] run(DeeployWallet wallet, byte[] body, String[] nonces, String[] signatures, int count) {
        long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            String message = SignedRequest.message("deeploy", "POST", "/api/projects/prj-1/jobs", nonces[i], body);
            String signer = SignedRequest.recoverSigner(message, signatures[i]);
            nanos[i] = System.nanoTime() - start;
            if (!signer.equals(wallet.address())) {
                throw new IllegalStateException("recovered " + signer);
            }
        }
        return nanos;
    }
}
