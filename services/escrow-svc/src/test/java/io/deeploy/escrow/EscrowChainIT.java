package io.deeploy.escrow;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.deeploy.escrow.client.ChainClient;
import io.deeploy.escrow.client.ChainAccount;
import io.deeploy.escrow.client.ChainAccounts;
import io.deeploy.escrow.config.ChainConfig;
import io.deeploy.escrow.contracts.DeeployEscrow;
import io.deeploy.escrow.contracts.DeeployUSD;
import io.deeploy.escrow.service.ChainWatcher;
import io.deeploy.escrow.service.ContractRegistry;
import io.deeploy.escrow.service.EscrowArithmetic;
import io.deeploy.events.JobIds;
import io.deeploy.escrow.service.CrashingChainClient;
import io.deeploy.events.Event;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.FundingAccepted;
import io.deeploy.events.payload.FundsLocked;
import io.deeploy.events.payload.JobKind;
import io.deeploy.events.payload.JobRequested;
import io.deeploy.events.payload.JobSpec;
import io.deeploy.events.payload.JobSpecChanged;
import io.deeploy.events.payload.JobStopRequested;
import io.deeploy.events.payload.NodeSelected;
import io.deeploy.events.payload.NodeAvailability;
import io.deeploy.events.payload.PaidPeriodChanged;
import io.deeploy.events.payload.Resources;
import io.deeploy.events.payload.SettlementCompleted;
import io.deeploy.events.payload.SettlementDue;
import io.deeploy.outbox.testing.KafkaEvents;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.tx.RawTransactionManager;
import org.web3j.utils.Numeric;
import org.web3j.tx.gas.StaticGasProvider;

/**
 * escrow-svc against a real anvil, Kafka and PostgreSQL: contracts deployed by the service, estimates, funding seen
 * by the watcher, activation, settlement paid exactly once whatever is redelivered or crashes.
 */
@QuarkusTest
class EscrowChainIT {

