import { patch } from '../api.js';
import { h, errorBox } from '../ui.js';

// What an edit may change of a live job (PATCH /api/jobs/{id}); the API checks each as at creation and names the field
// at fault. The form starts from the running spec and sends only what changed.

const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);

function envOf(text) {
  const env = {};
  for (const line of lines(text)) {
    const at = line.indexOf('=');
    if (at <= 0) {
      throw Object.assign(new Error(`env: "${line}" is not NAME=value`), { field: 'env' });
    }
    env[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return env;
}

export function editForm(job, onDone) {
  const spec = job.spec;
  const input = (name, value) => h('input', { name, test: `edit-${name}`, value: value ?? '' });
  const image = input('image', spec.image);
  const branch = input('branch', spec.vcs ? spec.vcs.branch : '');
  const commands = h('textarea', { name: 'commands', test: 'edit-commands', rows: 3 });
  commands.value = (spec.commands || []).join('\n');
  const env = h('textarea', { name: 'env', test: 'edit-env', rows: 3 });
  env.value = Object.entries(spec.env || {}).map(([k, v]) => `${k}=${v}`).join('\n');
  const port = input('port', spec.port);
  const cpu = input('cpu', spec.resources ? spec.resources.cpuMillis / 1000 : '');
  const memory = input('memoryMb', spec.resources ? spec.resources.memoryMb : '');
  const label = (text, el) => h('label.field', h('span.label', text), el);
  const problem = h('div', { test: 'edit-error' });

  const form = h('form.wizard', {
    test: 'edit-form',
    onsubmit: async (event) => {
      event.preventDefault();
      problem.replaceChildren();
      try {
        await save();
      } catch (e) {
        problem.replaceChildren(errorBox(e));
      }
    },
  },
  h('div.row', label('Image', image), spec.vcs ? label('Branch', branch) : null, label('Port', port)),
  label('Commands', commands), label('Environment (NAME=value per line)', env),
  h('div.row', label('CPU (cores)', cpu), label('Memory (MiB)', memory)),
  problem,
  h('p', h('button.primary', { type: 'submit', test: 'edit-save' }, 'Save as a new revision')));

  async function save() {
    const change = {};
    if (image.value.trim() !== (spec.image || '')) change.image = image.value.trim();
    if (spec.vcs && branch.value.trim() !== spec.vcs.branch) change.branch = branch.value.trim();
    if (lines(commands.value).join('\n') !== (spec.commands || []).join('\n')) change.commands = lines(commands.value);
    const newEnv = envOf(env.value);
    if (JSON.stringify(newEnv) !== JSON.stringify(spec.env || {})) change.env = newEnv;
    if (Number(port.value) !== spec.port) change.port = Number(port.value);
    const resources = {};
    if (spec.resources && Number(cpu.value) * 1000 !== spec.resources.cpuMillis) resources.cpu = Number(cpu.value);
    if (spec.resources && Number(memory.value) !== spec.resources.memoryMb) resources.memoryMb = Number(memory.value);
    if (Object.keys(resources).length) change.resources = resources;
    if (!Object.keys(change).length) {
      throw new Error('Nothing changed.');
    }
    await patch(`/api/jobs/${job.id}`, change);
    onDone();
  }
  return form;
}
