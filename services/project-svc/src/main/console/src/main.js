// The Deeploy console: sign in with a browser wallet, projects, the job wizard with its cost, pay and deploy, and a
// live job page. Every call goes to the public API of this origin, signed by the wallet.
import './style.css';
import { platformInfo, restoreSession, signIn, signOut, signedIn } from './api.js';
import { connect, hasWallet, onAccountChange } from './wallet.js';
import { errorText } from './ui.js';
import { projectsView } from './views/projects.js';
import { projectView } from './views/project.js';
import { wizardView } from './views/wizard.js';
import { jobView } from './views/job.js';

const app = document.getElementById('app');
const connectButton = document.querySelector('[data-test=connect]');
const addressLabel = document.querySelector('[data-test=address]');
const notice = document.querySelector('[data-test=notice]');
let leaveView = null;

const routes = [
  [/^#?\/?$/, () => projectsView],
  [/^#\/projects\/([^/]+)$/, () => projectView],
  [/^#\/projects\/([^/]+)\/new$/, () => wizardView],
  [/^#\/jobs\/([^/]+)$/, () => jobView],
];

function showNotice(text) {
  notice.hidden = !text;
  notice.textContent = text || '';
}

function showSignedIn() {
  const address = signedIn();
  addressLabel.textContent = address || '';
  connectButton.textContent = address ? 'Sign out' : 'Connect wallet';
}

async function render() {
  if (leaveView) {
    leaveView();
    leaveView = null;
  }
  const hash = location.hash || '#/';
  for (const [pattern, view] of routes) {
    const match = hash.match(pattern);
    if (match) {
      if (!signedIn()) {
        app.replaceChildren(signInPrompt());
        return;
      }
      leaveView = await view()(app, ...match.slice(1).map(decodeURIComponent)) || null;
      return;
    }
  }
  location.hash = '#/';
}

function signInPrompt() {
  const box = document.createElement('section');
  box.className = 'card';
  box.dataset.test = 'sign-in';
  const title = document.createElement('h1');
  title.textContent = 'Sign in';
  const text = document.createElement('p');
  text.textContent = hasWallet()
    ? 'Connect your wallet: it signs you in (one signature) and pays for your jobs on chain.'
    : 'This console needs a browser wallet (EIP-1193, such as MetaMask) to sign requests.';
  box.append(title, text);
  return box;
}

connectButton.addEventListener('click', async () => {
  try {
    if (signedIn()) {
      await signOut();
    } else {
      // One signature: it starts the session every later request carries.
      await signIn(await connect());
    }
    showNotice('');
  } catch (e) {
    showNotice(errorText(e));
  }
  showSignedIn();
  render();
});

// Another account in the wallet: this session was the old one's.
onAccountChange(async (address) => {
  if (signedIn() && address !== signedIn()) {
    await signOut();
    showNotice('The wallet switched accounts: connect again to sign in as the new one.');
    showSignedIn();
    render();
  }
});

window.addEventListener('deeploy:signed-out', () => {
  showNotice('Your session has ended: connect your wallet to sign in again.');
  showSignedIn();
  render();
});

window.addEventListener('hashchange', render);

(async () => {
  try {
    const info = await platformInfo();
    document.querySelector('[data-test=billing]').textContent = info.billing === 'escrow'
      ? `paid in escrow on chain ${info.chain ? info.chain.chainId : '(escrow service unavailable)'}`
      : 'development mode: nothing is charged';
  } catch (e) {
    showNotice(errorText(e));
  }
  restoreSession();
  showSignedIn();
  render();
})();
