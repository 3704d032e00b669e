import { platformInfo, post, publicGet } from '../api.js';
import { signTransactions } from '../payment.js';
import { h, mount, errorBox, errorText, formatUnits, duration } from '../ui.js';

// Every field of the API's job request (POST /api/projects/{id}/jobs). The API checks them all and names the first bad
// field; the wizard checks only what it must to build the request (numbers, KEY=value lines) and shows the API's
// answer at the field it names, so the rules stay written once, in project-svc.

const field = (name, label, input, hint) => h('label.field', { 'data-field': name },
  h('span.label', label), input, hint ? h('span.hint', hint) : null, h('span.field-error'));

const text = (name, attrs = {}) => h('input', { name, test: name, ...attrs });
const number = (name, attrs = {}) => h('input', { name, test: name, inputmode: 'decimal', ...attrs });
const area = (name, attrs = {}) => h('textarea', { name, test: name, rows: 3, ...attrs });
const select = (name, options, value) => h('select', { name, test: name },
  options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));

class FormError extends Error {
  constructor(fieldName, message) {
    super(message);
    this.field = fieldName;
  }
}

function num(form, name, apiField, { integer = false } = {}) {
  const raw = form.elements[name].value.trim();
  if (raw === '') {
    return null;
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new FormError(apiField || name, integer ? 'must be a whole number' : 'must be a number');
  }
  return value;
}

const str = (form, name) => form.elements[name].value.trim() || null;
const lines = (form, name) => form.elements[name].value.split('\n').map((l) => l.trim()).filter(Boolean);

function pairs(form, name, separator = '=') {
  const result = {};
  for (const [i, line] of lines(form, name).entries()) {
    const at = line.indexOf(separator);
    if (at <= 0) {
      throw new FormError(name, `line ${i + 1} is not NAME${separator}value`);
    }
    result[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return Object.keys(result).length ? result : null;
}

/** The request the API takes, from the form; absent fields are left out so the API's defaults apply. */
function jobRequest(form, fileBlocks) {
  const kind = form.elements.kind.value;
  const request = {
    alias: str(form, 'alias'),
    kind,
    image: str(form, 'image'),
    commands: lines(form, 'commands'),
    env: pairs(form, 'env'),
    secretEnv: pairs(form, 'secretEnv'),
    port: num(form, 'port', 'port', { integer: true }),
    resources: {
      cpu: num(form, 'cpu', 'resources.cpu'),
      memoryMb: num(form, 'memoryMb', 'resources.memoryMb', { integer: true }),
      gpu: num(form, 'gpu', 'resources.gpu', { integer: true }),
    },
    restartPolicy: form.elements.restartPolicy.value,
    durationEpochs: num(form, 'durationEpochs', 'durationEpochs', { integer: true }),
    nodeTags: lines(form, 'nodeTags'),
    egress: form.elements.egress.value,
    jobType: num(form, 'jobType', 'jobType', { integer: true }),
  };
  if (kind === 'WAR') {
    request.repository = {
      url: str(form, 'repositoryUrl'), branch: str(form, 'branch'), username: str(form, 'repositoryUsername'),
      token: str(form, 'repositoryToken'), pollIntervalSeconds: num(form, 'pollIntervalSeconds', 'repository.pollIntervalSeconds', { integer: true }),
    };
  }
  const mode = form.elements.healthMode.value;
  if (mode) {
    request.healthCheck = {
      mode, path: str(form, 'healthPath'),
      initialDelaySeconds: num(form, 'initialDelaySeconds', 'healthCheck.initialDelaySeconds', { integer: true }),
      timeoutSeconds: num(form, 'timeoutSeconds', 'healthCheck.timeoutSeconds', { integer: true }),
      intervalSeconds: num(form, 'intervalSeconds', 'healthCheck.intervalSeconds', { integer: true }),
    };
  }
  if (form.elements.placement.value === 'named') {
    request.targetNodes = [...form.querySelectorAll('input[name=node]:checked')].map((c) => c.value);
  } else {
    request.targetNodeCount = num(form, 'targetNodeCount', 'targetNodeCount', { integer: true });
  }
  const volumes = pairs(form, 'volumes', ':');
  if (volumes) {
    request.volumes = Object.entries(volumes).map(([name, mountPath]) => ({ name, mountPath }));
  }
  const files = fileBlocks.map((b) => ({ name: b.name.value.trim(), mountPath: b.mountPath.value.trim(), content: b.content.value }))
    .filter((f) => f.name || f.mountPath || f.content);
  if (files.length) {
    request.fileVolumes = files;
  }
  if (form.elements.tunnelEngine.value !== 'builtin' || str(form, 'tunnelToken') || str(form, 'tunnelHostname')) {
    request.tunnel = { engine: form.elements.tunnelEngine.value, token: str(form, 'tunnelToken'), hostname: str(form, 'tunnelHostname') };
  }
  if (str(form, 'registryServer') || str(form, 'registryUsername') || str(form, 'registryPassword')) {
    request.registry = { server: str(form, 'registryServer'), username: str(form, 'registryUsername'), password: str(form, 'registryPassword') };
  }
  return prune(request);
}

function prune(value) {
  if (Array.isArray(value)) {
    return value.length ? value : null;
  }
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      const p = prune(v);
      if (p !== null && p !== undefined) {
        out[k] = p;
      }
    }
    return Object.keys(out).length ? out : null;
  }
  return value;
}