    /** anvil dev account #1: the paying user. */
    static final Credentials USER = Credentials.create("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    /** anvil dev account #5: a stranger who names the user's jobs in chain jobs of its own. */
    static final Credentials STRANGER = Credentials.create("0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba");
    static final int MICRO = 53;
    static final BigInteger MICRO_PRICE = BigInteger.valueOf(100_000);

    static KafkaEvents kafka;

    @Inject
    ContractRegistry registry;
    @Inject
    ChainClient chain;
    @Inject
    ChainAccounts accounts;
    @Inject
    ChainWatcher watcher;
    @Inject
    ChainConfig config;

    /** The service's activator account: in deploy mode also the token's owner, which mints the users' dUSD. */
    ChainAccount signer() {
        return accounts.activator();
    }

    @BeforeAll
    static void connect() {
        kafka = KafkaEvents.fromEnvironment();
    }

    @AfterAll
    static void close() {
        kafka.close();
    }

    @Test
    void theServiceDeploysItsContractsAndShowsThemButNeverItsKey() {
        ContractRegistry.Contracts c = registry.ensure();
        assertThat(c.deployedHere()).isTrue();
        assertThat(chain.hasCode(c.escrow())).isTrue();
        String body = given().get("/api/chain").then().statusCode(200)
                .body("chainId", equalTo(31337)).body("escrowAddress", equalTo(c.escrow()))
                .body("tokenAddress", equalTo(c.token())).body("epochLengthSeconds", equalTo(4))
                .body("currentEpoch", notNullValue()).body("uptimeThresholdBps", equalTo(9000))
                .body("settleWindowEpochs", equalTo(2))
                .body("activatorAddress", equalTo(accounts.activator().address()))
                .body("settlerAddress", equalTo(accounts.settler().address()))
                .extract().asString();
        assertThat(body.toLowerCase()).doesNotContain(ChainConfig.ANVIL_DEV_KEY.substring(2))
                .doesNotContain(org.web3j.crypto.Hash.sha3String("deeploy local settler").substring(2));
        // Two roles, two keys: the escrow knows this service's activator and settler, and they differ.
        assertThat(accounts.settler().address()).isNotEqualToIgnoringCase(accounts.activator().address());
        assertThat(c.activator()).isEqualToIgnoringCase(accounts.activator().address());
        assertThat(c.settler()).isEqualToIgnoringCase(accounts.settler().address());
        // A second resolution (a restart) reuses the recorded deployment while its code is there.
        assertThat(registry.ensure().escrow()).isEqualTo(c.escrow());
    }

    @Test
    void theEstimateIsTheChainsQuoteAndTheJavaArithmeticAgrees() throws Exception {
        ContractRegistry.Contracts c = registry.ensure();
        List<Map<String, Object>> types = given().get("/api/job-types").then().statusCode(200).extract().path("$");
        assertThat(types).hasSize(11);
        assertThat(types).anySatisfy(t -> {
            assertThat(t.get("id")).isEqualTo(54);
            assertThat(t.get("pricePerEpoch")).isEqualTo("166700");
            assertThat(t.get("pricePerEpochFormatted")).isEqualTo("0.1667");
        });
        long[] counts = {1, 2, 3, 7, 30, 365, 1000, 65_535, 0xFFFF_FFFFL};
        int compared = 0;
        for (ContractRegistry.JobType type : registry.jobTypes()) {
            for (long nodes : counts) {
                for (long epochs : counts) {
                    BigInteger onChain = c.escrowView().quote(BigInteger.valueOf(type.id()), BigInteger.valueOf(nodes),
                            BigInteger.valueOf(epochs)).send();
                    assertThat(EscrowArithmetic.quote(type.pricePerEpoch(), nodes, epochs)).isEqualTo(onChain);
                    compared++;
                }
            }
        }
        assertThat(compared).isEqualTo(11 * counts.length * counts.length);
        BigInteger quote = c.escrowView().quote(BigInteger.valueOf(4), BigInteger.valueOf(3), BigInteger.valueOf(30)).send();
        given().get("/api/estimate?jobType=4&nodes=3&epochs=30").then().statusCode(200)
                .body("amount", equalTo(quote.toString())).body("amount", equalTo("172503000"))
                .body("amountFormatted", equalTo("172.503")).body("decimals", equalTo(6));

        given().get("/api/estimate?jobType=10&nodes=1&epochs=1").then().statusCode(400)
                .body("code", equalTo("UNKNOWN_JOB_TYPE")).body("field", equalTo("jobType"));
        given().get("/api/estimate?jobType=1&nodes=0&epochs=1").then().statusCode(400)
                .body("code", equalTo("INVALID_FIELD")).body("field", equalTo("nodes"));
        given().get("/api/estimate?jobType=1&nodes=1&epochs=4294967296").then().statusCode(400)
                .body("code", equalTo("INVALID_FIELD")).body("field", equalTo("epochs"));
        given().get("/api/estimate?jobType=x&nodes=1&epochs=1").then().statusCode(400)
                .body("code", equalTo("INVALID_FIELD")).body("field", equalTo("jobType"));
        given().get("/api/estimate?nodes=1&epochs=1").then().statusCode(400).body("field", equalTo("jobType"));

        // By resources: the cheapest type whose node covers them (0.5 CPU and 256 MiB: LITE; 1 CPU and 3000 MiB: LOW1).
        given().get("/api/estimate?cpu=0.5&memoryMb=256&nodes=1&epochs=30").then().statusCode(200).body("jobType", equalTo(54))
                .body("amount", equalTo("5001000"));
        given().get("/api/estimate?cpu=1&memoryMb=3000&nodes=2&epochs=30").then().statusCode(200).body("jobType", equalTo(2));
        given().get("/api/estimate?cpu=64&memoryMb=1024&nodes=1&epochs=1").then().statusCode(400)
                .body("code", equalTo("NO_JOB_TYPE_FITS")).body("field", equalTo("cpu"));
        given().get("/api/estimate?cpu=1&memoryMb=999999&nodes=1&epochs=1").then().statusCode(400)
                .body("code", equalTo("NO_JOB_TYPE_FITS")).body("field", equalTo("memoryMb"));
        given().get("/api/estimate?cpu=half&nodes=1&epochs=1").then().statusCode(400).body("field", equalTo("cpu"));
        // A type named with the resources of a node must give it that much (MICRO: 0.25 CPU, 512 MiB).
        given().get("/api/estimate?jobType=53&cpu=0.5&memoryMb=256&nodes=1&epochs=1").then().statusCode(400)
                .body("code", equalTo("JOB_TYPE_TOO_SMALL")).body("field", equalTo("jobType"))
                .body("message", containsString("cheapest that covers them is 54"));
        given().get("/api/estimate?jobType=53&cpu=0.25&memoryMb=1024&nodes=1&epochs=1").then().statusCode(400)
                .body("code", equalTo("JOB_TYPE_TOO_SMALL"));
        given().get("/api/estimate?jobType=1&cpu=0.25&memoryMb=512&nodes=1&epochs=1").then().statusCode(200)
                .body("jobType", equalTo(1));
        given().get("/api/jobs/{id}/funding", "job-" + UUID.randomUUID()).then().statusCode(404)
                .body("code", equalTo("JOB_NOT_FUNDED"));
    }

    @Test
    void aJobIsPaidForWithExactlyTheTransactionsTheApiGives() throws Exception {
        String jobId = "job-" + UUID.randomUUID();
        given().get("/api/jobs/{id}/payment?jobType=53&cpu=1&memoryMb=128&nodes=1&epochs=1", jobId).then().statusCode(400)
                .body("code", equalTo("JOB_TYPE_TOO_SMALL")).body("field", equalTo("jobType"));
        given().get("/api/jobs/{id}/payment?cpu=0.25&memoryMb=128&nodes=1&epochs=3", "job-42").then().statusCode(400)
                .body("field", equalTo("jobId"));

        ContractRegistry.Contracts c = registry.ensure();
        BigInteger amount = MICRO_PRICE.multiply(BigInteger.valueOf(2 * 3));
        List<Map<String, String>> transactions = given()
                .get("/api/jobs/{id}/payment?cpu=0.25&memoryMb=128&nodes=2&epochs=3", jobId).then().statusCode(200)
                .body("jobType", equalTo(MICRO)).body("amount", equalTo(amount.toString()))
                .body("requestId", equalTo(Numeric.toHexString(JobIds.requestIdOf(jobId))))
                .extract().path("transactions");
        assertThat(transactions).extracting(t -> t.get("to")).containsExactly(c.token(), c.escrow());
        signAndSend(transactions, amount);

        awaitMining(() -> fundsLocked(jobId).size() == 1);
        FundsLocked locked = fundsLocked(jobId).get(0);
        assertThat(locked.amount()).isEqualTo(amount);
        assertThat(locked.jobType()).isEqualTo(MICRO);
        assertThat(locked.nodes()).isEqualTo(2);
        assertThat(locked.epochs()).isEqualTo(3);
        assertThat(locked.payer()).isEqualToIgnoringCase(USER.getAddress());
    }

    @Test
    void fundingIsAnnouncedOnceAndAnEpochIsPaidOnceWhateverIsRedelivered() throws Exception {
        String jobId = "job-" + UUID.randomUUID();
        TransactionReceipt created = fund(jobId);

        awaitMining(() -> given().get("/api/jobs/{id}/funding", jobId).statusCode() == 200);
        given().get("/api/jobs/{id}/funding", jobId).then().body("state", equalTo("FUNDED"))
                .body("deposited", equalTo("100000")).body("owner", equalTo(USER.getAddress()))
                .body("transactionHash", equalTo(created.getTransactionHash()));
        awaitMining(() -> fundsLocked(jobId).size() == 1);
        FundsLocked locked = fundsLocked(jobId).get(0);
        assertThat(locked.amount()).isEqualTo(MICRO_PRICE);
        assertThat(locked.transactionHash()).isEqualTo(created.getTransactionHash());
        assertThat(locked.token()).isEqualTo(registry.ensure().token());
        assertThat(locked.payer()).isEqualToIgnoringCase(USER.getAddress());
        assertThat(locked.jobType()).isEqualTo(MICRO);
        assertThat(locked.typeCpuMillis()).isEqualTo(250L);
        assertThat(locked.typeMemoryMb()).isEqualTo(512);

        // The watcher reads the same blocks again: nothing is applied or announced twice.
        watcher.rewind(created.getBlockNumber().longValue() - 1);
        awaitMining(() -> {
            watcher.poll();
            return true;
        });
        Thread.sleep(1500);
        assertThat(fundsLocked(jobId)).hasSize(1);
        given().get("/api/jobs/{id}/funding", jobId).then().body("deposited", equalTo("100000"));

        String node = config.nodeOperators().get("node-a");
        BigInteger before = claimable(node);
        long epoch = activate(jobId, "node-a");
        long chainJob = ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("chainJobId")).longValue();
        // The activation epoch pays its pro rata part: the part of it left when the job was activated.
        BigInteger price = registry.ensure().escrowView().epochPrice(BigInteger.valueOf(chainJob), BigInteger.valueOf(epoch)).send();
        assertThat(price).isPositive().isLessThanOrEqualTo(MICRO_PRICE);

        Event<SettlementDue> due = Event.of(new SettlementDue(jobId, epoch, List.of(new NodeAvailability("node-a", 995))));
        kafka.publish(due);
        awaitSettled(jobId, epoch);
        assertThat(claimable(node).subtract(before)).isEqualTo(price);
        awaitMining(() -> settlementsCompleted(jobId).size() == 1);
        SettlementCompleted completed = settlementsCompleted(jobId).get(0);
        assertThat(completed.paid()).isEqualTo(price);
        assertThat(completed.withheld()).isZero();
        assertThat(completed.operators()).containsExactly(new SettlementCompleted.OperatorPayment(node.toLowerCase(), price));
        given().get("/api/jobs/{id}/settlements", jobId).then().body("[0].paid", equalTo(price.toString()))
                .body("[0].txHash", equalTo(completed.transactionHash()));

        // The same attestation again, under the same and under a new event id: nothing more is paid or announced.
        kafka.publish(due);
        kafka.publish(Event.of(new SettlementDue(jobId, epoch, List.of(new NodeAvailability("node-a", 1000)))));
        kafka.awaitConsumed("escrow-svc", Topics.ORACLE_EVENTS, Duration.ofSeconds(30));
        for (int i = 0; i < 10; i++) {
            mine();
            Thread.sleep(300);
        }
        assertThat(claimable(node).subtract(before)).isEqualTo(price);
        assertThat(settlementsCompleted(jobId)).hasSize(1);
        awaitMining(() -> price.toString().equals(given().get("/api/jobs/{id}/funding", jobId).then().extract().path("paid")));
    }

