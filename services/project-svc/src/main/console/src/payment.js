// Sends the transactions the API answers (approve, then createJob / extendJob / addNodes) through the wallet, one
// after the other, each once the previous has its confirmations, and shows their progress.
import { platformInfo, signedIn } from './api.js';
import { awaitConfirmations, chainId, sendTransaction, switchChain } from './wallet.js';
import { h } from './ui.js';

export async function signTransactions(transactions, progress) {
  const info = await platformInfo();
  if (!info.chain) {
    throw new Error('The escrow service cannot be asked now, so the chain to pay on is unknown: try again shortly.');
  }
  if (await chainId() !== info.chain.chainId) {
    await switchChain(info.chain.chainId);
  }
  const confirmations = Math.max(1, info.chain.confirmations || 1);
  for (const [index, tx] of transactions.entries()) {
    const step = h('li', { test: 'tx' }, `${index + 1}. ${tx.description || tx.to}: waiting for your wallet…`);
    progress.append(step);
    const hash = await sendTransaction(signedIn(), tx.to, tx.data);
    step.textContent = `${index + 1}. ${tx.description || tx.to}: sent ${hash}, 0/${confirmations} confirmations`;
    await awaitConfirmations(hash, confirmations, (count) => {
      step.textContent = `${index + 1}. ${tx.description || tx.to}: ${count}/${confirmations} confirmations`
        + (count >= confirmations ? ' ✓' : '');
    });
    step.classList.add('done');
  }
}
