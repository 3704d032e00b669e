package io.deeploy.escrow.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.deeploy.escrow.config.ChainConfig;
import io.deeploy.escrow.contracts.DeeployEscrow;
import io.deeploy.escrow.contracts.DeeployUSD;
import io.deeploy.events.Event;
import io.deeploy.events.EventCodec;
import io.deeploy.events.EventType;
import io.deeploy.events.JobIds;
import io.deeploy.events.Topics;
import io.deeploy.events.payload.AppStarted;
import io.deeploy.events.payload.FundingAccepted;
import io.deeploy.events.payload.FundsLocked;
import io.deeploy.events.payload.NodeAvailability;
import io.deeploy.events.payload.PaidPeriodChanged;
import io.deeploy.events.payload.SettlementCompleted;
import io.deeploy.events.payload.SettlementDue;
import io.deeploy.outbox.testing.KafkaEvents;
import io.deeploy.outbox.testing.ServiceProcesses;
import io.deeploy.outbox.testing.TestInfra;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.web3j.abi.EventEncoder;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.TransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Numeric;

/**
 * Settlements through escrow-svc and the chain under load: a benchmark, not a test (it fails only if a job-epoch was
 * settled twice; see bench/README.md). The packaged escrow-svc runs alone as a process on the test instance's
 * PostgreSQL, Kafka and anvil (a transaction mined at once, a block every second besides), deploying its own contracts
 * as {@code ./deeploy up} does, with its default tick (2 s) and confirmation depth (2 blocks).
 *
 * <p>Set-up, through the service's real inputs: {@code bench.jobs} one-node jobs, each paid for on chain by a wallet
 * (approve, createJob naming the job's request id) for as many epochs as the whole ramp can ask for; each
 * FundsLocked the service announces is accepted (FundingAccepted, as project-svc does) and the job reported serving
 * (AppStarted, as the gateway does), so that the service activates it on chain; the jobs are ready once each
 * PaidPeriodChanged is read. Ten nodes share the jobs, each with its operator's payout address
 * ({@code deeploy.chain.node-operators.<node>}). The chain's clock is then moved past every bought epoch (anvil's
 * {@code evm_increaseTime}; the escrow is deployed with a settle window long enough to take them all), so every
 * attestation published can be settled at once, as the oracle's would be at the end of an epoch.
 *
 * <p>The reference, in the same run and on the same anvil: a second escrow of the same parameters, deployed by this
 * benchmark with keys of its own, the same number of jobs activated on the same operators, and the same
 * {@code settle} calls (batches of {@code bench.batch} job-epochs, the service's {@code settle-batch-size}, in the same
 * order) sent straight to the chain with web3j, one at a time, each awaited: settlement transactions and job-epochs per
 * second without the service (no database, no Kafka, no confirmation depth, no tick).
 *
 * <p>Then, at each offered rate of a ramp, SettlementDue events (one job-epoch each, full uptime) go to the oracle
 * events topic at that rate for a step's time, epoch after epoch of every job in turn, and the SettlementCompleted
 * events the service announces (once the settle transaction has its confirmations) are read from the escrow events
 * topic: job-epochs settled per second ((settled − those of the step's first settle transaction) ÷ (last
 * SettlementCompleted − first), since they come in bursts, one per transaction), the latency from publishing an
 * attestation to reading its SettlementCompleted (HdrHistogram p50/p99/p99.9), the settle transactions used, and the
 * service's CPU and RSS. The ramp stops at the first step that does not keep up (less than 90 % of the offered rate, or
 * attestations unsettled 60 s after the last was sent): that is the saturation point. At the end, once what was
 * published is settled, every job-epoch is counted: distinct SettlementCompleted events per job-epoch, EpochSettled and
 * SettlementSkipped logs of the service's escrow per job-epoch, and the operators' claimable credit against the amounts
 * announced. The producer, the consumer, the service, anvil, PostgreSQL and Kafka share the machine's cores.
 *
 * <p>Run from the repository root: {@code bench/load.sh escrow-svc}; -Dbench.jobs=200, -Dbench.rates=5,10,...,
 * -Dbench.seconds=60, -Dbench.batch=100.
 */
class SettlementLoadBench {

