// The user's browser wallet (EIP-1193, window.ethereum): its account signs API requests (personal_sign, EIP-191) and
// sends the escrow's transactions. Nothing here holds a key.

export class WalletMissing extends Error {}

function provider() {
  if (!window.ethereum || typeof window.ethereum.request !== 'function') {
    throw new WalletMissing('No browser wallet found: install one (an EIP-1193 wallet such as MetaMask) and reload.');
  }
  return window.ethereum;
}

export function hasWallet() {
  return Boolean(window.ethereum && typeof window.ethereum.request === 'function');
}

export async function connect() {
  const accounts = await provider().request({ method: 'eth_requestAccounts' });
  if (!accounts || accounts.length === 0) {
    throw new Error('The wallet gave no account.');
  }
  return accounts[0].toLowerCase();
}

export async function currentAccount() {
  if (!hasWallet()) {
    return null;
  }
  const accounts = await provider().request({ method: 'eth_accounts' });
  return accounts && accounts.length ? accounts[0].toLowerCase() : null;
}

export function onAccountChange(listener) {
  if (hasWallet() && typeof window.ethereum.on === 'function') {
    window.ethereum.on('accountsChanged', (accounts) => listener(accounts && accounts.length ? accounts[0].toLowerCase() : null));
  }
}

function utf8Hex(text) {
  return '0x' + Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** EIP-191 personal_sign of a text, as the API verifies it. */
export async function signText(address, text) {
  return provider().request({ method: 'personal_sign', params: [utf8Hex(text), address] });
}

export async function chainId() {
  return parseInt(await provider().request({ method: 'eth_chainId' }), 16);
}

/** Asks the wallet to use the platform's chain (EIP-3326); a wallet that does not know it says so. */
export async function switchChain(id) {
  await provider().request({ method: 'wallet_switchEthereumChain', params: [{ chainId: '0x' + id.toString(16) }] });
}

export async function sendTransaction(from, to, data) {
  return provider().request({ method: 'eth_sendTransaction', params: [{ from, to, data }] });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the transaction has `confirmations` blocks (its own included), telling `progress` each new count.
 * A reverted transaction is an error.
 */
export async function awaitConfirmations(hash, confirmations, progress) {
  const p = provider();
  let seen = -1;
  for (;;) {
    const receipt = await p.request({ method: 'eth_getTransactionReceipt', params: [hash] });
    if (receipt) {
      if (receipt.status === '0x0') {
        throw new Error(`The transaction ${hash} was reverted by the chain.`);
      }
      const head = parseInt(await p.request({ method: 'eth_blockNumber' }), 16);
      const count = head - parseInt(receipt.blockNumber, 16) + 1;
      if (count !== seen) {
        seen = count;
        progress(Math.min(count, confirmations));
      }
      if (count >= confirmations) {
        return receipt;
      }
    }
    await sleep(1000);
  }
}
