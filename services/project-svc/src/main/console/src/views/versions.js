import { get, post } from '../api.js';
import { h, when } from '../ui.js';

/**
 * A job's revisions and what served (GET /api/jobs/{id}/versions), each with the rollback the API offers: to a revision's
 * spec, or to a commit that served (which pauses auto-deploy until resumed).
 */
export function versionsPanel(jobId, act) {
  const list = h('div', { test: 'versions' });
  let shown = null;

  async function refresh(job) {
    const key = `${job.spec ? job.spec.revision : ''}/${job.runningRevision}/${job.runningCommit}/${job.state}`;
    if (key === shown) {
      return;
    }
    shown = key;
    const versions = await get(`/api/jobs/${encodeURIComponent(jobId)}/versions`);
    const live = !['STOPPING', 'STOPPED', 'AWAITING_FUNDS'].includes(job.state);
    const paused = job.spec && job.spec.vcs && job.spec.vcs.commit;
    list.replaceChildren(...[
      paused && live ? h('p', `Pinned to ${job.spec.vcs.commit}: pushes to ${job.spec.vcs.branch} are not deployed. `,
        act('Resume following the branch', 'resume', async (out) => {
          await post(`/api/jobs/${jobId}/resume`);
          out.replaceChildren(h('p', 'Following the branch again.'));
        })) : null,
      h('h3', 'Served'),
      h('table.facts', versions.served.map((s) => h('tr', { test: 'served' },
        h('td', h('code', s.version)), h('td', `revision ${s.revision}, first served ${when(s.firstServedAt)}`),
        h('td', live && job.kind === 'WAR' && s.version !== job.runningCommit
          ? act('Roll back to this commit', 'rollback-commit', async (out) => {
            await post(`/api/jobs/${jobId}/rollback`, { commit: s.version });
            out.replaceChildren(h('p', `Rolling back to ${s.version}.`));
          }) : null)))),
      h('h3', 'Revisions'),
      h('table.facts', versions.revisions.map((r) => h('tr', { test: 'revision-row' },
        h('td', `#${r.revision}`), h('td', `${r.reason || ''} (${when(r.createdAt)})`),
        h('td', live && r.revision !== versions.revision
          ? act('Roll back to this revision', 'rollback-revision', async (out) => {
            await post(`/api/jobs/${jobId}/rollback`, { revision: r.revision });
            out.replaceChildren(h('p', `Rolling back to revision ${r.revision}.`));
          }) : null)))),
    ].filter(Boolean));
  }

  return { element: list, refresh };
}