    static final int JOBS = Integer.getInteger("bench.jobs", 200);
    static final List<Integer> RATES = Arrays.stream(System.getProperty("bench.rates", "5,10,20,40,80,160,320").split(","))
            .map(String::strip).map(Integer::parseInt).toList();
    /** Long steps: a settlement takes seconds (a tick, then two blocks of confirmations) and they come in bursts. */
    static final int STEP_SECONDS = Integer.getInteger("bench.seconds", 60);
    /** Job-epochs per settle transaction: the service's {@code settle-batch-size}, and the reference's batches. */
    static final int BATCH = Integer.getInteger("bench.batch", 100);
    static final int NODES = 10;
    static final Duration DRAIN = Duration.ofSeconds(60);
    static final Duration FINAL_DRAIN = Duration.ofMinutes(10);
    static final Duration SETUP_WITHIN = Duration.ofMinutes(10);
    static final Duration REFERENCE_AT_MOST = Duration.ofSeconds(60);
    static final Path SERVICE_LOG = Path.of("target", "settlement-bench-escrow.log");
    /** MICRO, the cheapest job type: the amounts do not change what settling costs. */
    static final int JOB_TYPE = 53;
    static final int FULL_UPTIME_PERMILLE = 1000;
    static final BigInteger FULL_UPTIME_BPS = BigInteger.valueOf(10_000);
    static final BigInteger GAS_MONEY = BigInteger.TEN.pow(22);
    static final BigInteger TX_GAS = BigInteger.valueOf(1_000_000);
    /** Deployments and settle batches: under anvil's 30 M block gas limit. */
    static final BigInteger BIG_TX_GAS = BigInteger.valueOf(29_000_000);
    static final String EPOCH_SETTLED = EventEncoder.encode(DeeployEscrow.EPOCHSETTLED_EVENT);
    static final String SETTLEMENT_SKIPPED = EventEncoder.encode(DeeployEscrow.SETTLEMENTSKIPPED_EVENT);

