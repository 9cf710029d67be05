/** One row of the list: a checkbox to select it, its title as the button that opens it, the snippet, its labels. */
import type { Hit } from './api.js';
import { el, formatDate } from './dom.js';
import { highlighted } from './highlight.js';

export interface RowActions {
  open(id: string): void;
  select(id: string, selected: boolean): void;
}

export function memoryRow(
  hit: Hit,
  terms: readonly string[],
  selected: boolean,
  actions: RowActions,
): HTMLLIElement {
  const name = hit.title || hit.snippet || hit.id;
  const checkbox = el('input', {
    attrs: { type: 'checkbox', 'aria-label': `Select “${name.slice(0, 80)}”` },
    on: { change: (event) => actions.select(hit.id, (event.target as HTMLInputElement).checked) },
  });
  checkbox.checked = selected;
  const title = el(
    'button',
    { class: 'open', attrs: { type: 'button' }, on: { click: () => actions.open(hit.id) } },
    highlighted(hit.title || '(untitled)', terms),
  );
  const labels = el('p', { class: 'labels' });
  if (hit.scope !== null) labels.append(el('span', { class: 'chip scope' }, `scope ${hit.scope}`));
  for (const tag of hit.tags) labels.append(el('span', { class: 'chip' }, tag));
  if (hit.importance !== null) labels.append(el('span', { class: 'meta' }, `importance ${hit.importance}`));
  if (hit.source) labels.append(el('span', { class: 'meta' }, hit.source));
  labels.append(
    el(
      'time',
      { class: 'meta', attrs: { datetime: hit.updated_at } },
      `updated ${formatDate(hit.updated_at)}`,
    ),
  );
  return el(
    'li',
    { class: 'item', attrs: { 'data-id': hit.id } },
    checkbox,
    el(
      'div',
      { class: 'body' },
      title,
      el('p', { class: 'snippet' }, highlighted(hit.snippet, terms)),
      labels,
    ),
  );
}
