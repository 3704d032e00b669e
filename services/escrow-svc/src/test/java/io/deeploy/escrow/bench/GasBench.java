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
import org.web3j.tx.gas.StaticGasProvider;

/**
 * Gas per job created and per settled job-epoch (batches of 1, 100 and 1000) on a fresh anvil. Not a test: run it with
 * {@code services/escrow-svc/bench/escrow-gas.sh}, which starts and stops its own anvil. Argument: the RPC URL.
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

        DeeployUSD token = DeeployUSD.deploy(web3j, admin, gas).send();
        DeeployEscrow escrow = DeeployEscrow.deploy(web3j, admin, gas, token.getContractAddress(), admin.getAddress(),
                settler.getAddress(), BigInteger.valueOf(EPOCH_SECONDS), BigInteger.valueOf(9000),
                BigInteger.valueOf(SETTLE_WINDOW_EPOCHS)).send();
        DeeployEscrow settlerEscrow = DeeployEscrow.load(escrow.getContractAddress(), web3j, settler, gas);
        BigInteger price = escrow.jobType(BigInteger.valueOf(JOB_TYPE)).send().component3();
        token.mint(user.getAddress(), price.multiply(BigInteger.valueOf(1_000_000))).send();
        DeeployUSD userToken = DeeployUSD.load(token.getContractAddress(), web3j, user, gas);
        DeeployEscrow userEscrow = DeeployEscrow.load(escrow.getContractAddress(), web3j, user, gas);
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
            long total = 0;
            int txs = 0;
            int paid = 0;
            for (int from = 0; from < entries.size(); from += MAX_ENTRIES_PER_TX) {
                List<DeeployEscrow.Settlement> chunk = entries.subList(from, Math.min(entries.size(), from + MAX_ENTRIES_PER_TX));
                TransactionReceipt r = settlerEscrow.settle(chunk).send();
                total += r.getGasUsed().longValue();
                txs++;
                paid += (int) r.getLogs().stream().filter(l -> l.getTopics().get(0)
                        .equals(org.web3j.abi.EventEncoder.encode(DeeployEscrow.EPOCHSETTLED_EVENT))).count();
            }
            System.out.printf("settle batch of %4d job-epochs: %,d gas in %d tx(s), %,d gas per job-epoch (%d paid)%n",
                    batch, total, txs, total / batch, paid);
        }
        web3j.shutdown();
    }
}