    @Test
    void measure() throws Exception {
        int attestations = RATES.stream().mapToInt(rate -> rate * STEP_SECONDS).sum();
        int epochs = Math.max(1, (attestations + JOBS - 1) / JOBS);
        // Every bought epoch stays settleable after the clock is moved past them all, for the whole run.
        int settleWindow = epochs + 1_000;
        Map<String, String> operatorOf = new LinkedHashMap<>();
        for (int i = 0; i < NODES; i++) {
            operatorOf.put("bench-node-" + i, Credentials.create(Keys.createEcKeyPair()).getAddress());
        }
        String rpcUrl = TestInfra.required("ETH_RPC_URL");
        HttpService rpc = new HttpService(rpcUrl);
        Web3j web3j = Web3j.build(rpc);
        int port = ServiceProcesses.freePort();
        String base = "http://127.0.0.1:" + port;
        Process escrow = launch(port, rpcUrl, operatorOf, settleWindow);
        try (KafkaEvents kafka = KafkaEvents.fromEnvironment(); EscrowEvents events = new EscrowEvents()) {
            ServiceProcesses.awaitReady("escrow-svc", escrow, base + "/q/health/ready", SERVICE_LOG);
            JsonNode contracts = awaitContracts(base);
            long rssReady = ServiceProcesses.rssMb(escrow.pid());
            long epochLength = contracts.path("epochLengthSeconds").asLong();
            int threshold = contracts.path("uptimeThresholdBps").asInt();
            Wallets wallets = Wallets.fresh(web3j, rpc);

            List<Job> jobs = fundThroughTheService(web3j, kafka, events, contracts, operatorOf, wallets, epochs);
            DeeployEscrow serviceEscrow = DeeployEscrow.load(contracts.path("escrowAddress").asText(), web3j,
                    GasBench.wallet(web3j, wallets.payer()), wallets.gas(TX_GAS));
            ReferenceEscrow reference = ReferenceEscrow.deploy(web3j, wallets, operatorOf, epochLength, threshold,
                    settleWindow, epochs);
            endEveryEpoch(web3j, rpc, epochLength, List.of(new Ending(serviceEscrow, maxEnd(jobs, epochs)),
                    new Ending(reference.escrow(), maxEnd(reference.jobs(), epochs))));

            System.out.printf("bench: escrow-svc settlements: %d one-node jobs on %d nodes, %d epochs each, settle batches of"
                    + " up to %d job-epochs, tick 2 s, %d confirmations, anvil mining each transaction at once and a block"
                    + " every second; %d s per step; escrow-svc RSS %d MB when ready%n", JOBS, NODES, epochs, BATCH,
                    contracts.path("confirmations").asInt(), STEP_SECONDS, rssReady);
            Reference measured = reference.settleAll(web3j, wallets);
            System.out.printf("bench: reference, the same settle() calls straight to the same anvil with web3j (a second"
                    + " escrow of the same parameters, its own settler, one transaction at a time, each awaited): %d"
                    + " transactions, %d job-epochs (%d paid) in %.1f s: %.1f tx/s, %.0f job-epochs/s; per transaction p50"
                    + " %.1f ms, p99 %.1f ms, p99.9 %.1f ms; %,d gas per job-epoch%n", measured.transactions(),
                    measured.entries(), measured.paid(), measured.seconds(), measured.transactions() / measured.seconds(),
                    measured.perSecond(), measured.latency().getValueAtPercentile(50) / 1e3,
                    measured.latency().getValueAtPercentile(99) / 1e3,
                    measured.latency().getValueAtPercentile(99.9) / 1e3, measured.gas() / Math.max(1, measured.entries()));

            List<Pair> pairs = new ArrayList<>();
            for (int k = 0; k < epochs; k++) {
                for (Job job : jobs) {
                    pairs.add(new Pair(job, job.startEpoch() + k));
                }
            }
            long firstBlock = web3j.ethBlockNumber().send().getBlockNumber().longValue();
            System.out.println("bench: | offered/s | published | settled | settled/s | settle txs | p50 ms | p99 ms"
                    + " | p99.9 ms | max ms | behind at end s | escrow-svc CPU | RSS MB | of reference |");
            System.out.println("bench: |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            int offset = 0;
            try (Ramp ramp = new Ramp(events)) {
                for (int rate : RATES) {
                    List<Pair> step = pairs.subList(offset, offset + rate * STEP_SECONDS);
                    offset += step.size();
                    long cpuBefore = ServiceProcesses.cpuMillis(escrow.pid());
                    long started = System.nanoTime();
                    Step result = ramp.run(rate, step);
                    double wallSeconds = (System.nanoTime() - started) / 1e9;
                    double cores = (ServiceProcesses.cpuMillis(escrow.pid()) - cpuBefore) / 1e3 / wallSeconds;
                    Histogram latency = result.latency();
                    System.out.printf("bench: | %d | %d | %d | %.1f | %d | %.0f | %.0f | %.0f | %.0f | %.1f | %.2f cores | %d"
                            + " | %.0f %% |%n", rate, step.size(), latency.getTotalCount(), result.settledPerSecond(),
                            result.transactions(), latency.getValueAtPercentile(50) / 1e3,
                            latency.getValueAtPercentile(99) / 1e3, latency.getValueAtPercentile(99.9) / 1e3,
                            latency.getMaxValue() / 1e3, result.behindSeconds(), cores, ServiceProcesses.rssMb(escrow.pid()),
                            100 * result.settledPerSecond() / measured.perSecond());
                    if (latency.getTotalCount() < step.size() || result.settledPerSecond() < 0.9 * rate) {
                        System.out.printf("bench: saturated at %d/s offered: %.1f job-epochs settled/s%n", rate,
                                result.settledPerSecond());
                        break;
                    }
                }
                ramp.drain(FINAL_DRAIN);
                verify(web3j, serviceEscrow, contracts.path("escrowAddress").asText(), jobs, operatorOf, ramp, firstBlock);
            }
        } finally {
            ServiceProcesses.stop(escrow);
            web3j.shutdown();
        }
    }

    /** The packaged service, as {@code ./deeploy up} runs it, with the bench's node operators and its settle window. */
    static Process launch(int port, String rpcUrl, Map<String, String> operatorOf, int settleWindow) throws IOException {
        List<String> command = new ArrayList<>(List.of("java", "-Xms64m", "-Xmx256m"));
        // Map keys with dashes cannot be told apart in environment variables: system properties, as a config source.
        operatorOf.forEach((node, operator) -> command.add("-Ddeeploy.chain.node-operators." + node + "=" + operator));
        command.addAll(List.of("-jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(SERVICE_LOG.toFile()));
        Map<String, String> env = builder.environment();
        env.putAll(TestInfra.serviceEnvironment("escrow-svc"));
        env.put("DEEPLOY_HTTP_PORT", String.valueOf(port));
        env.put("ETH_RPC_URL", rpcUrl);
        env.put("DEEPLOY_CHAIN_SETTLE_WINDOW_EPOCHS", String.valueOf(settleWindow));
        env.put("DEEPLOY_CHAIN_SETTLE_BATCH_SIZE", String.valueOf(BATCH));
        return builder.start();
    }

    /** {@code GET /api/chain} once the service has deployed (or found) its contracts. */
    static JsonNode awaitContracts(String base) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/chain")).timeout(Duration.ofSeconds(10)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                JsonNode chain = EventCodec.mapper().readTree(response.body());
                if (chain.path("escrowAddress").isTextual() && chain.path("epochLengthSeconds").isNumber()) {
                    return chain;
                }
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("escrow-svc shows no contracts after 90 s; see " + SERVICE_LOG);
    }

    /** A job paid for on an escrow: its node and that node's operator, its chain job and first paid epoch. */
    record Job(String jobId, String nodeId, String operator, BigInteger chainJobId, long startEpoch) {
    }

    /** One attestation to settle: a job's epoch. */
    record Pair(Job job, long epoch) {

        String key() {
            return key(job.jobId(), epoch);
        }

        static String key(String jobId, long epoch) {
            return jobId + "/" + epoch;
        }
    }

    static long maxEnd(List<Job> jobs, int epochs) {
        return jobs.stream().mapToLong(job -> job.startEpoch() + epochs).max().orElseThrow();
    }

    /**
     * The wallets of the run, fresh keys given gas money: the payer of every job on both escrows, and the reference
     * escrow's admin (its deployer, activator and token owner) and settler. One gas price for the run, four times the
     * node's at the start: anvil's base fee only falls while blocks stay under half full.
     */
    record Wallets(Credentials payer, Credentials admin, Credentials settler, BigInteger gasPrice) {

        static Wallets fresh(Web3j web3j, HttpService rpc) throws Exception {
            BigInteger gasPrice = web3j.ethGasPrice().send().getGasPrice().multiply(BigInteger.valueOf(4));
            Wallets wallets = new Wallets(Credentials.create(Keys.createEcKeyPair()), Credentials.create(Keys.createEcKeyPair()),
                    Credentials.create(Keys.createEcKeyPair()), gasPrice);
            for (Credentials account : List.of(wallets.payer(), wallets.admin(), wallets.settler())) {
                VoidResponse set = new Request<>("anvil_setBalance", List.of(account.getAddress(),
                        Numeric.toHexStringWithPrefix(GAS_MONEY)), rpc, VoidResponse.class).send();
                if (set.hasError()) {
                    throw new IllegalStateException("anvil_setBalance: " + set.getError().getMessage());
                }
            }
            return wallets;
        }

        StaticGasProvider gas(BigInteger limit) {
            return new StaticGasProvider(gasPrice, limit);
        }
    }

    static void requireOk(TransactionReceipt receipt, String what) {
        if (!receipt.isStatusOK()) {
            throw new IllegalStateException(what + " reverted in " + receipt.getTransactionHash());
        }
    }

    /**
     * Pays for {@code JOBS} backend jobs on the service's escrow as their owners' wallets would, and answers the
     * service's FundsLocked as project-svc and the gateway would (FundingAccepted, AppStarted), until every job is active
     * on chain (PaidPeriodChanged read). The dUSD is minted once, before any job, by the token's owner (the service's
     * activator in local mode), so that no transaction of this benchmark competes with the service's for a nonce.
     */
    static List<Job> fundThroughTheService(Web3j web3j, KafkaEvents kafka, EscrowEvents events, JsonNode contracts,
            Map<String, String> operatorOf, Wallets wallets, int epochs) throws Exception {
        String token = contracts.path("tokenAddress").asText();
        String escrow = contracts.path("escrowAddress").asText();
        DeeployEscrow asPayer = DeeployEscrow.load(escrow, web3j, GasBench.wallet(web3j, wallets.payer()), wallets.gas(TX_GAS));
        BigInteger price = asPayer.jobType(BigInteger.valueOf(JOB_TYPE)).send().component3();
        BigInteger amount = price.multiply(BigInteger.valueOf((long) epochs * JOBS));
        Credentials tokenOwner = Credentials.create(ChainConfig.ANVIL_DEV_KEY);
        requireOk(DeeployUSD.load(token, web3j, GasBench.wallet(web3j, tokenOwner), wallets.gas(TX_GAS))
                .mint(wallets.payer().getAddress(), amount).send(), "mint");
        requireOk(DeeployUSD.load(token, web3j, GasBench.wallet(web3j, wallets.payer()), wallets.gas(TX_GAS))
                .approve(escrow, amount).send(), "approve");

        List<String> nodes = new ArrayList<>(operatorOf.keySet());
        Map<String, String> nodeOf = new LinkedHashMap<>();
        for (int i = 0; i < JOBS; i++) {
            String jobId = JobIds.newId();
            nodeOf.put(jobId, nodes.get(i % nodes.size()));
            requireOk(asPayer.createJob(BigInteger.valueOf(JOB_TYPE), BigInteger.ONE, BigInteger.valueOf(epochs), new byte[32],
                    JobIds.requestIdOf(jobId)).send(), "createJob");
        }

        Set<String> accepted = new HashSet<>();
        Map<String, Job> active = new HashMap<>();
        long deadline = System.nanoTime() + SETUP_WITHIN.toNanos();
        while (active.size() < JOBS) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(accepted.size() + " of " + JOBS + " jobs funded and " + active.size()
                        + " active after " + SETUP_WITHIN.toMinutes() + " min; see " + SERVICE_LOG);
            }
            for (Event<?> event : events.poll(Duration.ofMillis(200))) {
                if (event.payload() instanceof FundsLocked locked && nodeOf.containsKey(locked.jobId())
                        && accepted.add(locked.jobId())) {
                    String node = nodeOf.get(locked.jobId());
                    kafka.publish(Event.of(new FundingAccepted(locked.jobId(), locked.chainJobId())));
                    kafka.publish(Event.of(new AppStarted(locked.jobId(), node, "bench", "c1", "ctr", "127.0.0.1", 31000)));
                } else if (event.payload() instanceof PaidPeriodChanged paid && nodeOf.containsKey(paid.jobId())) {
                    String node = nodeOf.get(paid.jobId());
                    active.putIfAbsent(paid.jobId(), new Job(paid.jobId(), node, operatorOf.get(node), paid.chainJobId(),
                            paid.startEpoch()));
                }
            }
        }
        // In the order they were created: the attestations go epoch after epoch of every job in turn.
        return nodeOf.keySet().stream().map(active::get).toList();
    }

