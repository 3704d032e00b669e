// A few DOM helpers: the console is small enough to need no framework.
import { messageFor } from './errors.js';

/** h('div.class', {attrs}, ...children): an element; strings become text (never HTML). */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name);
  if (classes.length) {
    el.className = classes.join(' ');
  }
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key.startsWith('on')) {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'test') {
      el.dataset.test = value;
    } else if (key in el && typeof value !== 'string') {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : value);
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined && child !== false) {
      el.append(child instanceof Node ? child : String(child));
    }
  }
  return el;
}

export function mount(root, ...children) {
  root.replaceChildren(...children.flat().filter(Boolean));
}

/** An error as the user reads it: the API's code explained, and the field it names. */
export function errorText(error) {
  if (error && error.status !== undefined) {
    return messageFor(error.body, error.status);
  }
  if (error && error.code === 4001) {
    return 'You declined the request in your wallet.';
  }
  return error && error.message ? error.message : String(error);
}

export function errorBox(error) {
  return h('div.error', { test: 'error', role: 'alert' }, errorText(error));
}

/** Token base units as a decimal amount. */
export function formatUnits(value, decimals = 6) {
  if (value === null || value === undefined) {
    return '–';
  }
  const v = BigInt(value);
  const scale = 10n ** BigInt(decimals);
  const fraction = (v % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
  return (v / scale).toString() + (fraction ? '.' + fraction : '');
}

export function when(instant) {
  return instant ? new Date(instant).toLocaleString() : '–';
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) {
    return '–';
  }
  const s = Math.max(0, Number(seconds));
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  return (d ? `${d}d ` : '') + (d || hh ? `${hh}h ` : '') + `${mm}m ${Math.floor(s % 60)}s`;
}
