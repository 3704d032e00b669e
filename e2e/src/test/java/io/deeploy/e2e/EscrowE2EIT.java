package io.deeploy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.events.EventCodec;
import io.deeploy.events.Topics;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.signing.DeeployWallet;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The money, end to end, through all five services on the local chain, in billing mode escrow with 20-second epochs.
 * The user pays from a wallet of its own as a browser wallet would (approve, then createJob naming the job's request
 * id); the job waits in AWAITING_FUNDS until the chain confirms, then runs; its node's operator is paid for the epochs
 * the oracle attests (heartbeats and the platform's probes); the owner's stop closes the chain job, which refunds the
 * epochs not begun at once and the rest once the settle window (one epoch here) of its last epoch is over; an extension
 * is answered with the exact transactions the owner's wallet signs, and moves the job's paid time once the chain
 * confirms them; the job is scaled to two nodes (bought the same way) and back to one (refunded), then edited and rolled
 * back without a failed request and without moving money; a second job, paid for two epochs, expires by itself and is closed and released the same way. The owner
 * grants the platform nothing (no delegation): the escrow's activator closes its stopped jobs all the same. The token
 * balances of the owner, the operator and the escrow are asserted to the unit at every step (the escrow's own: its
 * contracts are this run's, deployed for its epoch length on the fresh chain {@code ./deeploy test} starts, so no other
 * job moves its balance meanwhile).
 */
class EscrowE2EIT {

    static Platform platform;
    static TestChain chain;
    static Web3j web3j;
    static Credentials owner;
    static Credentials operator;
    static String escrow;
    static String token;
    static String activator;

    @BeforeAll
    static void start() throws Exception {
        owner = Credentials.create(Keys.createEcKeyPair());
        operator = Credentials.create(Keys.createEcKeyPair());
        // Not beside the shared platform: its escrow-svc, in another mode on other contracts, would share Kafka groups.
        Platform.stopShared();
        platform = Platform.start("e2e-pay-" + UUID.randomUUID().toString().substring(0, 8), "127.0.0.1",
                Platform.escrowBilling(),
                DeeployWallet.fromPrivateKey(Numeric.toHexStringWithPrefixZeroPadded(owner.getEcKeyPair().getPrivateKey(), 64)),
                operator.getAddress());
        chain = new TestChain(System.getenv("ETH_RPC_URL"));
        web3j = chain.web3j;
        JsonNode contracts = json(Platform.get(platform.url("escrow-svc", "/api/chain")));
        escrow = contracts.path("escrowAddress").asText();
        token = contracts.path("tokenAddress").asText();
        activator = contracts.path("activatorAddress").asText();
        assertThat(contracts.path("settlerAddress").asText()).isNotEqualToIgnoringCase(activator);
        assertThat(contracts.path("epochLengthSeconds").asLong()).isEqualTo(20);
    }

    @AfterAll
    static void stop() {
        if (platform != null) {
            platform.close();
        }
        if (chain != null) {
            chain.close();
        }
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return EventCodec.mapper().readTree(response.body());
    }

    @Test
    void aPaidJobIsSettledToItsOperatorAndRefundedAndAnotherExpiresByItself() throws Exception {
        // The owner's gas and dUSD (minted by the token's owner, as a faucet would). The owner grants the platform
        // nothing: its stop closes the chain job all the same.
        setBalance(owner.getAddress(), new BigInteger("100000000000000000000"));
        setBalance(operator.getAddress(), new BigInteger("100000000000000000000"));
        chain.mint(token, owner.getAddress(), 100_000_000);
        Function delegation = new Function("delegatePermissions", List.of(new Address(owner.getAddress()), new Address(activator)),
                List.of(new TypeReference<Uint8>() { }));
        assertThat(web3j.ethCall(Transaction.createEthCallTransaction(owner.getAddress(), escrow, FunctionEncoder.encode(delegation)),
                DefaultBlockParameterName.LATEST).send().getValue()).as("the activator holds no grant of the owner's")
                .isEqualTo("0x" + "0".repeat(64));
        BigInteger ownerStart = balanceOf(owner.getAddress());
        BigInteger escrowStart = balanceOf(escrow);
        BigInteger operatorStart = balanceOf(operator.getAddress());
        assertThat(ownerStart).isEqualTo(BigInteger.valueOf(100_000_000));
        assertThat(claimable(operator.getAddress())).isZero();

        // The job type paid by must give a node the resources the job asks for: refused at creation, nothing created.
        String refusedProject = project();
        assertRefused(job(refusedProject, "small-" + UUID.randomUUID().toString().substring(0, 8), 2, 0.5, 128, 53),
                "JOB_TYPE_TOO_SMALL", "jobType");
        assertRefused(job(refusedProject, "nosuch-" + UUID.randomUUID().toString().substring(0, 8), 2, 0.25, 128, 99),
                "UNKNOWN_JOB_TYPE", "jobType");
        assertRefused(job(refusedProject, "huge-" + UUID.randomUUID().toString().substring(0, 8), 2, 1, 200_000, null),
                "NO_JOB_TYPE_FITS", "resources.memoryMb");
        assertThat(json(platform.apiGet("/api/projects/" + refusedProject + "/jobs")).size()).isZero();

        String runs = job("runs-" + UUID.randomUUID().toString().substring(0, 8), 30);
        String expires = job("ends-" + UUID.randomUUID().toString().substring(0, 8), 2);
        // Without a type named, the cheapest that covers 0.25 CPU and 128 MiB (MICRO) is the one to pay by.
        assertThat(view(runs).path("jobType").asInt()).isEqualTo(53);
        assertThat(view(runs).path("state").asText()).isEqualTo("AWAITING_FUNDS");
        assertThat(view(expires).path("state").asText()).isEqualTo("AWAITING_FUNDS");

        // Pay for both, as the console would: the transactions the job shows (approve, createJob naming its request id).
        BigInteger amountRuns = pay(runs, 30);
        BigInteger amountExpires = pay(expires, 2);
        assertThat(balanceOf(owner.getAddress())).isEqualTo(ownerStart.subtract(amountRuns).subtract(amountExpires));
        assertThat(balanceOf(escrow)).isEqualTo(escrowStart.add(amountRuns).add(amountExpires));

        String url = awaitServing(runs);
        awaitServing(expires);
        assertThat(view(runs).path("spend").path("locked").asText()).isEqualTo(amountRuns.toString());
        // Its first start activated its chain job; the paid time follows once the chain confirms the activation.
        await().atMost(Duration.ofSeconds(30)).until(() -> !view(runs).path("paidUntil").isNull());

        // The second job's two epochs end: it stops by itself, the platform closes its chain job at once, and once the
        // settle window of its last epoch is over the rest (what its operator did not earn) goes back to the owner.
        await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
                .until(() -> "STOPPED".equals(view(expires).path("state").asText()));
        JsonNode history = view(expires).path("history");
        assertThat(history.toString()).contains("expired: its paid time ended at " + view(expires).path("paidUntil").asText());
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .until(() -> "ENDED".equals(funding(expires).path("state").asText()));
        JsonNode expired = funding(expires);
        BigInteger paidExpired = new BigInteger(expired.path("paid").asText());
        assertThat(paidExpired.add(new BigInteger(expired.path("refunded").asText()))).isEqualTo(amountExpires);

        // The running job: at least one epoch settles to the operator, as the job's spend shows.
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> new BigInteger(view(runs).path("spend").path("paid").asText()).signum() > 0);
        assertThat(platform.serve(url)).isEqualTo("paid");

        // Extended by three epochs: the API answers with exactly what the owner's wallet signs, and the job's paid time
        // moves once the chain confirms it.
        String endBefore = view(runs).path("paidUntil").asText();
        HttpResponse<String> extension = platform.apiPost("/api/jobs/" + runs + "/extend", "{\"epochs\":3}",
                UUID.randomUUID().toString());
        assertThat(extension.statusCode()).as(extension.body()).isEqualTo(200);
        JsonNode toSign = json(extension);
        BigInteger amountExtension = new BigInteger(toSign.path("amount").asText());
        assertThat(amountExtension).isEqualTo(amountRuns.divide(BigInteger.valueOf(30)).multiply(BigInteger.valueOf(3)));
        assertThat(toSign.path("transactions").size()).isEqualTo(2);
        BigInteger ownerBeforeExtension = balanceOf(owner.getAddress());
        for (JsonNode transaction : toSign.path("transactions")) {
            sendRaw(owner, transaction.path("to").asText(), transaction.path("data").asText());
        }
        assertThat(balanceOf(owner.getAddress())).isEqualTo(ownerBeforeExtension.subtract(amountExtension));
        await().atMost(Duration.ofSeconds(30)).until(() -> java.time.Instant.parse(view(runs).path("paidUntil").asText())
                .equals(java.time.Instant.parse(endBefore).plusSeconds(60)));
        amountRuns = amountRuns.add(amountExtension);
        assertThat(view(runs).path("spend").path("locked").asText()).isEqualTo(amountRuns.toString());

        // Scaled to two nodes, the second named but not there yet (the job waits for it and goes on serving): the node
        // is bought first with exactly the transactions the API answers, and the job takes it once the chain confirms
        // the purchase. Back to one node: the platform gives the other up on chain, and its epochs not begun come back.
        String nodes = "/api/jobs/" + runs + "/nodes";
        String ghost = "node-" + UUID.randomUUID();
        HttpResponse<String> scaleUp = platform.apiPost(nodes, "{\"targetNodes\":[\"" + platform.nodeId + "\",\"" + ghost
                + "\"]}", UUID.randomUUID().toString());
        assertThat(scaleUp.statusCode()).as(scaleUp.body()).isEqualTo(200);
        JsonNode purchase = json(scaleUp);
        BigInteger price = amountRuns.divide(BigInteger.valueOf(33));
        BigInteger approved = new BigInteger(purchase.path("amount").asText());
        assertThat(purchase.path("extraNodes").asInt()).isEqualTo(1);
        assertThat(purchase.path("transactions").size()).isEqualTo(2);
        BigInteger ownerBeforeNodes = balanceOf(owner.getAddress());
        for (JsonNode transaction : purchase.path("transactions")) {
            sendRaw(owner, transaction.path("to").asText(), transaction.path("data").asText());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> view(runs).path("spend").path("nodes").asInt() == 2
                && view(runs).path("spec").path("targetNodes").size() == 2);
        // Charged from the epoch after the one it was mined in: what was approved, or less if an epoch went by.
        BigInteger charged = new BigInteger(view(runs).path("spend").path("locked").asText()).subtract(amountRuns);
        assertThat(charged.signum()).isPositive();
        assertThat(charged).isLessThanOrEqualTo(approved);
        assertThat(charged.mod(price)).isZero();
        assertThat(balanceOf(owner.getAddress())).isEqualTo(ownerBeforeNodes.subtract(charged));
        amountRuns = amountRuns.add(charged);
        assertThat(platform.serve(url)).isEqualTo("paid");
        HttpResponse<String> scaleDown = platform.apiPost(nodes, "{\"targetNodes\":[\"" + platform.nodeId + "\"]}",
                UUID.randomUUID().toString());
        assertThat(scaleDown.statusCode()).as(scaleDown.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> view(runs).path("spend").path("nodes").asInt() == 1);
        BigInteger refundedNode = new BigInteger(view(runs).path("spend").path("refunded").asText());
        assertThat(refundedNode.signum()).isPositive();
        assertThat(refundedNode.mod(price)).isZero();
        assertThat(refundedNode).isLessThanOrEqualTo(charged);
        assertThat(balanceOf(owner.getAddress())).isEqualTo(ownerBeforeNodes.subtract(charged).add(refundedNode));
        assertThat(platform.serve(url)).isEqualTo("paid");

        // Edited, then rolled back, while a client polls the URL: each a new revision deployed beside what serves, at the
        // same URL, with no failed request, and neither moves any money. The rollback goes to the revision that ran on
        // two nodes and brings back its app, not its nodes: the node given up (and refunded) stays given up.
        BigInteger ownerBeforeEdits = balanceOf(owner.getAddress());
        UrlWatch watch = new UrlWatch(platform, url, page -> page.equals("paid") || page.equals("paid, edited"));
        HttpResponse<String> edited = platform.api("PATCH", "/api/jobs/" + runs, "{\"fileVolumes\":[{\"name\":\"index\","
                + "\"mountPath\":\"/site/index.html\",\"content\":\"paid, edited\"}]}", UUID.randomUUID().toString());
        assertThat(edited.statusCode()).as(edited.body()).isEqualTo(200);
        long editedRevision = json(edited).path("spec").path("revision").asLong();
        await().atMost(Duration.ofSeconds(60)).until(() -> platform.serve(url).equals("paid, edited"));
        JsonNode versions = json(platform.apiGet("/api/jobs/" + runs + "/versions"));
        JsonNode twoNodes = null;
        for (JsonNode revision : versions.path("revisions")) {
            if (revision.path("spec").path("targetNodes").size() == 2) {
                twoNodes = revision;
            }
        }
        assertThat(twoNodes).as(versions.toString()).isNotNull();
        HttpResponse<String> rolledBack = platform.apiPost("/api/jobs/" + runs + "/rollback",
                "{\"revision\":" + twoNodes.path("revision").asLong() + "}", UUID.randomUUID().toString());
        assertThat(rolledBack.statusCode()).as(rolledBack.body()).isEqualTo(200);
        assertThat(json(rolledBack).path("spec").path("revision").asLong()).isEqualTo(editedRevision + 1);
        assertThat(json(rolledBack).path("spec").path("targetNodes").size()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(60)).until(() -> platform.serve(url).equals("paid")
                && view(runs).path("runningRevision").asLong() == editedRevision + 1);
        watch.close();
        assertThat(watch.failed()).as("failed requests during the edit and rollback, last: %s", watch.lastFailure()).isZero();
        // escrow-svc has taken the edit, the rollback and the starts they caused, and blocks have been mined since (one a
        // second): had any of them moved money, the spend or the owner's balance below would show it.
        try (KafkaEvents kafka = KafkaEvents.fromEnvironment()) {
            kafka.awaitConsumed("escrow-svc", Topics.JOB_COMMANDS, Duration.ofSeconds(30));
            kafka.awaitConsumed("escrow-svc", Topics.JOB_EVENTS, Duration.ofSeconds(30));
        }
        Thread.sleep(3000);
        assertThat(view(runs).path("url").asText()).isEqualTo(url);
        assertThat(view(runs).path("spend").path("nodes").asInt()).isEqualTo(1);
        assertThat(view(runs).path("spend").path("locked").asText()).isEqualTo(amountRuns.toString());
        assertThat(view(runs).path("spend").path("refunded").asText()).isEqualTo(refundedNode.toString());
        assertThat(balanceOf(owner.getAddress())).isEqualTo(ownerBeforeEdits);

        // The owner stops it: closed on chain at once (the epochs not begun go back), and after the window everything
        // else not paid to the operator.
        assertThat(platform.apiPost("/api/jobs/" + runs + "/stop", "", null).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).until(() -> "STOPPED".equals(view(runs).path("state").asText()));
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                .until(() -> "ENDED".equals(funding(runs).path("state").asText()));
        JsonNode closed = funding(runs);
        BigInteger paidRuns = new BigInteger(closed.path("paid").asText());
        assertThat(paidRuns.signum()).isPositive();
        assertThat(paidRuns.add(new BigInteger(closed.path("refunded").asText()))).isEqualTo(amountRuns);
        // project-svc's spend agrees with the chain, settlement by settlement.
        await().atMost(Duration.ofSeconds(30)).until(() -> view(runs).path("spend").path("paid").asText().equals(paidRuns.toString()));
        JsonNode operators = view(runs).path("spend").path("operators");
        assertThat(operators.size()).as(operators.toString()).isEqualTo(1);
        assertThat(operators.get(0).path("address").asText()).isEqualTo(operator.getAddress().toLowerCase());
        assertThat(operators.get(0).path("paid").asText()).isEqualTo(paidRuns.toString());

        BigInteger paid = paidRuns.add(paidExpired);
        assertThat(claimable(operator.getAddress())).isEqualTo(paid);
        assertThat(balanceOf(owner.getAddress())).isEqualTo(ownerStart.subtract(paid));
        assertThat(balanceOf(escrow)).isEqualTo(escrowStart.add(paid));
        // The operator claims its earnings.
        send(operator, escrow, new Function("claim", List.of(), List.of()));
        assertThat(balanceOf(operator.getAddress())).isEqualTo(operatorStart.add(paid));
        assertThat(balanceOf(escrow)).isEqualTo(escrowStart);
        assertThat(claimable(operator.getAddress())).isZero();
    }

    /** A CAR job on the platform's node for {@code epochs} epochs, serving "paid", in a project of its own; returns its id. */
    String job(String alias, int epochs) throws Exception {
        HttpResponse<String> created = job(project(), alias, epochs, 0.25, 128, null);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json(created).path("id").asText();
    }

    String project() throws Exception {
        return json(platform.apiPost("/api/projects", "{\"name\":\"pay-" + UUID.randomUUID() + "\"}",
                UUID.randomUUID().toString())).path("id").asText();
    }

    /** Asks for the job; {@code jobType} null lets the platform choose the type to pay by. */
    HttpResponse<String> job(String projectId, String alias, int epochs, double cpu, int memoryMb, Integer jobType)
            throws Exception {
        Map<String, Object> job = new java.util.HashMap<>(Map.of(
                "alias", alias, "kind", "CAR", "image", "local/python:bookworm",
                "commands", List.of("cd /site && python3 -m http.server 8000"),
                "fileVolumes", List.of(Map.of("name", "index", "mountPath", "/site/index.html", "content", "paid")),
                "port", 8000, "resources", Map.of("cpu", cpu, "memoryMb", memoryMb), "durationEpochs", epochs,
                "healthCheck", Map.of("mode", "http", "path", "/"), "targetNodes", List.of(platform.nodeId)));
        if (jobType != null) {
            job.put("jobType", jobType);
        }
        return platform.apiPost("/api/projects/" + projectId + "/jobs", EventCodec.mapper().writeValueAsString(job),
                UUID.randomUUID().toString());
    }

    static void assertRefused(HttpResponse<String> response, String code, String field) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(json(response).path("code").asText()).isEqualTo(code);
        assertThat(json(response).path("field").asText()).isEqualTo(field);
    }

    /**
     * Pays for the job as its owner's wallet would: the transactions the job shows while it waits for its funds (approve,
     * then createJob naming its request id), signed and sent as they are; returns what was paid.
     */
    BigInteger pay(String jobId, int epochs) throws Exception {
        JsonNode payment = view(jobId).path("payment");
        assertThat(payment.path("epochs").asInt()).isEqualTo(epochs);
        assertThat(payment.path("requestId").asText()).isEqualTo(view(jobId).path("fundingRequestId").asText());
        assertThat(payment.path("transactions").size()).isEqualTo(2);
        for (JsonNode transaction : payment.path("transactions")) {
            sendRaw(owner, transaction.path("to").asText(), transaction.path("data").asText());
        }
        return new BigInteger(payment.path("amount").asText());
    }

    String awaitServing(String jobId) throws Exception {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode job = view(jobId);
            assertThat(job.path("state").asText()).as(job.toString()).isNotEqualTo("FAILED");
            return "RUNNING".equals(job.path("state").asText()) && !job.path("url").isNull();
        });
        String url = view(jobId).path("url").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> platform.serve(url).equals("paid"));
        return url;
    }

    JsonNode view(String jobId) throws Exception {
        return json(platform.apiGet("/api/jobs/" + jobId));
    }

    JsonNode funding(String jobId) throws Exception {
        return json(Platform.get(platform.url("escrow-svc", "/api/jobs/" + jobId + "/funding")));
    }

    static TransactionReceipt send(Credentials from, String to, Function call) throws Exception {
        return chain.send(from, to, call);
    }

    static TransactionReceipt sendRaw(Credentials from, String to, String data) throws Exception {
        return chain.sendRaw(from, to, data);
    }

    static BigInteger balanceOf(String account) throws Exception {
        return chain.callUint(token, "balanceOf", account);
    }

    static BigInteger claimable(String account) throws Exception {
        return chain.callUint(escrow, "claimable", account);
    }

    static void setBalance(String account, BigInteger wei) throws Exception {
        chain.setBalance(account, wei);
    }
}