    /** An escrow whose epochs up to {@code endEpoch} (exclusive) must all have ended. */
    record Ending(DeeployEscrow escrow, long endEpoch) {
    }

    /**
     * Moves anvil's clock until every escrow's current epoch is at or past its end epoch, so every bought epoch can be
     * settled now. Both escrows' settle windows cover them for the rest of the run.
     */
    static void endEveryEpoch(Web3j web3j, HttpService rpc, long epochLength, List<Ending> endings) throws Exception {
        for (int round = 0; ; round++) {
            long behind = 0;
            for (Ending ending : endings) {
                long current = ending.escrow().currentEpoch().send().longValue();
                behind = Math.max(behind, ending.endEpoch() - current);
            }
            if (behind <= 0) {
                return;
            }
            if (round > 5) {
                throw new IllegalStateException("anvil's clock did not move past the bought epochs (" + behind + " to go)");
            }
            new Request<>("evm_increaseTime", List.of(behind * epochLength), rpc, VoidResponse.class).send();
            new Request<>("evm_mine", List.of(), rpc, VoidResponse.class).send();
        }
    }

    /** What the reference measured: latencies in microseconds per settle transaction. */
    record Reference(int transactions, int entries, int paid, double seconds, Histogram latency, long gas) {

        double perSecond() {
            return entries / seconds;
        }
    }