/** What the draft shows: the request with its secret values hidden. */
function withoutSecrets(request) {
  const shown = structuredClone(request);
  const hide = (obj, key) => { if (obj && obj[key]) obj[key] = '••••••'; };
  hide(shown.repository, 'token');
  hide(shown.tunnel, 'token');
  hide(shown.registry, 'password');
  if (shown.secretEnv) {
    shown.secretEnv = Object.fromEntries(Object.keys(shown.secretEnv).map((k) => [k, '••••••']));
  }
  return shown;
}

function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

export async function wizardView(root, projectId) {
  const info = await platformInfo();
  const escrow = info.billing === 'escrow';
  const cost = h('div.cost', { test: 'cost' }, escrow ? 'Fill in resources, nodes and duration to see the cost.' : '');
  const nodeList = h('div.nodes', { test: 'node-list' });
  const fileBlocks = [];
  const filesBox = h('div.files');
  const addFile = () => {
    const block = { name: text(`fileName${fileBlocks.length}`, { placeholder: 'config' }),
      mountPath: text(`fileMount${fileBlocks.length}`, { placeholder: '/etc/app/config.json' }),
      content: area(`fileContent${fileBlocks.length}`, { placeholder: 'file content' }) };
    fileBlocks.push(block);
    const i = fileBlocks.length - 1;
    filesBox.append(h('div.file', field(`fileVolumes[${i}].name`, 'File name', block.name),
      field(`fileVolumes[${i}].mountPath`, 'Mounted at', block.mountPath), field(`fileVolumes[${i}].content`, 'Content', block.content)));
  };
  const failure = h('div', { test: 'wizard-error' });
  const draft = h('section.card.draft', { test: 'draft', hidden: true });

  const form = h('form.wizard', { test: 'wizard', novalidate: true },
    h('fieldset', h('legend', '1. The job'),
      field('kind', 'Kind', select('kind', [['WAR', 'WAR: build and run a Git repository'], ['CAR', 'CAR: run a container image']], 'WAR')),
      field('alias', 'Alias', text('alias', { placeholder: 'hello' }), 'a DNS label: your app is served at <alias>.apps…')),
    h('fieldset', h('legend', '2. What runs'),
      field('image', 'Image', text('image', { placeholder: 'local/python:bookworm' }), 'WAR: the base image the repository is built in; CAR: the app image'),
      h('div.war',
        field('repository.url', 'Repository URL', text('repositoryUrl', { placeholder: 'https://github.com/me/site.git' })),
        field('repository.branch', 'Branch', text('branch', { placeholder: 'main' })),
        field('repository.username', 'Username (private repository)', text('repositoryUsername')),
        field('repository.token', 'Token (private repository; stored encrypted, never shown again)', text('repositoryToken', { type: 'password', autocomplete: 'off' })),
        field('repository.pollIntervalSeconds', 'Poll the branch every (s)', number('pollIntervalSeconds', { placeholder: '60' }))),
      field('commands', 'Commands', area('commands', { placeholder: 'pip install -r requirements.txt\npython3 -m http.server 8000' }), 'one per line: the build steps, then the command that runs the app'),
      field('port', 'Port', number('port', { placeholder: '8000' }), 'where the app listens'),
      h('div.row',
        field('registry.server', 'Private registry', text('registryServer', { placeholder: 'registry.example.com' })),
        field('registry.username', 'Registry user', text('registryUsername')),
        field('registry.password', 'Registry password', text('registryPassword', { type: 'password', autocomplete: 'off' })))),
    h('fieldset', h('legend', '3. Resources and nodes'),
      h('div.row',
        field('resources.cpu', 'CPU (cores)', number('cpu', { value: '0.25' })),
        field('resources.memoryMb', 'Memory (MiB)', number('memoryMb', { value: '128' })),
        field('resources.gpu', 'GPUs', number('gpu', { placeholder: '0' }))),
      field('placement', 'Placement', select('placement', [['count', 'Any nodes that fit'], ['named', 'The nodes I choose']], 'count')),
      field('targetNodeCount', 'Number of nodes', number('targetNodeCount', { value: '1' })),
      field('nodeTags', 'Node tag filters', area('nodeTags', { rows: 2, placeholder: 'CT:FR||CT:IT' }), 'one expression per line, all must match; the list below shows the nodes that do'),
      field('targetNodes', 'Nodes', nodeList)),
    h('fieldset', h('legend', '4. Duration and cost'),
      h('div.row',
        field('durationEpochs', 'Duration (epochs)', number('durationEpochs', { value: '30' })),
        field('jobType', 'Job type (optional)', number('jobType', { placeholder: 'cheapest that fits' }))),
      cost),
    h('fieldset', h('legend', '5. Running it'),
      field('env', 'Environment', area('env', { placeholder: 'NAME=value' }), 'one NAME=value per line'),
      field('secretEnv', 'Secret environment', area('secretEnv', { placeholder: 'API_KEY=…' }), 'stored encrypted, never shown again'),
      h('div.row',
        field('restartPolicy', 'Restart policy', select('restartPolicy', [['always', 'always'], ['on-failure', 'on failure'], ['unless-stopped', 'unless stopped'], ['no', 'never']], 'always')),
        field('egress', 'Outgoing connections', select('egress', [['internet', 'the internet only'], ['none', 'none'], ['all', 'all, private ranges too (if allowed)']], 'internet'))),
      h('div.row',
        field('healthCheck.mode', 'Health check', select('healthMode', [['', 'default'], ['http', 'HTTP'], ['tcp', 'TCP'], ['none', 'none']], '')),
        field('healthCheck.path', 'Path', text('healthPath', { placeholder: '/' })),
        field('healthCheck.initialDelaySeconds', 'Initial delay (s)', number('initialDelaySeconds')),
        field('healthCheck.timeoutSeconds', 'Start timeout (s)', number('timeoutSeconds')),
        field('healthCheck.intervalSeconds', 'Interval (s)', number('intervalSeconds'))),
      field('volumes', 'Volumes', area('volumes', { rows: 2, placeholder: 'data:/var/lib/app' }), 'one name:/mount/path per line: kept across redeploys'),
      h('div.field', h('span.label', 'Files'), filesBox, h('button', { type: 'button', test: 'add-file', onclick: addFile }, 'Add a file')),
      h('div.row',
        field('tunnel.engine', 'Public URL', select('tunnelEngine', [['builtin', 'built-in ingress'], ['cloudflare', 'Cloudflare tunnel'], ['ngrok', 'ngrok']], 'builtin')),
        field('tunnel.token', 'Tunnel token', text('tunnelToken', { type: 'password', autocomplete: 'off' })),
        field('tunnel.hostname', 'Tunnel hostname', text('tunnelHostname')))),
    failure,
    h('p', h('button.primary', { type: 'submit', test: 'review' }, 'Review the draft'), ' ',
      h('a', { href: `#/projects/${projectId}` }, 'Cancel')));

  const clearErrors = () => {
    form.querySelectorAll('.field.invalid').forEach((f) => { f.classList.remove('invalid'); f.querySelector('.field-error').textContent = ''; });
    failure.replaceChildren();
  };
  const showFieldError = (apiField, message) => {
    const at = [...form.querySelectorAll('[data-field]')];
    const target = at.find((f) => f.dataset.field === apiField)
      || at.find((f) => apiField && apiField.startsWith(f.dataset.field.replace(/\[\d+\].*$/, '')))
      || null;
    if (target) {
      target.classList.add('invalid');
      target.querySelector('.field-error').textContent = message;
      target.scrollIntoView({ block: 'center' });
    }
    failure.replaceChildren(errorBox({ message: apiField ? `${apiField}: ${message}` : message }));
  };

  const syncKind = () => {
    form.querySelector('.war').hidden = form.elements.kind.value !== 'WAR';
    const named = form.elements.placement.value === 'named';
    form.querySelector('[data-field=targetNodeCount]').hidden = named;
  };

  const refreshNodes = debounce(async () => {
    const tags = lines(form, 'nodeTags');
    const checked = new Set([...form.querySelectorAll('input[name=node]:checked')].map((c) => c.value));
    try {
      const nodes = await publicGet('/api/platform/nodes' + (tags.length ? '?' + tags.map((t) => 'tag=' + encodeURIComponent(t)).join('&') : ''));
      nodeList.replaceChildren(...(nodes.length ? nodes.map((n) => h('label.node', { test: 'node' },
        h('input', { type: 'checkbox', name: 'node', value: n.id, checked: checked.has(n.id), onchange: refreshCost }),
        h('b', n.id), ` ${n.state}${n.status && n.status !== 'ACTIVE' ? ' ' + n.status : ''}`,
        h('span.muted', ` free ${n.free ? `${n.free.cpuMillis / 1000} CPU, ${n.free.memoryMb} MiB` : '?'}`),
        h('span.tags', Object.entries(n.tags || {}).map(([k, v]) => h('code', `${k}:${v}`)))))
        : [h('span.muted', 'No node matches these filters.')]));
    } catch (e) {
      nodeList.replaceChildren(h('span.muted', errorText(e)));
    }
  }, 300);

  const nodeCount = () => (form.elements.placement.value === 'named'
    ? form.querySelectorAll('input[name=node]:checked').length : Number(form.elements.targetNodeCount.value || 1));

  const refreshCost = debounce(async () => {
    const epochs = form.elements.durationEpochs.value.trim() || '1';
    if (!escrow) {
      cost.textContent = `Development mode: nothing is charged. ${epochs} epochs of ${duration(info.unpaidEpochLengthSeconds)}.`;
      return;
    }
    const q = new URLSearchParams({ nodes: String(nodeCount() || 1), epochs });
    for (const [param, name] of [['cpu', 'cpu'], ['memoryMb', 'memoryMb'], ['jobType', 'jobType']]) {
      if (form.elements[name].value.trim()) {
        q.set(param, form.elements[name].value.trim());
      }
    }
    try {
      const quote = await publicGet('/api/platform/estimate?' + q);
      cost.replaceChildren(h('b', { test: 'cost-amount' }, `${quote.amountFormatted} dUSD`),
        ` for ${quote.nodes} node${quote.nodes === 1 ? '' : 's'} × ${quote.epochs} epochs of job type ${quote.jobType}`
        + (info.chain && info.chain.epochLengthSeconds ? ` (an epoch is ${duration(info.chain.epochLengthSeconds)})` : ''));
    } catch (e) {
      cost.replaceChildren(h('span.error-inline', errorText(e)));
    }
  }, 300);

  form.addEventListener('input', (event) => {
    syncKind();
    if (event.target.name === 'nodeTags') {
      refreshNodes();
    }
    refreshCost();
  });
  form.addEventListener('change', () => { syncKind(); refreshCost(); });

  let request = null;
  let idempotencyKey = null;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearErrors();
    try {
      request = jobRequest(form, fileBlocks);
    } catch (e) {
      if (e instanceof FormError) {
        showFieldError(e.field, e.message);
        return;
      }
      throw e;
    }
    // One key per draft: sending it again (after a failed payment, say) finds the job made the first time.
    idempotencyKey = crypto.randomUUID();
    draft.hidden = false;
    draft.replaceChildren(h('h2', 'Draft'),
      h('pre', { test: 'draft-json' }, JSON.stringify(withoutSecrets(request), null, 2)),
      cost.cloneNode(true),
      h('ol.progress', { test: 'progress' }),
      h('div', { test: 'deploy-error' }),
      h('p', h('button.primary', { test: 'deploy', onclick: deploy }, escrow ? 'Pay & Deploy' : 'Deploy'), ' ',
        h('button', { onclick: () => { draft.hidden = true; } }, 'Edit')));
    draft.scrollIntoView();
  });

  async function deploy(event) {
    const button = event.target;
    const progress = draft.querySelector('[data-test=progress]');
    const problem = draft.querySelector('[data-test=deploy-error]');
    button.disabled = true;
    problem.replaceChildren();
    try {
      progress.append(h('li', { test: 'step' }, 'Creating the job…'));
      const job = await post(`/api/projects/${encodeURIComponent(projectId)}/jobs`, request, { idempotencyKey });
      progress.lastChild.textContent = `Job ${job.alias} created (${job.state}).`;
      if (escrow) {
        if (!job.payment) {
          throw new Error('The escrow service gave no payment for this job yet: pay it from the job page.');
        }
        progress.append(h('li', `Paying ${job.payment.amountFormatted} dUSD: approve the escrow, then create the chain job.`));
        await signTransactions(job.payment.transactions, progress);
      }
      location.hash = `#/jobs/${job.id}`;
    } catch (e) {
      button.disabled = false;
      if (e.status === 400 && e.field) {
        draft.hidden = true;
        showFieldError(e.field, errorText(e));
      } else {
        problem.replaceChildren(errorBox(e));
      }
    }
  }

  mount(root, h('section.card', h('h1', 'New job'), form), draft);
  addFile();
  syncKind();
  refreshNodes();
  refreshCost();
}
