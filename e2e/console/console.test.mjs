// The console in a real browser: Playwright drives Debian's Chromium headless through the tutorial's flow on a running
// platform (started by ConsoleE2EIT, which passes its addresses in the environment): connect a wallet, create a
// project, write a job in the wizard (its cost quoted as it is typed), review the draft, Pay & Deploy (approve and
// createJob signed by the wallet and confirmed on the local chain), watch the build log arrive while it builds, open
// the app at its URL, push a commit and see it on the job page, roll back to the first commit and resume, edit the job,
// and stop it. The wallet is injected into the page
// (EIP-1193 window.ethereum) and signs with a local key here, in Node, as a browser wallet would. A screenshot of each
// step goes to SHOTS_DIR. Prints one JSON line, {"jobId", "url", "commits"}, for the Java side's checks; any failed
// expectation exits non-zero with its message.
import { chromium, selectors } from 'playwright-core';
import { JsonRpcProvider, Wallet, getBytes } from 'ethers';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
};
const CONSOLE_URL = env('CONSOLE_URL');
const RPC_URL = env('RPC_URL');
const OWNER_KEY = env('OWNER_KEY');
const REPO_URL = env('REPO_URL');
const NODE_ID = env('NODE_ID');
const SHOTS_DIR = env('SHOTS_DIR');
const ALIAS = env('ALIAS');
const BROWSER = process.env.CHROMIUM || '/usr/bin/chromium';

mkdirSync(SHOTS_DIR, { recursive: true });
// The console marks what a test may find with data-test attributes.
selectors.setTestIdAttribute('data-test');
// No cached answers: the wallet reads the chain afresh for each request, as the page does.
const provider = new JsonRpcProvider(RPC_URL, undefined, { staticNetwork: true, pollingInterval: 500, cacheTimeout: -1 });
const wallet = new Wallet(OWNER_KEY, provider);
const owner = wallet.address.toLowerCase();
const log = (...args) => console.error(new Date().toISOString(), ...args);
let shot = 0;
let signatures = 0;
let nextNonce = 0;

/** The wallet's side of EIP-1193, as a browser wallet would answer each request (no prompts: it always agrees). */
async function walletRequest(method, params = []) {
  switch (method) {
    case 'eth_requestAccounts':
    case 'eth_accounts':
      return [owner];
    case 'eth_chainId':
      return '0x' + (await provider.getNetwork()).chainId.toString(16);
    case 'wallet_switchEthereumChain':
      if (BigInt(params[0].chainId) !== (await provider.getNetwork()).chainId) {
        throw Object.assign(new Error('unknown chain'), { code: 4902 });
      }
      return null;
    case 'personal_sign': {
      const [message, address] = params;
      if (address.toLowerCase() !== owner) {
        throw Object.assign(new Error('not this wallet\'s account'), { code: 4100 });
      }
      signatures += 1;
      return wallet.signMessage(getBytes(message));
    }
    case 'eth_sendTransaction': {
      const [tx] = params;
      if (tx.from.toLowerCase() !== owner) {
        throw Object.assign(new Error('not this wallet\'s account'), { code: 4100 });
      }
      // The wallet numbers its transactions itself (the chain's count, or one past the last it sent), as a browser
      // wallet does, so a second transaction right after the first never reuses its nonce.
      const nonce = Math.max(await provider.getTransactionCount(owner, 'latest'), nextNonce);
      nextNonce = nonce + 1;
      const sent = await wallet.sendTransaction({ to: tx.to, data: tx.data, nonce });
      log('wallet sent', sent.hash);
      return sent.hash;
    }
    default:
      return provider.send(method, params);
  }
}

