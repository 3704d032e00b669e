import { get, post, platformInfo, followLog } from '../api.js';
import { signTransactions } from '../payment.js';
import { versionsPanel } from './versions.js';
import { editForm } from './edit.js';
import { h, mount, errorBox, errorText, formatUnits, when, duration } from '../ui.js';

const LIVE = new Set(['AWAITING_FUNDS', 'REQUESTED', 'SCHEDULED', 'BUILDING', 'RUNNING', 'REDEPLOYING', 'FAILED']);
const REFRESH_MS = 2000;

/** A log pane that follows one source of the job's output while the page is open. */
function logPane(jobId, source) {
  const pre = h('pre.log', { test: `log-${source}` });
  const status = h('span.muted', 'connecting…');
  let controller = null;
  let stopped = false;
  let lastSeq = 0;
  const follow = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        status.textContent = 'live';
        await followLog(jobId, source, (line) => {
          if (line.seq <= lastSeq) {
            return;
          }
          lastSeq = line.seq;
          pre.append(`${new Date(line.at).toLocaleTimeString()} ${line.text}\n`);
          if (pre.childNodes.length > 2000) {
            pre.firstChild.remove();
          }
          pre.scrollTop = pre.scrollHeight;
        }, controller.signal);
        status.textContent = 'the job has stopped';
        return;
      } catch (e) {
        if (stopped) {
          return;
        }
        status.textContent = errorText(e) + ' (retrying)';
        await new Promise((r) => setTimeout(r, 3000));
      }
    }
  };
  follow();
  return {
    element: h('div.logpane', h('h3', source === 'build' ? 'Build log ' : 'App log ', status), pre),
    stop() { stopped = true; if (controller) controller.abort(); },
  };
}

