import { get } from '../api.js';
import { h, mount, errorBox, when } from '../ui.js';

/** A project's jobs, newest last as the API pages them, and the way to a new one. */
export async function projectView(root, projectId) {
  const jobs = h('table.jobs', { test: 'jobs' });
  const title = h('h1', 'Project');
  mount(root, h('section.card', title,
    h('p', h('a.button.primary', { href: `#/projects/${projectId}/new`, test: 'new-job' }, 'New job'),
      ' ', h('a', { href: '#/' }, 'All projects')),
    jobs));
  try {
    const project = await get(`/api/projects/${encodeURIComponent(projectId)}`);
    title.textContent = project.name;
    const page = await get(`/api/projects/${encodeURIComponent(projectId)}/jobs?limit=500`);
    jobs.replaceChildren(h('tr', h('th', 'Alias'), h('th', 'Kind'), h('th', 'State'), h('th', 'URL'), h('th', 'Created')),
      ...page.map((job) => h('tr',
        h('td', h('a', { href: `#/jobs/${job.id}`, test: 'job-link' }, job.alias)),
        h('td', job.kind), h('td', h('span', { class: `state ${job.state}` }, job.state)),
        h('td', job.url ? h('a', { href: job.url, target: '_blank', rel: 'noopener' }, job.url) : '–'),
        h('td', when(job.createdAt)))));
    if (!page.length) {
      jobs.replaceChildren(h('tr', h('td.muted', 'No job yet.')));
    }
  } catch (e) {
    jobs.replaceChildren(errorBox(e));
  }
}