    /**
     * The reference: a second DeeployEscrow with the service's parameters on the same anvil, whose admin (activator) and
     * settler are this benchmark's, with as many jobs as the service's, activated on the same operators.
     */
    record ReferenceEscrow(DeeployEscrow escrow, List<Job> jobs, int epochs) {

        static ReferenceEscrow deploy(Web3j web3j, Wallets wallets, Map<String, String> operatorOf, long epochLength,
                int threshold, int settleWindow, int epochs) throws Exception {
            TransactionManager admin = GasBench.wallet(web3j, wallets.admin());
            DeeployUSD token = DeeployUSD.deploy(web3j, admin, wallets.gas(BIG_TX_GAS)).send();
            DeeployEscrow escrow = DeeployEscrow.deploy(web3j, admin, wallets.gas(BIG_TX_GAS), token.getContractAddress(),
                    wallets.admin().getAddress(), wallets.settler().getAddress(), BigInteger.valueOf(epochLength),
                    BigInteger.valueOf(threshold), BigInteger.valueOf(settleWindow)).send();
            // Loaded again with the everyday gas limit: the admin activates.
            DeeployEscrow asAdmin = DeeployEscrow.load(escrow.getContractAddress(), web3j, admin, wallets.gas(TX_GAS));
            BigInteger price = asAdmin.jobType(BigInteger.valueOf(JOB_TYPE)).send().component3();
            BigInteger amount = price.multiply(BigInteger.valueOf((long) epochs * JOBS));
            requireOk(DeeployUSD.load(token.getContractAddress(), web3j, admin, wallets.gas(TX_GAS))
                    .mint(wallets.payer().getAddress(), amount).send(), "reference mint");
            TransactionManager payer = GasBench.wallet(web3j, wallets.payer());
            requireOk(DeeployUSD.load(token.getContractAddress(), web3j, payer, wallets.gas(TX_GAS))
                    .approve(escrow.getContractAddress(), amount).send(), "reference approve");
            DeeployEscrow asPayer = DeeployEscrow.load(escrow.getContractAddress(), web3j, payer, wallets.gas(TX_GAS));
            List<String> nodes = new ArrayList<>(operatorOf.keySet());
            List<Job> jobs = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                String node = nodes.get(i % nodes.size());
                String operator = operatorOf.get(node);
                TransactionReceipt created = asPayer.createJob(BigInteger.valueOf(JOB_TYPE), BigInteger.ONE,
                        BigInteger.valueOf(epochs), new byte[32], new byte[32]).send();
                requireOk(created, "reference createJob");
                BigInteger chainJobId = DeeployEscrow.getJobCreatedEventFromLog(created.getLogs().get(0)).jobId;
                TransactionReceipt activated = asAdmin.activate(chainJobId, List.of(operator)).send();
                requireOk(activated, "reference activate");
                long start = DeeployEscrow.getJobActivatedEventFromLog(activated.getLogs().get(0)).startEpoch.longValue();
                jobs.add(new Job("reference-" + i, node, operator, chainJobId, start));
            }
            return new ReferenceEscrow(asAdmin, jobs, epochs);
        }

