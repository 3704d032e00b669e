import { get, post } from '../api.js';
import { h, mount, errorBox, when } from '../ui.js';

/** The signed-in wallet's projects, and a new one. */
export async function projectsView(root) {
  const list = h('ul.list', { test: 'projects' });
  const failure = h('div');
  const name = h('input', { name: 'name', placeholder: 'my-site', test: 'project-name', required: true });
  const form = h('form.inline', {
    test: 'new-project',
    onsubmit: async (event) => {
      event.preventDefault();
      failure.replaceChildren();
      try {
        const project = await post('/api/projects', { name: name.value.trim() });
        location.hash = `#/projects/${project.id}`;
      } catch (e) {
        failure.replaceChildren(errorBox(e));
      }
    },
  }, name, h('button.primary', { type: 'submit' }, 'Create project'));
  mount(root, h('section.card', h('h1', 'Projects'), list, h('h2', 'New project'), form, failure));
  try {
    const projects = await get('/api/projects');
    list.replaceChildren(...(projects.length ? projects.map((p) => h('li',
      h('a', { href: `#/projects/${p.id}`, test: 'project-link' }, p.name), h('span.muted', ` created ${when(p.createdAt)}`)))
      : [h('li.muted', 'No project yet: create one to deploy your first job.')]));
  } catch (e) {
    list.replaceChildren(errorBox(e));
  }
}