    /**
     * A funded job starts its paid epochs when it first serves: its first AppStarted activates it, once; a failover
     * (a newer NodeSelected) moves the paid node set to the new node.
     */
    @Test
    void aFundedJobIsActivatedOnChainByItsFirstStart() throws Exception {
        String jobId = "job-" + UUID.randomUUID();
        // Long enough (4 s epochs in tests) to still run when it fails over below.
        fund(jobId, 100);
        awaitMining(() -> fundsLocked(jobId).size() == 1);
        given().get("/api/jobs/{id}/funding", jobId).then().body("state", equalTo("FUNDED"));

        Event<AppStarted> started = Event.of(new AppStarted(jobId, "node-b", "act", "c1", "ctr", "127.0.0.1", 31000));
        kafka.publish(started);
        awaitMining(() -> "ACTIVE".equals(given().get("/api/jobs/{id}/funding", jobId).then().extract().path("state")));
        long startEpoch = ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("startEpoch")).longValue();
        // The job's paid time: its chain job's epochs, as instants on the contract's clock, announced to project-svc.
        ContractRegistry.Contracts contracts = registry.ensure();
        long chainJob = ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("chainJobId")).longValue();
        awaitMining(() -> paidPeriods(jobId).size() == 1);
        assertThat(paidPeriods(jobId).get(0)).isEqualTo(new PaidPeriodChanged(jobId, BigInteger.valueOf(chainJob), startEpoch,
                startEpoch + 100, contracts.epochStart(startEpoch), contracts.epochStart(startEpoch + 100),
                MICRO_PRICE.multiply(BigInteger.valueOf(100)), 1, BigInteger.ZERO));
        assertThat(contracts.epochStart(startEpoch + 100).getEpochSecond())
                .isEqualTo(contracts.escrowView().epochStart(BigInteger.valueOf(startEpoch + 100)).send().longValue());
        // Extended by its owner with exactly the transactions escrow-svc gives: the paid time moves with it.
        given().get("/api/jobs/{id}/extension?epochs=0", jobId).then().statusCode(400).body("field", equalTo("epochs"));
        given().get("/api/jobs/{id}/extension?epochs=5", "job-" + UUID.randomUUID()).then().statusCode(404)
                .body("code", equalTo("JOB_NOT_FUNDED"));
        extendWithTheGivenTransactions(jobId, 5);
        awaitMining(() -> paidPeriods(jobId).size() == 2);
        assertThat(paidPeriods(jobId).get(1).endEpoch()).isEqualTo(startEpoch + 105);
        assertThat(paidPeriods(jobId).get(1).paidUntil()).isEqualTo(contracts.epochStart(startEpoch + 105));
        assertThat(paidPeriods(jobId).get(1).deposited()).isEqualTo(MICRO_PRICE.multiply(BigInteger.valueOf(105)));

        // Later starts (a redeploy, a redelivery) change nothing, once escrow-svc has consumed them and had blocks to act on.
        kafka.publish(started);
        kafka.publish(Event.of(new AppStarted(jobId, "node-b", "act", "c2", "ctr2", "127.0.0.1", 31001)));
        // An unfunded job's start (unpaid mode) touches nothing on chain: it gets no funding.
        String unfunded = "job-" + UUID.randomUUID();
        kafka.publish(Event.of(new AppStarted(unfunded, "node-b", "free", "c1", "ctr", "127.0.0.1", 31002)));
        kafka.awaitConsumed("escrow-svc", Topics.JOB_EVENTS, Duration.ofSeconds(30));
        for (int i = 0; i < 4; i++) {
            mine();
            Thread.sleep(500);
        }
        given().get("/api/jobs/{id}/funding", jobId).then().body("state", equalTo("ACTIVE"))
                .body("startEpoch", equalTo((int) startEpoch));
        given().get("/api/jobs/{id}/funding", unfunded).then().statusCode(404);

        // Failover to node-c: from now on the chain pays node-c's operator for this job.
        long chainJobId = ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("chainJobId")).longValue();
        ContractRegistry.Contracts c = registry.ensure();
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("node-c"), List.of(), 2, "failover: node node-b lost", null)));
        String nodeC = config.nodeOperators().get("node-c");
        awaitMining(() -> ((List<?>) c.escrowView().jobNodes(BigInteger.valueOf(chainJobId)).send()).stream()
                .map(a -> a.toString().toLowerCase()).toList().equals(List.of(nodeC.toLowerCase())));
    }

    /**
     * Stopping a job closes it on chain and refunds its unspent balance to its owner, who granted the platform nothing
     * (no delegation): the contract lets the activator close, and the refund goes to the owner only.
     */
    @Test
    void aStoppedJobIsClosedOnChainAndRefundedWithoutAnyGrant() throws Exception {
        DeeployUSD token = userToken();
        ContractRegistry.Contracts c = registry.ensure();
        // Whatever an earlier run on this chain granted, the owner delegates nothing to the activator now.
        assertThat(DeeployEscrow.load(c.escrow(), chain.web3j(), USER, gas()).setDelegate(c.activator(), BigInteger.ZERO)
                .send().isStatusOK()).isTrue();
        assertThat(c.escrowView().delegatePermissions(USER.getAddress(), c.activator()).send()).isZero();
        String jobId = "job-" + UUID.randomUUID();
        fund(jobId);
        awaitMining(() -> fundsLocked(jobId).size() == 1);
        BigInteger before = token.balanceOf(USER.getAddress()).send();
        Event<JobStopRequested> stop = Event.of(new JobStopRequested(jobId, "owner"));
        kafka.publish(stop);
        // Never activated: the close refunds everything and the chain job ends at once.
        awaitMining(() -> "ENDED".equals(given().get("/api/jobs/{id}/funding", jobId).then().extract().path("state")));
        given().get("/api/jobs/{id}/funding", jobId).then().body("refunded", equalTo(MICRO_PRICE.toString()))
                .body("balance", equalTo("0"));
        assertThat(token.balanceOf(USER.getAddress()).send().subtract(before)).isEqualTo(MICRO_PRICE);

        // A redelivered stop refunds nothing more: once escrow-svc has consumed it, and closing rounds have had blocks to
        // act on, the balance is what it was.
        kafka.publish(stop);
        kafka.awaitConsumed("escrow-svc", Topics.JOB_COMMANDS, Duration.ofSeconds(30));
        for (int i = 0; i < 6; i++) {
            mine();
            Thread.sleep(500);
        }
        assertThat(token.balanceOf(USER.getAddress()).send().subtract(before)).isEqualTo(MICRO_PRICE);
    }

    /**
     * Anyone can name a job in a chain job: a stranger's, created first, is announced as an offer and linked to nothing;
     * the job is funded by the chain job project-svc accepts (the owner's), and an acceptance naming a chain job that
     * names another job, or coming after the link, changes nothing.
     */
    @Test
    void chainJobsNamingAJobAreOffersAndOnlyTheAcceptedOneFundsIt() throws Exception {
        String jobId = "job-" + UUID.randomUUID();
        TransactionReceipt strangers = offer(STRANGER, jobId, 1);
        awaitMining(() -> fundsLocked(jobId).size() == 1);
        FundsLocked strangerOffer = fundsLocked(jobId).get(0);
        assertThat(strangerOffer.payer()).isEqualToIgnoringCase(STRANGER.getAddress());
        assertThat(strangerOffer.transactionHash()).isEqualTo(strangers.getTransactionHash());
        given().get("/api/jobs/{id}/funding", jobId).then().statusCode(404).body("code", equalTo("JOB_NOT_FUNDED"));

        // Accepting a chain job for a job it does not name links nothing.
        String other = "job-" + UUID.randomUUID();
        kafka.publish(Event.of(new FundingAccepted(other, strangerOffer.chainJobId())));

        TransactionReceipt owners = fund(jobId);
        assertThat(fundsLocked(jobId)).hasSize(2);
        given().get("/api/jobs/{id}/funding", jobId).then().body("owner", equalTo(USER.getAddress()))
                .body("transactionHash", equalTo(owners.getTransactionHash()));
        // A late acceptance of the stranger's offer does not move the link.
        kafka.publish(Event.of(new FundingAccepted(jobId, strangerOffer.chainJobId())));
        kafka.awaitConsumed("escrow-svc", Topics.JOB_COMMANDS, Duration.ofSeconds(30));
        given().get("/api/jobs/{id}/funding", jobId).then().body("transactionHash", equalTo(owners.getTransactionHash()));
        given().get("/api/jobs/{id}/funding", other).then().statusCode(404);
    }

    @Test
    void aCrashBetweenBroadcastAndRecordingPaysOnce() throws Exception {
        settlesOnceDespite("node-b", CrashingChainClient::crashAfterBroadcast);
    }

    @Test
    void aCrashBeforeTheBroadcastPaysOnce() throws Exception {
        settlesOnceDespite("node-c", CrashingChainClient::crashBeforeBroadcast);
    }

    private void settlesOnceDespite(String nodeId, Runnable crash) throws Exception {
        String jobId = "job-" + UUID.randomUUID();
        fund(jobId);
        awaitMining(() -> given().get("/api/jobs/{id}/funding", jobId).statusCode() == 200);
        String node = config.nodeOperators().get(nodeId);
        BigInteger before = claimable(node);
        long epoch = activate(jobId, nodeId);
        long chainJob = ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("chainJobId")).longValue();
        // The activation epoch pays its pro rata part.
        BigInteger price = registry.ensure().escrowView().epochPrice(BigInteger.valueOf(chainJob), BigInteger.valueOf(epoch)).send();
        crash.run();
        kafka.publish(Event.of(new SettlementDue(jobId, epoch, List.of(new NodeAvailability(nodeId, 1000)))));
        awaitMining(() -> !CrashingChainClient.armed());
        // The reconciler (what runs after a restart) resolves the recorded transaction from the chain.
        awaitSettled(jobId, epoch);
        awaitMining(() -> settlementsCompleted(jobId).size() == 1);
        for (int i = 0; i < 10; i++) {
            mine();
            Thread.sleep(300);
        }
        assertThat(claimable(node).subtract(before)).isEqualTo(price);
        assertThat(settlementsCompleted(jobId)).hasSize(1);
        assertThat(settlementsCompleted(jobId).get(0).paid()).isEqualTo(price);
    }

    /**
     * A job stopped at the end of its paid epochs (project-svc's expiry) is closed at once, before its epochs are
     * settled, and still pays the node the epoch it served: the contract keeps begun epochs for settlement through the
     * settle window. After the window the release gives the owner back what the node did not earn (the epoch it did not
     * serve, and the part of the activation epoch before the job started). With the old contract the same order of
     * events refunded both epochs to the owner and paid the node nothing.
     */
    @Test
    void anExpiredJobIsClosedAtOnceAndTheEpochItServedIsStillPaid() throws Exception {
        ContractRegistry.Contracts c = registry.ensure();
        DeeployUSD token = userToken();
        String jobId = "job-" + UUID.randomUUID();
        fund(jobId, 2);
        long chainJob = ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("chainJobId")).longValue();
        kafka.publish(Event.of(new AppStarted(jobId, "node-b", "exp", "c1", "ctr", "127.0.0.1", 31003)));
        awaitMining(() -> "ACTIVE".equals(given().get("/api/jobs/{id}/funding", jobId).then().extract().path("state")));
        long start = ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("startEpoch")).longValue();
        // Both paid epochs have ended: the job has expired.
        awaitMining(() -> c.escrowView().currentEpoch().send().longValue() >= start + 2);
        String node = config.nodeOperators().get("node-b");
        BigInteger nodeBefore = claimable(node);
        BigInteger ownerBefore = token.balanceOf(USER.getAddress()).send();
        BigInteger firstEpoch = c.escrowView().epochPrice(BigInteger.valueOf(chainJob), BigInteger.valueOf(start)).send();

        // The stop first: the close goes before any settlement.
        kafka.publish(Event.of(new JobStopRequested(jobId, "expired: its paid time ended")));
        awaitMining(() -> "CLOSED".equals(given().get("/api/jobs/{id}/funding", jobId).then().extract().path("state")));
        assertThat(token.balanceOf(USER.getAddress()).send()).as("every epoch had begun: nothing back at once")
                .isEqualTo(ownerBefore);
        kafka.publish(Event.of(new SettlementDue(jobId, start, List.of(new NodeAvailability("node-b", 1000)))));
        kafka.publish(Event.of(new SettlementDue(jobId, start + 1, List.of(new NodeAvailability("node-b", 400)))));
        awaitMining(() -> settlementsCompleted(jobId).size() == 2);
        assertThat(claimable(node).subtract(nodeBefore)).isEqualTo(firstEpoch);

        // After the window of its last epoch the rest goes back to the owner.
        awaitMining(() -> "ENDED".equals(given().get("/api/jobs/{id}/funding", jobId).then().extract().path("state")));
        BigInteger rest = MICRO_PRICE.multiply(BigInteger.TWO).subtract(firstEpoch);
        given().get("/api/jobs/{id}/funding", jobId).then().body("paid", equalTo(firstEpoch.toString()))
                .body("refunded", equalTo(rest.toString())).body("balance", equalTo("0"));
        assertThat(token.balanceOf(USER.getAddress()).send().subtract(ownerBefore)).isEqualTo(rest);
        assertThat(settlementsCompleted(jobId)).extracting(SettlementCompleted::epoch).containsExactlyInAnyOrder(start, start + 1);
        awaitMining(() -> given().get("/api/jobs/{id}/transactions", jobId).then().extract().<List<String>>path("state")
                .stream().allMatch("CONFIRMED"::equals));
        given().get("/api/jobs/{id}/transactions", jobId).then()
                .body("kind", equalTo(List.of("ACTIVATE", "CLOSE", "RELEASE")));
    }

    /**
     * Every node of a multi-node job is paid for its own uptime: the first start activates the chain job with the
     * operators of all the nodes the job was placed on, each is paid for the epoch it served, and a failover moves the
     * set. No consumer calls the chain: every call (activate, node set, close) is a transaction recorded before its
     * broadcast and resolved from its receipt; redelivered or older placements send nothing.
     */
    @Test
    void eachNodeOfAMultiNodeJobIsActivatedAndPaidAndEveryChainCallIsRecorded() throws Exception {
        ContractRegistry.Contracts c = registry.ensure();
        DeeployUSD token = userToken();
        String jobId = "job-" + UUID.randomUUID();
        fund(jobId, 3, 2);
        long chainJob = ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("chainJobId")).longValue();
        String a = config.nodeOperators().get("node-a");
        String b = config.nodeOperators().get("node-b");
        String nodeC = config.nodeOperators().get("node-c");

        Event<NodeSelected> first = Event.of(new NodeSelected(jobId, List.of("node-a", "node-b"), List.of(), 1, "fits", null));
        kafka.publish(first);
        kafka.publish(Event.of(new AppStarted(jobId, "node-a", "multi", "c1", "ctr", "127.0.0.1", 31004)));
        awaitMining(() -> "ACTIVE".equals(given().get("/api/jobs/{id}/funding", jobId).then().extract().path("state")));
        assertThat(jobNodes(chainJob)).containsExactlyInAnyOrder(a.toLowerCase(), b.toLowerCase());
        long start = ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("startEpoch")).longValue();

        // Both nodes served the first epoch: each operator is paid for it.
        awaitMining(() -> c.escrowView().currentEpoch().send().longValue() > start);
        BigInteger aBefore = claimable(a);
        BigInteger bBefore = claimable(b);
        kafka.publish(Event.of(new SettlementDue(jobId, start, List.of(new NodeAvailability("node-a", 1000),
                new NodeAvailability("node-b", 990)))));
        awaitSettled(jobId, start);
        BigInteger firstEpoch = c.escrowView().epochPrice(BigInteger.valueOf(chainJob), BigInteger.valueOf(start)).send();
        assertThat(claimable(a).subtract(aBefore)).isEqualTo(firstEpoch);
        assertThat(claimable(b).subtract(bBefore)).isEqualTo(firstEpoch);

        // node-a fails over to node-c; the older placement, delivered again late, changes nothing.
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("node-c", "node-b"), List.of(), 2, "failover", null)));
        awaitMining(() -> jobNodes(chainJob).equals(java.util.Set.of(nodeC.toLowerCase(), b.toLowerCase())));
        kafka.publish(first);
        kafka.awaitConsumed("escrow-svc", Topics.JOB_EVENTS, Duration.ofSeconds(30));
        for (int i = 0; i < 6; i++) {
            mine();
            Thread.sleep(500);
        }
        assertThat(jobNodes(chainJob)).containsExactlyInAnyOrder(nodeC.toLowerCase(), b.toLowerCase());

        BigInteger ownerBefore = token.balanceOf(USER.getAddress()).send();
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        // Closed at once (the epochs not begun back), then released after the window (the rest back).
        awaitMining(() -> "ENDED".equals(given().get("/api/jobs/{id}/funding", jobId).then().extract().path("state")));
        // Six node-epochs bought; the two pro rata shares of the first epoch paid; all the rest goes back.
        assertThat(token.balanceOf(USER.getAddress()).send().subtract(ownerBefore))
                .isEqualTo(MICRO_PRICE.multiply(BigInteger.valueOf(6)).subtract(firstEpoch.multiply(BigInteger.TWO)));
        awaitMining(() -> given().get("/api/jobs/{id}/transactions", jobId).then().extract().<List<String>>path("state")
                .stream().allMatch("CONFIRMED"::equals));
        given().get("/api/jobs/{id}/transactions", jobId).then().statusCode(200)
                .body("kind", equalTo(List.of("ACTIVATE", "UPDATE_NODES", "CLOSE", "RELEASE")))
                .body("txHash", org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.startsWith("0x")));
    }

    /**
     * Scaling a paid job: more nodes are bought by the owner's wallet with exactly the transactions the API gives, from
     * the next epoch; fewer, asked for by the newest placement, are given up by escrow-svc (the activator), once, and the
     * owner gets exactly their epochs not begun back. Each change the chain confirms is announced with the nodes paid for.
     */
    @Test
    void addedNodesArePaidForByTheOwnerAndRemovedOnesAreRefundedFromTheNextEpoch() throws Exception {
        ContractRegistry.Contracts c = registry.ensure();
        DeeployUSD token = userToken();
        String jobId = "job-" + UUID.randomUUID();
        fund(jobId, 12, 1);
        long chainJob = ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("chainJobId")).longValue();
        BigInteger chainJobId = BigInteger.valueOf(chainJob);
        String a = config.nodeOperators().get("node-a");
        String b = config.nodeOperators().get("node-b");
        JobSpec one = new JobSpec(JobKind.CAR, "scaled", "local/debian:bookworm", null, List.of(), Map.of(), List.of(), 80,
                new Resources(100, 64, 0), "always", null, List.of(), 1, List.of(), 12, null, null, null, null);
        kafka.publish(Event.of(new JobRequested(jobId, "prj", "owner", one)));
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("node-a"), List.of(), 1, "fits", one)));
        kafka.publish(Event.of(new AppStarted(jobId, "node-a", "scaled", "c1", "ctr", "127.0.0.1", 31005)));
        awaitMining(() -> "ACTIVE".equals(given().get("/api/jobs/{id}/funding", jobId).then().extract().path("state")));
        long end = ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("endEpoch")).longValue();

        given().get("/api/jobs/{id}/node-purchase?nodes=1", jobId).then().statusCode(409)
                .body("code", equalTo("NODES_ALREADY_PAID"));
        given().get("/api/jobs/{id}/node-purchase?nodes=0", jobId).then().statusCode(400).body("field", equalTo("nodes"));
        given().get("/api/jobs/{id}/node-purchase?nodes=2", "job-" + UUID.randomUUID()).then().statusCode(404)
                .body("code", equalTo("JOB_NOT_FUNDED"));
        Map<String, Object> purchase = given().get("/api/jobs/{id}/node-purchase?nodes=2", jobId).then().statusCode(200)
                .body("extraNodes", equalTo(1)).extract().as(Map.class);
        @SuppressWarnings("unchecked")
        List<Map<String, String>> toSign = (List<Map<String, String>>) purchase.get("transactions");
        assertThat(toSign).extracting(t -> t.get("to")).containsExactly(c.token(), c.escrow());
        BigInteger approved = new BigInteger((String) purchase.get("amount"));
        long quotedFrom = ((Number) purchase.get("fromEpoch")).longValue();
        assertThat(approved).isEqualTo(MICRO_PRICE.multiply(BigInteger.valueOf(end - quotedFrom)));
        BigInteger beforePurchase = token.balanceOf(USER.getAddress()).send();
        signAndSend(toSign, approved);
        awaitMining(() -> paidPeriods(jobId).stream().anyMatch(p -> p.nodes() == 2));
        // Charged from the epoch after the one it was mined in: the approval's amount, or less if an epoch went by.
        long addedFrom = firstEpochWithNodes(chainJobId, 2, end);
        BigInteger charged = MICRO_PRICE.multiply(BigInteger.valueOf(end - addedFrom));
        assertThat(beforePurchase.add(approved).subtract(token.balanceOf(USER.getAddress()).send())).isEqualTo(charged);
        given().get("/api/jobs/{id}/funding", jobId).then().body("nodes", equalTo(2))
                .body("deposited", equalTo(MICRO_PRICE.multiply(BigInteger.valueOf(12)).add(charged).toString()));

        // Until the revision that uses it comes, the spec still asks for one node: the node just bought is kept.
        for (int i = 0; i < 6; i++) {
            mine();
            Thread.sleep(500);
        }
        assertThat(c.escrowView().job(chainJobId).send().component3().intValue()).isEqualTo(2);
        kafka.publish(Event.of(new JobSpecChanged(jobId, one.withNodes(List.of(), 2).withRevision(1), "scaled to 2")));
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("node-a", "node-b"), List.of(), 2, "scaled",
                one.withNodes(List.of(), 2).withRevision(1))));
        awaitMining(() -> jobNodes(chainJob).equals(java.util.Set.of(a.toLowerCase(), b.toLowerCase())));

        // Back to one node: escrow-svc gives the other up on chain, and the owner gets its epochs not begun.
        BigInteger beforeRemoval = token.balanceOf(USER.getAddress()).send();
        kafka.publish(Event.of(new JobSpecChanged(jobId, one.withRevision(2), "scaled to 1")));
        kafka.publish(Event.of(new NodeSelected(jobId, List.of("node-a"), List.of(), 3, "scaled", one.withRevision(2))));
        awaitMining(() -> ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("nodes")).intValue() == 1);
        long removedFrom = firstEpochWithNodes(chainJobId, 1, end);
        assertThat(removedFrom).isGreaterThan(addedFrom);
        BigInteger refund = MICRO_PRICE.multiply(BigInteger.valueOf(end - removedFrom));
        assertThat(token.balanceOf(USER.getAddress()).send().subtract(beforeRemoval)).isEqualTo(refund);
        given().get("/api/jobs/{id}/funding", jobId).then().body("refunded", equalTo(refund.toString()));
        awaitMining(() -> paidPeriods(jobId).stream().anyMatch(p -> p.nodes() == 1));
        assertThat(jobNodes(chainJob)).containsExactly(a.toLowerCase());
        // Given up once: later rounds read the chain's count and send nothing more.
        for (int i = 0; i < 6; i++) {
            mine();
            Thread.sleep(500);
        }
        assertThat(given().get("/api/jobs/{id}/transactions", jobId).then().extract().<List<String>>path("kind"))
                .containsExactly("ACTIVATE", "UPDATE_NODES", "UPDATE_NODES", "REMOVE_NODES");
        assertThat(c.escrowView().job(chainJobId).send().component3().intValue()).isEqualTo(1);
        kafka.publish(Event.of(new JobStopRequested(jobId, "owner")));
        awaitMining(() -> "CLOSED".equals(given().get("/api/jobs/{id}/funding", jobId).then().extract().path("state"))
                || "ENDED".equals(given().get("/api/jobs/{id}/funding", jobId).then().extract().path("state")));
    }

    /** The first epoch from which the chain job pays for {@code nodes} nodes (up to its end). */
    private long firstEpochWithNodes(BigInteger chainJobId, int nodes, long end) throws Exception {
        DeeployEscrow escrow = registry.ensure().escrowView();
        for (long epoch = escrow.currentEpoch().send().longValue() + 1; epoch > 0; epoch--) {
            if (escrow.nodesAt(chainJobId, BigInteger.valueOf(epoch)).send().intValue() != nodes) {
                return epoch + 1;
            }
        }
        throw new AssertionError("no epoch with " + nodes + " nodes before " + end);
    }

    private java.util.Set<String> jobNodes(long chainJobId) throws Exception {
        return ((List<?>) registry.ensure().escrowView().jobNodes(BigInteger.valueOf(chainJobId)).send()).stream()
                .map(address -> address.toString().toLowerCase()).collect(java.util.stream.Collectors.toSet());
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * The user buys one MICRO node for one epoch for {@code jobId} (mint by the service account, approve, createJob),
     * and project-svc's acceptance of the offer is published as project-svc publishes it.
     */
    private TransactionReceipt fund(String jobId) throws Exception {
        return fund(jobId, 1);
    }

    /** As {@link #fund(String)}, for {@code epochs} epochs. */
    private TransactionReceipt fund(String jobId, int epochs) throws Exception {
        return fund(jobId, epochs, 1);
    }

    /** As {@link #fund(String)}, for {@code nodes} nodes and {@code epochs} epochs. */
    private TransactionReceipt fund(String jobId, int epochs, int nodes) throws Exception {
        TransactionReceipt created = offer(USER, jobId, epochs, nodes);
        awaitMining(() -> fundsLocked(jobId).stream().anyMatch(f -> f.transactionHash().equals(created.getTransactionHash())));
        FundsLocked offer = fundsLocked(jobId).stream().filter(f -> f.transactionHash().equals(created.getTransactionHash()))
                .findFirst().orElseThrow();
        kafka.publish(Event.of(new FundingAccepted(jobId, offer.chainJobId())));
        awaitMining(() -> given().get("/api/jobs/{id}/funding", jobId).statusCode() == 200);
        return created;
    }

    /** {@code payer} creates a chain job of one MICRO node for {@code epochs} epochs naming {@code jobId}. */
    private TransactionReceipt offer(Credentials payer, String jobId, int epochs) throws Exception {
        return offer(payer, jobId, epochs, 1);
    }

    /** {@code payer} creates a chain job of {@code nodes} MICRO nodes for {@code epochs} epochs naming {@code jobId}. */
    private TransactionReceipt offer(Credentials payer, String jobId, int epochs, int nodes) throws Exception {
        ContractRegistry.Contracts c = registry.ensure();
        BigInteger amount = MICRO_PRICE.multiply(BigInteger.valueOf((long) epochs * nodes));
        String mint = c.tokenView().mint(payer.getAddress(), amount).encodeFunctionCall();
        assertThat(signer().transact(c.token(), mint).isStatusOK()).isTrue();
        DeeployUSD token = DeeployUSD.load(c.token(), chain.web3j(), payer, gas());
        DeeployEscrow escrow = DeeployEscrow.load(c.escrow(), chain.web3j(), payer, gas());
        assertThat(token.approve(c.escrow(), amount).send().isStatusOK()).isTrue();
        TransactionReceipt created = escrow.createJob(BigInteger.valueOf(MICRO), BigInteger.valueOf(nodes), BigInteger.valueOf(epochs),
                new byte[32], JobIds.requestIdOf(jobId)).send();
        assertThat(created.isStatusOK()).isTrue();
        return created;
    }

    /** Activates through the internal endpoint and returns the job's start epoch once the ledger shows it. */
    private long activate(String jobId, String nodeId) {
        // Starting a job's billing is for the deployment's own components: without the internal token, refused.
        given().contentType(ContentType.JSON).body(Map.of("nodeIds", List.of(nodeId)))
                .post("/internal/jobs/{id}/activate", jobId).then().statusCode(401).body("code", equalTo("INTERNAL_UNAUTHORIZED"));
        given().contentType(ContentType.JSON).header("Authorization", "Bearer wrong").body(Map.of("nodeIds", List.of(nodeId)))
                .post("/internal/jobs/{id}/activate", jobId).then().statusCode(401);
        given().contentType(ContentType.JSON).header("Authorization", "Bearer test-internal-token").body(Map.of("nodeIds", List.of(nodeId)))
                .post("/internal/jobs/{id}/activate", jobId).then().statusCode(200).body("jobId", equalTo(jobId));
        given().contentType(ContentType.JSON).header("Authorization", "Bearer test-internal-token").body(Map.of("nodeIds", List.of(nodeId)))
                .post("/internal/jobs/{id}/activate", "job-" + UUID.randomUUID()).then().statusCode(404);
        awaitMining(() -> "ACTIVE".equals(given().get("/api/jobs/{id}/funding", jobId).then().extract().path("state")));
        return ((Number) given().get("/api/jobs/{id}/funding", jobId).then().extract().path("startEpoch")).longValue();
    }

    private void awaitSettled(String jobId, long epoch) {
        awaitMining(() -> {
            List<String> states = given().get("/api/jobs/{id}/settlements", jobId).then().extract().path("state");
            return states.equals(List.of("SETTLED"));
        });
    }

    private BigInteger claimable(String node) throws Exception {
        return registry.ensure().escrowView().claimable(node).send();
    }

    private List<FundsLocked> fundsLocked(String jobId) {
        return kafka.eventsWithKey(Topics.ESCROW_EVENTS, jobId).stream()
                .filter(e -> e.payload() instanceof FundsLocked).map(e -> (FundsLocked) e.payload()).toList();
    }

    /** Gas for the test's own transactions: twice the node's price, a fixed limit. */
    private StaticGasProvider gas() {
        return new StaticGasProvider(chain.gasPrice().multiply(BigInteger.TWO), BigInteger.valueOf(1_000_000));
    }

    /** The token, as the paying user calls it. */
    private DeeployUSD userToken() {
        return DeeployUSD.load(registry.ensure().token(), chain.web3j(), USER, gas());
    }

    /**
     * The owner extends the job by {@code epochs} as a wallet would: it gets dUSD (a mint by the service account), then
     * signs and sends the transactions {@code GET /api/jobs/{id}/extension} answers, as they are.
     */
    private void extendWithTheGivenTransactions(String jobId, int epochs) throws Exception {
        ContractRegistry.Contracts c = registry.ensure();
        BigInteger amount = MICRO_PRICE.multiply(BigInteger.valueOf(epochs));
        List<Map<String, String>> transactions = given().get("/api/jobs/{id}/extension?epochs=" + epochs, jobId).then()
                .statusCode(200).body("amount", equalTo(amount.toString())).body("epochs", equalTo(epochs))
                .extract().path("transactions");
        assertThat(transactions).extracting(t -> t.get("to")).containsExactly(c.token(), c.escrow());
        signAndSend(transactions, amount);
    }

    /** The user gets {@code amount} dUSD (a mint by the service account) and signs and sends the transactions as they are. */
    private void signAndSend(List<Map<String, String>> transactions, BigInteger amount) throws Exception {
        ContractRegistry.Contracts c = registry.ensure();
        assertThat(signer().transact(c.token(), c.tokenView().mint(USER.getAddress(), amount).encodeFunctionCall()).isStatusOK())
                .isTrue();
        RawTransactionManager wallet = new RawTransactionManager(chain.web3j(), USER, chain.chainId());
        for (Map<String, String> transaction : transactions) {
            String hash = wallet.sendTransaction(chain.gasPrice().multiply(BigInteger.TWO), BigInteger.valueOf(1_000_000),
                    transaction.get("to"), transaction.get("data"), BigInteger.ZERO).getTransactionHash();
            assertThat(signer().awaitReceipt(hash).isStatusOK()).as(transaction.get("description")).isTrue();
        }
    }

    private List<PaidPeriodChanged> paidPeriods(String jobId) {
        return kafka.eventsWithKey(Topics.ESCROW_EVENTS, jobId).stream()
                .filter(e -> e.payload() instanceof PaidPeriodChanged).map(e -> (PaidPeriodChanged) e.payload()).toList();
    }

    private List<SettlementCompleted> settlementsCompleted(String jobId) {
        return kafka.eventsWithKey(Topics.ESCROW_EVENTS, jobId).stream()
                .filter(e -> e.payload() instanceof SettlementCompleted).map(e -> (SettlementCompleted) e.payload()).toList();
    }

    /** anvil mines only on transactions: confirmations need blocks, so waiting mines one per poll. */
    private void mine() {
        chain.rpc("evm_mine", List.of());
    }

    private void awaitMining(Callable<Boolean> condition) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
            mine();
            return condition.call();
        });
    }
}