        /**
         * Settles every job's epochs, epoch after epoch of every job in turn as the service receives them, in batches of
         * {@code BATCH} job-epochs, one transaction at a time (as the service keeps one in flight), each awaited (its
         * receipt looked for every 2 ms: anvil mines it at once); stops after {@code REFERENCE_AT_MOST}.
         */
        Reference settleAll(Web3j web3j, Wallets wallets) throws Exception {
            TransactionManager settler = new RawTransactionManager(web3j, wallets.settler(), GasBench.CHAIN_ID,
                    new PollingTransactionReceiptProcessor(web3j, 2, 30_000));
            DeeployEscrow asSettler = DeeployEscrow.load(escrow.getContractAddress(), web3j, settler,
                    wallets.gas(BIG_TX_GAS));
            List<DeeployEscrow.Settlement> entries = new ArrayList<>();
            for (int k = 0; k < epochs; k++) {
                for (Job job : jobs) {
                    entries.add(new DeeployEscrow.Settlement(job.chainJobId(), BigInteger.valueOf(job.startEpoch() + k),
                            job.operator(), FULL_UPTIME_BPS));
                }
            }
            Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
            int transactions = 0;
            int settled = 0;
            int paid = 0;
            long gas = 0;
            long started = System.nanoTime();
            for (int from = 0; from < entries.size()
                    && System.nanoTime() - started < REFERENCE_AT_MOST.toNanos(); from += BATCH) {
                List<DeeployEscrow.Settlement> batch = entries.subList(from, Math.min(entries.size(), from + BATCH));
                long sent = System.nanoTime();
                TransactionReceipt receipt = asSettler.settle(batch).send();
                latency.recordValue((System.nanoTime() - sent) / 1_000);
                requireOk(receipt, "reference settle");
                transactions++;
                settled += batch.size();
                gas += receipt.getGasUsed().longValue();
                paid += (int) receipt.getLogs().stream()
                        .filter(log -> !log.getTopics().isEmpty() && EPOCH_SETTLED.equals(log.getTopics().get(0))).count();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            return new Reference(transactions, settled, paid, seconds, latency, gas);
        }
    }

    /** The escrow events topic from its end when the run started, read by one thread. */
    static final class EscrowEvents implements AutoCloseable {

        static final Set<EventType> READ = EnumSet.of(EventType.FUNDS_LOCKED, EventType.PAID_PERIOD_CHANGED,
                EventType.SETTLEMENT_COMPLETED);

        private final KafkaConsumer<String, String> consumer;

