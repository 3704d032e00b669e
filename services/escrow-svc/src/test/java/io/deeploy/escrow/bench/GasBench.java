package io.deeploy.escrow.bench;

import io.deeploy.escrow.contracts.DeeployEscrow;
import io.deeploy.escrow.contracts.DeeployUSD;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.TransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * Gas per job created and per settled job-epoch on a fresh anvil, in two shapes: batches of 1, 100 and 1000 entries
 * spread over 20 long jobs (a settler catching up: each job's epochs in one batch), and two epochs of 1,000 jobs, each
 * settled in one go (the settler's usual batch once an epoch ends: every entry another job; a job's first settlement
 * writes fresh storage, its later ones mostly find it). Not a test: run it with
 * {@code bench/escrow-gas.sh}, which starts and stops its own anvil. Argument: the RPC URL.
 *
 * <p>Settlement entries are (job, epoch, node) of one-node jobs, each epoch ended, paid (uptime 100%). A batch larger
 * than {@link #MAX_ENTRIES_PER_TX} goes in several transactions (the block gas limit); the figure is per entry.
 */
public final class GasBench {

    static final String ADMIN_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    static final String USER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    /** anvil dev account #3: the escrow's settler (the admin, account #0, is its activator). */
    static final String SETTLER_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
    /** Every bought epoch is settled at once after the fact here, so the window covers them all. */
    static final long SETTLE_WINDOW_EPOCHS = 2_000;
    static final int MAX_ENTRIES_PER_TX = 500;
    static final int MAX_COLD_ENTRIES_PER_TX = 250;
    static final long CHAIN_ID = 31337;
    static final int JOB_TYPE = 1;
    static final long EPOCH_SECONDS = 60;

    public static void main(String[] args) throws Exception {
        String rpc = args.length > 0 ? args[0] : "http://127.0.0.1:8545";
        HttpService service = new HttpService(rpc);
        Web3j web3j = Web3j.build(service);
        Credentials admin = Credentials.create(ADMIN_KEY);
        Credentials user = Credentials.create(USER_KEY);
        Credentials settler = Credentials.create(SETTLER_KEY);
        BigInteger gasPrice = web3j.ethGasPrice().send().getGasPrice().multiply(BigInteger.TWO);
        StaticGasProvider gas = new StaticGasProvider(gasPrice, BigInteger.valueOf(29_000_000));

        DeeployUSD token = DeeployUSD.deploy(web3j, wallet(web3j, admin), gas).send();
        DeeployEscrow escrow = DeeployEscrow.deploy(web3j, wallet(web3j, admin), gas, token.getContractAddress(), admin.getAddress(),
                settler.getAddress(), BigInteger.valueOf(EPOCH_SECONDS), BigInteger.valueOf(9000),
                BigInteger.valueOf(SETTLE_WINDOW_EPOCHS)).send();
        DeeployEscrow settlerEscrow = DeeployEscrow.load(escrow.getContractAddress(), web3j, wallet(web3j, settler), gas);
        BigInteger price = escrow.jobType(BigInteger.valueOf(JOB_TYPE)).send().component3();
        token.mint(user.getAddress(), price.multiply(BigInteger.valueOf(1_000_000))).send();
        DeeployUSD userToken = DeeployUSD.load(token.getContractAddress(), web3j, wallet(web3j, user), gas);
        DeeployEscrow userEscrow = DeeployEscrow.load(escrow.getContractAddress(), web3j, wallet(web3j, user), gas);
        userToken.approve(escrow.getContractAddress(), price.multiply(BigInteger.valueOf(1_000_000))).send();

        // Jobs of one node and 1101 epochs; creation gas averaged over them (with a requestId, as the backend does).
        int jobs = 20;
        long createGas = 0;
        List<BigInteger> jobIds = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            byte[] requestId = new byte[32];
            requestId[0] = (byte) (i + 1);
            TransactionReceipt r = userEscrow.createJob(BigInteger.valueOf(JOB_TYPE), BigInteger.ONE,
                    BigInteger.valueOf(1101), new byte[32], requestId).send();
            createGas += r.getGasUsed().longValue();
            jobIds.add(DeeployEscrow.getJobCreatedEventFromLog(r.getLogs().get(0)).jobId);
        }
        String node = Credentials.create("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a").getAddress();
        long startEpoch = -1;
        for (BigInteger jobId : jobIds) {
            TransactionReceipt r = escrow.activate(jobId, List.of(node)).send();
            startEpoch = DeeployEscrow.getJobActivatedEventFromLog(r.getLogs().get(0)).startEpoch.longValue();
        }
        // Move past the bought epochs (anvil only) so every one of them can be settled.
        new Request<>("evm_increaseTime", List.of(EPOCH_SECONDS * 1102), service, VoidResponse.class).send();
        new Request<>("evm_mine", List.of(), service, VoidResponse.class).send();

        System.out.printf("createJob (type %d, 1 node, 1101 epochs, requestId): %,d gas per job (average of %d)%n",
                JOB_TYPE, createGas / jobs, jobs);
        long[] epochCursor = {startEpoch};
        for (int batch : new int[] {1, 100, 1000}) {
            // Spread the batch over the jobs, a distinct epoch each, so every entry is fresh storage as in real use.
            List<DeeployEscrow.Settlement> entries = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                BigInteger jobId = jobIds.get(i % jobs);
                long epoch = epochCursor[0] + i / jobs;
                entries.add(new DeeployEscrow.Settlement(jobId, BigInteger.valueOf(epoch), node, BigInteger.valueOf(10_000)));
            }
            epochCursor[0] += (batch + jobs - 1) / jobs;
            report(String.format("settle batch of %4d job-epochs of 20 jobs", batch), settlerEscrow, entries, MAX_ENTRIES_PER_TX);
        }

        // Two epochs of 1,000 one-node jobs, each settled together as the settler does once an epoch ends: the first
        // settlement of a job writes its fresh storage, the next ones find it.
        int manyJobs = 1_000;
        List<DeeployEscrow.Settlement> firstEpoch = new ArrayList<>();
        List<DeeployEscrow.Settlement> secondEpoch = new ArrayList<>();
        for (int i = 0; i < manyJobs; i++) {
            byte[] requestId = new byte[32];
            requestId[0] = (byte) 0xE0;
            requestId[30] = (byte) (i >> 8);
            requestId[31] = (byte) i;
            TransactionReceipt created = userEscrow.createJob(BigInteger.valueOf(JOB_TYPE), BigInteger.ONE,
                    BigInteger.valueOf(3), new byte[32], requestId).send();
            BigInteger jobId = DeeployEscrow.getJobCreatedEventFromLog(created.getLogs().get(0)).jobId;
            TransactionReceipt activated = escrow.activate(jobId, List.of(node)).send();
            long start = DeeployEscrow.getJobActivatedEventFromLog(activated.getLogs().get(0)).startEpoch.longValue();
            firstEpoch.add(new DeeployEscrow.Settlement(jobId, BigInteger.valueOf(start), node, BigInteger.valueOf(10_000)));
            secondEpoch.add(new DeeployEscrow.Settlement(jobId, BigInteger.valueOf(start + 1), node, BigInteger.valueOf(10_000)));
        }
        new Request<>("evm_increaseTime", List.of(EPOCH_SECONDS * 3), service, VoidResponse.class).send();
        new Request<>("evm_mine", List.of(), service, VoidResponse.class).send();
        // Every entry touches another job's cold storage here: fewer fit in a block.
        report("settle the first epoch of " + manyJobs + " jobs", settlerEscrow, firstEpoch, MAX_COLD_ENTRIES_PER_TX);
        report("settle the next epoch of " + manyJobs + " jobs", settlerEscrow, secondEpoch, MAX_COLD_ENTRIES_PER_TX);
        web3j.shutdown();
    }

    /** Signs as {@code account} and looks for each receipt every 20 ms (anvil mines at once; web3j's default waits long). */
    static TransactionManager wallet(Web3j web3j, Credentials account) {
        return new RawTransactionManager(web3j, account, CHAIN_ID, new PollingTransactionReceiptProcessor(web3j, 20, 3_000));
    }

    /** Settles {@code entries} in transactions of at most {@code perTx} entries and prints the gas per entry. */
    static void report(String what, DeeployEscrow settler, List<DeeployEscrow.Settlement> entries, int perTx)
            throws Exception {
        long total = 0;
        int txs = 0;
        int paid = 0;
        for (int from = 0; from < entries.size(); from += perTx) {
            List<DeeployEscrow.Settlement> chunk = entries.subList(from, Math.min(entries.size(), from + perTx));
            TransactionReceipt r = settler.settle(chunk).send();
            total += r.getGasUsed().longValue();
            txs++;
            paid += (int) r.getLogs().stream().filter(l -> l.getTopics().get(0)
                    .equals(org.web3j.abi.EventEncoder.encode(DeeployEscrow.EPOCHSETTLED_EVENT))).count();
        }
        System.out.printf("%s: %,d gas in %d tx(s), %,d gas per job-epoch (%d paid)%n", what, total, txs,
                total / entries.size(), paid);
    }
}
