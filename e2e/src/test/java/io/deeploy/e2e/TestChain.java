package io.deeploy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.List;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Numeric;

/** The local chain (anvil) as the end-to-end tests use it: gas for a wallet, signed transactions, token balances. */
final class TestChain implements AutoCloseable {

    /** anvil's dev account #0: escrow-svc's deployer and activator here, the owner of the test token (it mints). */
    static final String TOKEN_OWNER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    static final long CHAIN_ID = 31337;

    final HttpService rpc;
    final Web3j web3j;

    TestChain(String rpcUrl) {
        this.rpc = new HttpService(rpcUrl);
        this.web3j = Web3j.build(rpc);
    }

    /** Gives {@code account} {@code wei} of gas money (anvil_setBalance). */
    void setBalance(String account, BigInteger wei) throws Exception {
        new Request<>("anvil_setBalance", List.of(account, Numeric.toHexStringWithPrefix(wei)), rpc, VoidResponse.class)
                .send();
    }

    /** Mints {@code amount} base units of the test token to {@code account}, as a faucet would. */
    void mint(String token, String account, long amount) throws Exception {
        send(Credentials.create(TOKEN_OWNER_KEY), token, new Function("mint",
                List.of(new Address(account), new Uint256(amount)), List.of()));
    }

    TransactionReceipt send(Credentials from, String to, Function call) throws Exception {
        return sendRaw(from, to, FunctionEncoder.encode(call));
    }

    /** Signs and sends {@code data} to {@code to} as {@code from}'s wallet would, and waits for it to be mined. */
    TransactionReceipt sendRaw(Credentials from, String to, String data) throws Exception {
        RawTransactionManager manager = new RawTransactionManager(web3j, from, CHAIN_ID);
        BigInteger gasPrice = web3j.ethGasPrice().send().getGasPrice().multiply(BigInteger.TWO);
        var sent = manager.sendTransaction(gasPrice, BigInteger.valueOf(1_000_000), to, data, BigInteger.ZERO);
        assertThat(sent.hasError()).as(data.substring(0, 10) + ": " + (sent.hasError() ? sent.getError().getMessage() : ""))
                .isFalse();
        TransactionReceipt receipt = new PollingTransactionReceiptProcessor(web3j, 200, 150)
                .waitForTransactionReceipt(sent.getTransactionHash());
        assertThat(receipt.isStatusOK()).as(data.substring(0, 10) + " " + receipt.getTransactionHash()).isTrue();
        return receipt;
    }

    /** A view function of one address argument answering one uint256 (balanceOf, claimable). */
    @SuppressWarnings("rawtypes")
    BigInteger callUint(String contract, String name, String account) throws Exception {
        Function call = new Function(name, List.of(new Address(account)), List.of(new TypeReference<Uint256>() { }));
        String result = web3j.ethCall(Transaction.createEthCallTransaction(account, contract, FunctionEncoder.encode(call)),
                DefaultBlockParameterName.LATEST).send().getValue();
        List<Type> decoded = FunctionReturnDecoder.decode(result, call.getOutputParameters());
        return (BigInteger) decoded.get(0).getValue();
    }

    @Override
    public void close() {
        web3j.shutdown();
    }
}