        EscrowEvents() {
            Properties props = TestInfra.kafkaAdminClient();
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.ESCROW_EVENTS, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(Topics.ESCROW_EVENTS, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
        }

        /** The events of the types this benchmark reads that arrived within {@code timeout}. */
        List<Event<?>> poll(Duration timeout) {
            List<Event<?>> read = new ArrayList<>();
            for (ConsumerRecord<String, String> record : consumer.poll(timeout)) {
                String type = record.value() == null ? null : EventCodec.typeOf(record.value());
                if (type != null && READ.contains(EventType.byName(type))) {
                    read.add(EventCodec.decode(record.value()));
                }
            }
            return read;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** What one step measured: latencies in microseconds, from publishing an attestation to reading its settlement. */
    record Step(Histogram latency, int transactions, double settledPerSecond, double behindSeconds) {
    }

    /** Publishes attestations and reads the service's settlements back; counts every settlement announced in the run. */
    static final class Ramp implements AutoCloseable {

        private final KafkaProducer<String, String> producer;
        private final EscrowEvents events;
        /** Every job-epoch published in the run. */
        final Set<String> published = new HashSet<>();
        /** The distinct SettlementCompleted event ids read per job-epoch (a relay sending one again has the same id). */
        final Map<String, Set<UUID>> announced = new HashMap<>();
        /** The first SettlementCompleted read per job-epoch. */
        final Map<String, SettlementCompleted> settled = new HashMap<>();
        long redelivered;

        Ramp(EscrowEvents events) {
            this.events = events;
            Properties props = TestInfra.kafkaAdminClient();
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
            producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        }

        /**
         * Sends {@code rate} attestations a second, evenly spaced, from a thread of its own, while this thread reads the
         * settlements; returns when every one is settled or {@link #DRAIN} after the last was sent.
         */
        Step run(int rate, List<Pair> step) throws InterruptedException {
            Map<String, Long> sentAt = new ConcurrentHashMap<>();
            AtomicLong lastSent = new AtomicLong();
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicReference<RuntimeException> failed = new AtomicReference<>();
            long first = System.nanoTime();
            Thread sender = new Thread(() -> {
                try {
                    for (int i = 0; i < step.size(); i++) {
                        long wait = first + TimeUnit.SECONDS.toNanos(i) / rate - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        Pair pair = step.get(i);
                        Event<SettlementDue> due = Event.of(new SettlementDue(pair.job().jobId(), pair.epoch(),
                                List.of(new NodeAvailability(pair.job().nodeId(), FULL_UPTIME_PERMILLE))));
                        sentAt.put(pair.key(), System.nanoTime());
                        producer.send(new ProducerRecord<>(due.topic(), due.key(), EventCodec.encode(due)));
                    }
                    producer.flush();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failed.set(e);
                } finally {
                    lastSent.set(System.nanoTime());
                    sending.set(false);
                }
            }, "settlement-bench-sender");
            step.forEach(pair -> published.add(pair.key()));
            sender.start();
            Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(30), 3);
            Set<String> transactions = new HashSet<>();
            String firstTransaction = null;
            long inFirstTransaction = 0;
            long firstAnswer = 0;
            long lastAnswer = 0;
            while (latency.getTotalCount() < step.size()
                    && (sending.get() || System.nanoTime() - lastSent.get() < DRAIN.toNanos())) {
                for (Event<?> event : events.poll(Duration.ofMillis(100))) {
                    if (!(event.payload() instanceof SettlementCompleted completed)) {
                        continue;
                    }
                    String key = Pair.key(completed.jobId(), completed.epoch());
                    count(event.id(), key, completed);
                    Long sent = sentAt.remove(key);
                    if (sent == null) {
                        continue;
                    }
                    long now = System.nanoTime();
                    latency.recordValue(Math.max(0, (now - sent) / 1_000));
                    String transaction = String.valueOf(completed.transactionHash());
                    transactions.add(transaction);
                    if (firstTransaction == null) {
                        firstTransaction = transaction;
                        firstAnswer = now;
                    }
                    inFirstTransaction += transaction.equals(firstTransaction) ? 1 : 0;
                    lastAnswer = now;
                }
            }
            sender.interrupt();
            sender.join();
            if (failed.get() != null) {
                throw failed.get();
            }
            long count = latency.getTotalCount();
            // Settlements come in bursts, one per settle transaction: the rate between the first burst and the last.
            double perSecond = transactions.size() > 1 && lastAnswer > firstAnswer
                    ? (count - inFirstTransaction) / ((lastAnswer - firstAnswer) / 1e9)
                    : count * 1e9 / (Math.max(lastAnswer, first + 1) - first);
            double behind = count == 0 ? Double.NaN : (lastAnswer - lastSent.get()) / 1e9;
            return new Step(latency, transactions.size(), perSecond, behind);
        }

        /** Reads on until every job-epoch published is settled, or {@code atMost} passes. */
        void drain(Duration atMost) {
            long deadline = System.nanoTime() + atMost.toNanos();
            while (!settled.keySet().containsAll(published) && System.nanoTime() < deadline) {
                for (Event<?> event : events.poll(Duration.ofMillis(200))) {
                    if (event.payload() instanceof SettlementCompleted completed) {
                        count(event.id(), Pair.key(completed.jobId(), completed.epoch()), completed);
                    }
                }
            }
        }

        private void count(UUID eventId, String key, SettlementCompleted completed) {
            if (!announced.computeIfAbsent(key, k -> new HashSet<>()).add(eventId)) {
                redelivered++;
            }
            settled.putIfAbsent(key, completed);
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Counts every job-epoch published: settled once, announced twice (two distinct SettlementCompleted), or not
     * settled; and on chain, the service escrow's EpochSettled and SettlementSkipped logs since the ramp began per
     * job-epoch, and the operators' claimable credit against the amounts announced. Fails if any job-epoch was settled
     * or announced twice.
     */
    static void verify(Web3j web3j, DeeployEscrow serviceEscrow, String escrowAddress, List<Job> jobs,
            Map<String, String> operatorOf, Ramp ramp, long firstBlock) throws Exception {
        Map<BigInteger, String> jobOfChainJob = new HashMap<>();
        jobs.forEach(job -> jobOfChainJob.put(job.chainJobId(), job.jobId()));
        Map<String, Integer> onChain = new HashMap<>();
        Map<Integer, Integer> skipped = new TreeMap<>();
        long lastBlock = web3j.ethBlockNumber().send().getBlockNumber().longValue();
        for (long from = firstBlock; from <= lastBlock; from += 1_000) {
            long to = Math.min(lastBlock, from + 999);
            EthLog logs = web3j.ethGetLogs(new EthFilter(DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
                    DefaultBlockParameter.valueOf(BigInteger.valueOf(to)), escrowAddress)).send();
            if (logs.hasError()) {
                throw new IllegalStateException("eth_getLogs " + from + ".." + to + ": " + logs.getError().getMessage());
            }
            for (Object result : logs.getLogs()) {
                Log log = (Log) result;
                if (log.getTopics().isEmpty()) {
                    continue;
                }
                String topic = log.getTopics().get(0);
                if (EPOCH_SETTLED.equals(topic)) {
                    var e = DeeployEscrow.getEpochSettledEventFromLog(log);
                    onChain.merge(Pair.key(jobOfChainJob.getOrDefault(e.jobId, "chain-job-" + e.jobId), e.epoch.longValue()),
                            1, Integer::sum);
                } else if (SETTLEMENT_SKIPPED.equals(topic)) {
                    skipped.merge(DeeployEscrow.getSettlementSkippedEventFromLog(log).reason.intValue(), 1, Integer::sum);
                }
            }
        }
        int once = 0;
        int announcedTwice = 0;
        int settledTwice = 0;
        int notSettled = 0;
        for (String key : ramp.published) {
            int announcements = ramp.announced.getOrDefault(key, Set.of()).size();
            int settlements = onChain.getOrDefault(key, 0);
            announcedTwice += announcements > 1 ? 1 : 0;
            settledTwice += settlements > 1 ? 1 : 0;
            notSettled += announcements == 0 || settlements == 0 ? 1 : 0;
            once += announcements == 1 && settlements == 1 ? 1 : 0;
        }
        Set<String> unexpected = new HashSet<>(ramp.announced.keySet());
        unexpected.addAll(onChain.keySet());
        unexpected.removeAll(ramp.published);
        BigInteger announcedPaid = ramp.settled.values().stream().map(SettlementCompleted::paid).reduce(BigInteger.ZERO,
                BigInteger::add);
        BigInteger claimable = BigInteger.ZERO;
        for (String operator : operatorOf.values()) {
            claimable = claimable.add(serviceEscrow.claimable(operator).send());
        }
        System.out.printf("bench: exactly once: %d job-epochs published, %d settled once (one SettlementCompleted, one"
                + " EpochSettled), %d announced twice, %d settled twice on chain, %d not settled within %d min of the end,"
                + " %d settled that were never published; SettlementCompleted relayed again under its id: %d; skipped on"
                + " chain by reason: %s; operators' claimable %s, announced paid %s (%s)%n", ramp.published.size(), once,
                announcedTwice, settledTwice, notSettled, FINAL_DRAIN.toMinutes(), unexpected.size(), ramp.redelivered,
                skipped, claimable, announcedPaid, claimable.equals(announcedPaid) ? "equal" : "DIFFERENT");
        // Money moves once and as announced: anything else fails the run, whatever its figures.
        if (announcedTwice > 0 || settledTwice > 0 || notSettled > 0 || !unexpected.isEmpty() || !claimable.equals(announcedPaid)) {
            throw new AssertionError(announcedTwice + " job-epochs announced twice, " + settledTwice + " settled twice on chain, "
                    + notSettled + " never settled, " + unexpected.size() + " settled unasked; operators' claimable " + claimable
                    + " against " + announcedPaid + " announced paid");
        }
    }
}