export async function jobView(root, jobId) {
  const info = await platformInfo();
  const escrow = info.billing === 'escrow';
  const summary = h('div', { test: 'job-summary' });
  const timeline = h('ol.timeline', { test: 'timeline' });
  const actions = h('div.actions', { test: 'actions' });
  const outcome = h('div', { test: 'action-result' });
  const logs = [logPane(jobId, 'build'), logPane(jobId, 'app')];
  let timer = null;
  let job = null;

  const act = (label, test, run) => h('button', {
    test,
    onclick: async (event) => {
      const button = event.target;
      button.disabled = true;
      outcome.replaceChildren();
      try {
        await run(outcome);
        await refresh();
      } catch (e) {
        outcome.replaceChildren(errorBox(e));
      } finally {
        button.disabled = false;
      }
    },
  }, label);

  const extendEpochs = h('input', { test: 'extend-epochs', value: '1', size: 4 });
  const nodeCount = h('input', { test: 'scale-nodes', value: '1', size: 3 });
  const versions = versionsPanel(jobId, act);
  const editor = h('div', { test: 'editor' });
  const renderActions = () => {
    const live = LIVE.has(job.state);
    actions.replaceChildren(...[
      job.state === 'AWAITING_FUNDS' && job.payment ? act('Pay now', 'pay', async (out) => {
        const progress = h('ol.progress');
        out.replaceChildren(progress);
        await signTransactions(job.payment.transactions, progress);
      }) : null,
      live && job.state !== 'AWAITING_FUNDS' ? act('Redeploy', 'redeploy', async (out) => {
        await post(`/api/jobs/${jobId}/redeploy`);
        out.replaceChildren(h('p', 'A new revision is on its way: built again from the branch head.'));
      }) : null,
      live && job.state !== 'AWAITING_FUNDS' ? act('Restart', 'restart', async (out) => {
        await post(`/api/jobs/${jobId}/restart`);
        out.replaceChildren(h('p', 'Fresh containers are on their way.'));
      }) : null,
      live && job.state !== 'AWAITING_FUNDS' ? act('Edit', 'edit', async () => {
        editor.replaceChildren(h('h3', 'Edit'), editForm(job, () => editor.replaceChildren(h('p', 'Saved: a new revision deploys.'))));
      }) : null,
      live && job.state !== 'AWAITING_FUNDS' ? h('span.inline', 'Nodes ', nodeCount, ' ',
        act('Scale', 'scale', async (out) => {
          const answer = await post(`/api/jobs/${jobId}/nodes`, { targetNodeCount: Number(nodeCount.value) });
          if (answer && answer.transactions) {
            const progress = h('ol.progress');
            out.replaceChildren(h('p', `Buying the nodes: ${formatUnits(answer.amount)} dUSD from epoch ${answer.fromEpoch}.`), progress);
            await signTransactions(answer.transactions, progress);
            out.append(h('p', 'Paid: the job grows once the chain confirms it.'));
          } else {
            out.replaceChildren(h('p', 'Scaling.'));
          }
        })) : null,
      live && job.state !== 'AWAITING_FUNDS' ? h('span.inline', 'Extend by ', extendEpochs, ' epochs ',
        act('Extend', 'extend', async (out) => {
          const answer = await post(`/api/jobs/${jobId}/extend`, { epochs: Number(extendEpochs.value) });
          if (answer && answer.transactions) {
            const progress = h('ol.progress');
            out.replaceChildren(h('p', `Paying ${formatUnits(answer.amount)} dUSD for the extension.`), progress);
            await signTransactions(answer.transactions, progress);
            out.append(h('p', 'Paid: the job\'s end moves once the chain confirms it.'));
          } else {
            out.replaceChildren(h('p', 'Extended.'));
          }
        })) : null,
      live ? act('Push webhook', 'webhook', async (out) => {
        const hook = await post(`/api/jobs/${jobId}/webhook`);
        out.replaceChildren(h('div.secret', { test: 'webhook' },
          h('p', 'Add this webhook to your repository (push events). The secret is shown this once.'),
          h('p', 'URL: ', h('code', { test: 'webhook-url' }, new URL(hook.url, location.origin).href)),
          h('p', 'Secret: ', h('code', { test: 'webhook-secret' }, hook.secret))));
      }) : null,
      live ? act('Stop', 'stop', async (out) => {
        if (!window.confirm(`Stop ${job.alias}? ${escrow ? 'Its chain job is closed and what it has not used is refunded.' : ''}`)) {
          return;
        }
        await post(`/api/jobs/${jobId}/stop`);
        out.replaceChildren(h('p', 'Stopping.'));
      }) : null].filter(Boolean));
  };

  const renderSummary = () => {
    const spend = job.spend;
    const rows = [
      ['State', h('span', { class: `state ${job.state}`, test: 'state' }, job.state)],
      ['URL', job.url ? h('a', { href: job.url, target: '_blank', rel: 'noopener', test: 'url' }, job.url) : '–'],
      ['Nodes', h('span', { test: 'nodes' }, job.nodes && job.nodes.length ? job.nodes.join(', ') : '–')],
      ['Commit', h('code', { test: 'commit' }, job.runningCommit || '–')],
      ['Revision', h('span', { test: 'revision' }, `${job.spec ? job.spec.revision : '–'} (running ${job.runningRevision ?? '–'})`)],
      ['Paid until', !job.paidUntil ? '–' : LIVE.has(job.state)
        ? `${when(job.paidUntil)} (${duration(job.secondsLeft)} left)${job.expiringSoon ? ', expiring soon: extend it' : ''}`
        : when(job.paidUntil)],
    ];
    if (escrow) {
      rows.push(['Payment', job.payment ? `${job.payment.amountFormatted} dUSD to pay` : (spend ? 'paid' : '–')]);
      if (spend) {
        rows.push(['Spend', h('span', { test: 'spend' }, `locked ${formatUnits(spend.locked)}, paid to operators ${formatUnits(spend.paid)}, `
          + `refunded ${formatUnits(spend.refunded)}, remaining ${formatUnits(spend.remaining)} dUSD`
          + ` (${spend.epochsSettled} epochs settled, ${spend.nodes ?? '?'} nodes paid for)`)]);
      }
    }
    if (job.lastError) {
      rows.push(['Last error', h('span.error-inline', { test: 'last-error' }, job.lastError)]);
    }
    summary.replaceChildren(h('h1', { test: 'job-alias' }, job.alias, h('span.muted', ` ${job.kind}`)),
      h('table.facts', rows.map(([k, v]) => h('tr', h('th', k), h('td', v)))));
    timeline.replaceChildren(...(job.history || []).map((t) => h('li', { test: 'transition' },
      h('span.when', when(t.at)), ' ', h('b', t.to), t.reason ? h('span.muted', ` ${t.reason}`) : null)));
  };

  async function refresh() {
    try {
      const first = job === null;
      job = await get(`/api/jobs/${encodeURIComponent(jobId)}`);
      if (first) {
        nodeCount.value = String((job.nodes && job.nodes.length) || 1);
      }
      renderSummary();
      renderActions();
      await versions.refresh(job);
    } catch (e) {
      summary.replaceChildren(errorBox(e));
    }
  }

  mount(root, h('section.card', summary, actions, outcome, editor,
    h('p', h('a', { href: '#/' }, 'Projects'))),
  h('section.card', h('h2', 'Logs'), h('div.logs', logs.map((l) => l.element))),
  h('section.card', h('h2', 'Versions'), versions.element),
  h('section.card', h('h2', 'Timeline'), timeline));
  await refresh();
  if (job && job.projectId) {
    root.querySelector('a[href="#/"]').replaceWith(h('a', { href: `#/projects/${job.projectId}` }, 'Back to the project'));
  }
  const tick = async () => {
    await refresh();
    timer = setTimeout(tick, REFRESH_MS);
  };
  timer = setTimeout(tick, REFRESH_MS);
  return () => {
    clearTimeout(timer);
    logs.forEach((l) => l.stop());
  };
}