function expect(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

async function screenshot(page, name) {
  shot += 1;
  const file = join(SHOTS_DIR, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  log('screenshot', file);
}

const browser = await chromium.launch({
  executablePath: BROWSER,
  headless: true,
  // Debian's Chromium as root, on a machine with no internet: no sandbox, nothing fetched in the background.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let exitCode = 0;
let page = null;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.exposeBinding('__deeployTestWallet', (_source, method, params) => walletRequest(method, params));
  await context.addInitScript(() => {
    const listeners = {};
    window.ethereum = {
      isDeeployTestWallet: true,
      request: ({ method, params }) => window.__deeployTestWallet(method, params || []),
      on: (event, listener) => { (listeners[event] = listeners[event] || []).push(listener); },
      removeListener: () => {},
    };
  });
  page = await context.newPage();
  page.on('pageerror', (e) => log('page error:', e.message));
  page.on('console', (m) => { if (m.type() === 'error') log('page console:', m.text(), m.location().url); });
  // Every dialog (the stop confirmation) is accepted, as the user would.
  page.on('dialog', (dialog) => dialog.accept());

  // Sign in: the wallet connects, and the console shows the account.
  await page.goto(CONSOLE_URL);
  await page.getByTestId('sign-in').waitFor();
  expect((await page.getByTestId('billing').textContent()).includes('escrow'), 'the console shows escrow billing');
  await screenshot(page, 'sign-in');
  await page.getByTestId('connect').click();
  await page.getByTestId('address').filter({ hasText: owner }).waitFor();

  // A project.
  await page.getByTestId('project-name').fill(`console-${ALIAS}`);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByTestId('new-job').waitFor();
  await screenshot(page, 'project');
  await page.getByTestId('new-job').click();

  // The wizard: a bad alias is refused by the API at the field it names, nothing created.
  await page.getByTestId('wizard').waitFor();
  await page.getByTestId('alias').fill('Not A Label');
  await page.getByTestId('image').fill('local/python:bookworm');
  await page.getByTestId('repositoryUrl').fill(REPO_URL);
  await page.getByTestId('branch').fill('main');
  await page.getByTestId('pollIntervalSeconds').fill('5');
  await page.getByTestId('commands').fill('echo building the console site\npython3 -m http.server 8000');
  await page.getByTestId('port').fill('8000');
  await page.getByTestId('cpu').fill('0.25');
  await page.getByTestId('memoryMb').fill('128');
  await page.getByTestId('durationEpochs').fill('30');
  await page.getByTestId('healthMode').selectOption('http');
  await page.getByTestId('healthPath').fill('/');
  // The node list filtered by a tag expression nobody matches, then by one every node matches; the job names its node.
  await page.getByTestId('nodeTags').fill('no-such-tag');
  await page.getByText('No node matches these filters.').waitFor();
  await page.getByTestId('nodeTags').fill('*');
  await page.getByTestId('placement').selectOption('named');
  await page.locator(`input[name=node][value="${NODE_ID}"]`).check();
  // The cost, quoted by the chain as the fields are typed.
  const cost = page.getByTestId('cost-amount');
  await cost.waitFor();
  const quoted = await cost.textContent();
  expect(/dUSD/.test(quoted), `the wizard shows a cost: ${quoted}`);
  await page.getByTestId('durationEpochs').fill('31');
  await page.waitForFunction((before) => {
    const el = document.querySelector('[data-test=cost-amount]');
    return el && el.textContent !== before;
  }, quoted);
  const quoted31 = await cost.textContent();
  await page.getByTestId('durationEpochs').fill('30');
  await page.waitForFunction((before) => document.querySelector('[data-test=cost-amount]')?.textContent === before, quoted);
  log('cost', quoted, '→', quoted31);
  await screenshot(page, 'wizard');

  await page.getByTestId('review').click();
  await page.getByTestId('draft').waitFor();
  await page.getByTestId('deploy').click();
  const aliasError = page.locator('[data-field=alias].invalid .field-error');
  await aliasError.waitFor();
  expect((await aliasError.textContent()).length > 0, 'the API\'s refusal is shown at the alias field');
  await screenshot(page, 'wizard-refused');

  await page.getByTestId('alias').fill(ALIAS);
  await page.getByTestId('review').click();
  await page.getByTestId('draft-json').waitFor();
  const draft = JSON.parse(await page.getByTestId('draft-json').textContent());
  expect(draft.alias === ALIAS && draft.targetNodes[0] === NODE_ID && draft.durationEpochs === 30,
    `the draft is the request: ${JSON.stringify(draft)}`);
  await screenshot(page, 'draft');

  // Pay & Deploy: the job is created, then approve and createJob are signed and confirmed, then the job page opens.
  await page.getByTestId('deploy').click();
  // The transactions' progress shows only until the job page opens, which may be a second later: the screenshot is
  // taken when it shows, and the test goes on by the job page, which says the job is paid.
  await page.getByTestId('tx').first().waitFor({ timeout: 60_000 }).then(() => screenshot(page, 'paying'))
    .catch(() => log('the payment progress was gone before its screenshot'));
  await page.waitForURL(/#\/jobs\//, { timeout: 90_000 });
  const jobId = decodeURIComponent(page.url().split('#/jobs/')[1]);
  log('job', jobId);

  // While it builds, its build log arrives on the page; then it runs at its URL.
  await page.getByTestId('log-build').filter({ hasText: 'building the console site' }).waitFor({ timeout: 180_000 });
  await screenshot(page, 'building');
  await page.getByTestId('state').filter({ hasText: 'RUNNING' }).waitFor({ timeout: 180_000 });
  await page.getByTestId('url').waitFor();
  const url = await page.getByTestId('url').textContent();
  const firstCommit = (await page.getByTestId('commit').textContent()).trim();
  expect(/^[0-9a-f]{40}$/.test(firstCommit), `the job page shows the running commit: ${firstCommit}`);
  await page.getByTestId('spend').waitFor({ timeout: 30_000 });
  const paid = quoted.split(' ')[0];
  expect((await page.getByTestId('spend').textContent()).includes(`locked ${paid},`), `the job page shows ${paid} paid`);
  await screenshot(page, 'running');

  // The app itself, in the browser, at its URL (*.localhost is this machine).
  const app = await context.newPage();
  await app.goto(url);
  expect((await app.content()).includes('console v1'), 'the app serves the repository');
  await screenshot(app, 'app');
  await app.close();

  // A commit pushed to the branch: the job page shows it running, and the app serves it.
  const work = mkdtempSync(join(tmpdir(), 'console-push-'));
  execFileSync('git', ['clone', '-q', REPO_URL, work]);
  writeFileSync(join(work, 'index.html'), 'console v2');
  execFileSync('git', ['-C', work, '-c', 'user.name=console test', '-c', 'user.email=console@test', 'commit', '-qam', 'v2']);
  const pushed = execFileSync('git', ['-C', work, 'rev-parse', 'HEAD']).toString().trim();
  execFileSync('git', ['-C', work, 'push', '-q', 'origin', 'HEAD:main']);
  log('pushed', pushed);
  await page.getByTestId('commit').filter({ hasText: pushed }).waitFor({ timeout: 180_000 });
  await page.getByTestId('state').filter({ hasText: 'RUNNING' }).waitFor({ timeout: 60_000 });
  await screenshot(page, 'redeployed');
  const again = await context.newPage();
  await again.goto(url);
  expect((await again.content()).includes('console v2'), 'the app serves the pushed commit');
  await again.close();

  // The app's own request log reaches the page too.
  await page.getByTestId('log-app').filter({ hasText: 'GET /' }).waitFor({ timeout: 60_000 });

  // Back to the first commit from the versions the page lists: the job is pinned to it (pushes wait) until resumed.
  await page.getByTestId('served').filter({ hasText: firstCommit }).getByTestId('rollback-commit').click();
  await page.getByTestId('commit').filter({ hasText: firstCommit }).waitFor({ timeout: 120_000 });
  await page.getByTestId('resume').waitFor();
  await screenshot(page, 'rolled-back');
  await page.getByTestId('resume').click();
  await page.getByTestId('commit').filter({ hasText: pushed }).waitFor({ timeout: 120_000 });

  // An edit: a new revision with the environment changed, deployed in place.
  const revisionBefore = parseInt(await page.getByTestId('revision').textContent(), 10);
  await page.getByTestId('edit').click();
  await page.getByTestId('edit-env').fill('GREETING=from the console');
  await page.getByTestId('edit-save').click();
  await page.getByTestId('editor').filter({ hasText: 'Saved' }).waitFor();
  await page.getByTestId('revision').filter({ hasText: `${revisionBefore + 1} (running ${revisionBefore + 1})` })
    .waitFor({ timeout: 120_000 });
  await screenshot(page, 'edited');

  // Stop: the job stops and its chain job is closed (the refund is checked on chain by the Java side).
  await page.getByTestId('stop').click();
  await page.getByTestId('state').filter({ hasText: 'STOPPED' }).waitFor({ timeout: 120_000 });
  await screenshot(page, 'stopped');

  // The project's job list shows it, stopped.
  await page.goto(`${CONSOLE_URL}#/`);
  await page.getByTestId('project-link').first().click();
  await page.getByTestId('job-link').filter({ hasText: ALIAS }).waitFor();
  await screenshot(page, 'jobs');

  // Signing in was the only signature the wallet was asked for: every later request carried the session.
  expect(signatures === 1, `the wallet signed ${signatures} requests; signing in is the only one`);
  console.log(JSON.stringify({ jobId, url, commits: [firstCommit, pushed] }));
} catch (e) {
  log('FAILED:', e.stack || e.message);
  exitCode = 1;
  if (page) {
    await screenshot(page, 'failed').catch(() => {});
  }
} finally {
  await browser.close();
  provider.destroy();
}
process.exit(exitCode);
