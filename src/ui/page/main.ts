/**
 * The memory page: the list (most recent first, or search hits best first) with infinite scroll,
 * the filters, tags with counts, the store's facts, selection and delete with undo, and a poll of
 * the server's change stamp so writes made by other processes show up without a reload.
 */
import { ApiFailure, api, type Facts, type Hit, type Memory, restorable } from './api.js';
import { DetailView } from './detail.js';
import { append, byId, clear, el } from './dom.js';
import { queryTerms } from './highlight.js';
import { memoryRow } from './list.js';
import { notify } from './toasts.js';

const PAGE = 20;
const POLL_MS = 2000;

const state = {
  items: [] as Hit[],
  cursor: null as string | null,
  loading: false,
  /** Bumped by every new listing, so a late answer to an older one is dropped. */
  generation: 0,
  selected: new Set<string>(),
  tags: new Set<string>(),
  stamp: undefined as string | undefined,
  facts: undefined as Facts | undefined,
};

const list = byId<HTMLOListElement>('list');
const more = byId<HTMLButtonElement>('more');
const summary = byId('summary');
const errorBox = byId('error');
const deleteSelected = byId<HTMLButtonElement>('delete-selected');
const selectAll = byId<HTMLInputElement>('select-all');
const filters = byId<HTMLFormElement>('filters');
const search = byId<HTMLInputElement>('q');

const detail = new DetailView(byId<HTMLDialogElement>('detail'), {
  readOnly: () => state.facts?.read_only ?? false,
  changed: () => void refreshAll(),
  remove: (memory) => void removeMemories([memory.id], memory.title || 'this memory'),
});

function showError(error: unknown): void {
  errorBox.textContent = error instanceof Error ? error.message : String(error);
  errorBox.hidden = false;
}

function localDay(value: string, next = false): string | undefined {
  if (!value) return undefined;
  const day = new Date(`${value}T00:00:00`);
  if (next) day.setDate(day.getDate() + 1);
  return day.toISOString();
}

function queryParams(limit = PAGE, cursor?: string): URLSearchParams {
  const params = new URLSearchParams({ limit: String(limit) });
  const value = (name: string) => (filters.elements.namedItem(name) as HTMLInputElement).value.trim();
  if (search.value.trim()) params.set('q', search.value.trim());
  if (value('scope') !== '*') params.set('scope', value('scope'));
  if (state.tags.size > 0) params.set('tags', [...state.tags].join(','));
  if (value('importance')) params.set('min_importance', value('importance'));
  if (value('source')) params.set('source', value('source'));
  const after = localDay(value('after'));
  const before = localDay(value('before'), true);
  if (after) params.set('created_after', after);
  if (before) params.set('created_before', before);
  if (cursor) params.set('cursor', cursor);
  return params;
}

function filtered(): boolean {
  return [...queryParams().keys()].some((key) => key !== 'limit');
}

function render(): void {
  const terms = queryTerms(search.value);
  clear(list);
  for (const hit of state.items) {
    list.append(
      memoryRow(hit, terms, state.selected.has(hit.id), {
        open: (id) => void detail.open(id).catch(showError),
        select: (id, on) => {
          if (on) state.selected.add(id);
          else state.selected.delete(id);
          updateSelection();
        },
      }),
    );
  }
  more.hidden = state.cursor === null;
  const shown = state.items.length;
  const total = state.facts?.memories;
  summary.textContent =
    shown === 0
      ? filtered()
        ? 'No memory matches.'
        : 'No memories yet. What the assistant saves shows up here.'
      : filtered()
        ? `${shown}${state.cursor ? '+' : ''} matching`
        : `${shown}${total !== null && total !== undefined ? ` of ${total}` : ''} memories, most recent first`;
  updateSelection();
}

function updateSelection(): void {
  for (const id of state.selected) if (!state.items.some((hit) => hit.id === id)) state.selected.delete(id);
  const count = state.selected.size;
  deleteSelected.disabled = count === 0 || (state.facts?.read_only ?? false);
  deleteSelected.textContent = count > 0 ? `Delete selected (${count})` : 'Delete selected';
  selectAll.checked = count > 0 && count === state.items.length;
  selectAll.indeterminate = count > 0 && count < state.items.length;
}

/** A fresh listing; `keep` loads as many as are shown now (a refresh after a change). */
async function load(keep = false): Promise<void> {
  const generation = ++state.generation;
  const limit = keep ? Math.min(50, Math.max(PAGE, state.items.length)) : PAGE;
  state.loading = true;
  try {
    const page = await api.search(queryParams(limit));
    if (generation !== state.generation) return;
    state.items = page.memories;
    state.cursor = page.next_cursor;
    errorBox.hidden = true;
    render();
  } catch (error) {
    if (generation === state.generation) showError(error);
  } finally {
    if (generation === state.generation) state.loading = false;
  }
}

async function loadMore(): Promise<void> {
  if (state.loading || state.cursor === null) return;
  const generation = state.generation;
  state.loading = true;
  try {
    const page = await api.search(queryParams(PAGE, state.cursor));
    if (generation !== state.generation) return;
    const seen = new Set(state.items.map((hit) => hit.id));
    state.items.push(...page.memories.filter((hit) => !seen.has(hit.id)));
    state.cursor = page.next_cursor;
    render();
  } catch (error) {
    showError(error);
  } finally {
    if (generation === state.generation) state.loading = false;
  }
}

/** The scope choices: every scope, global only, then each scope in use with its count. */
async function loadScopes(): Promise<void> {
  const { scopes } = await api.scopes();
  const select = byId<HTMLSelectElement>('scope');
  const chosen = select.value;
  for (const option of [...select.options].slice(2)) option.remove();
  for (const scope of scopes) {
    if (scope.name === null) continue;
    select.append(el('option', { attrs: { value: scope.name } }, `${scope.name} (${scope.count})`));
  }
  select.value = [...select.options].some((option) => option.value === chosen) ? chosen : '*';
}

async function loadTags(): Promise<void> {
  const { tags } = await api.tags(byId<HTMLSelectElement>('scope').value);
  const box = byId('tags');
  clear(box);
  byId('no-tags').hidden = tags.length > 0;
  for (const tag of tags) {
    const input = el('input', { attrs: { type: 'checkbox', value: tag.name } });
    input.checked = state.tags.has(tag.name);
    input.addEventListener('change', () => {
      if (input.checked) state.tags.add(tag.name);
      else state.tags.delete(tag.name);
      void load();
    });
    box.append(
      el(
        'li',
        {},
        el('label', {}, input, ` ${tag.name} `, el('span', { class: 'count' }, String(tag.count))),
      ),
    );
  }
}

async function loadFacts(): Promise<void> {
  const facts = await api.facts();
  state.facts = facts;
  document.body.classList.toggle('read-only', facts.read_only);
  const box = byId('facts');
  clear(box);
  const row = (label: string, value: string) => append(box, el('dt', {}, label), el('dd', {}, value));
  row(
    'Backend',
    facts.backend === 'local' ? 'Local store (this computer)' : 'Memoram (through the local replica)',
  );
  row('Memories', facts.memories === null ? '—' : String(facts.memories));
  if (facts.file) row('File', facts.file);
  if (facts.state !== 'local' && facts.state !== 'authorized') row('Connection', facts.message);
  if (facts.read_only) row('Mode', 'Read-only');
  for (const [label, value] of Object.entries(facts.extra ?? {})) row(label, value);
}

async function refreshAll(): Promise<void> {
  await Promise.all([
    load(true),
    loadTags().catch(showError),
    loadFacts().catch(showError),
    detail.refresh(),
  ]);
}

/** Deletes at once; the notice keeps the deleted memories, to put back while the page is open. */
async function removeMemories(ids: string[], what: string): Promise<void> {
  const dialog = byId<HTMLDialogElement>('confirm');
  byId('confirm-text').textContent =
    ids.length === 1 ? `Delete “${what.slice(0, 120)}”?` : `Delete these ${ids.length} memories?`;
  const answer = await new Promise<string>((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue), { once: true });
    dialog.returnValue = 'cancel';
    dialog.showModal();
    byId('confirm-ok').focus();
  });
  if (answer !== 'ok') return;
  try {
    const result = await api.delete(ids);
    for (const id of result.deleted) state.selected.delete(id);
    if (detail.openId && result.deleted.includes(detail.openId)) byId<HTMLDialogElement>('detail').close();
    const gone: Memory[] = result.memories;
    notify(
      result.deleted.length === 1 ? 'Deleted 1 memory.' : `Deleted ${result.deleted.length} memories.`,
      gone.length === 0
        ? undefined
        : {
            label: 'Undo',
            run: async () => {
              try {
                await api.restore(gone.map(restorable));
                notify(gone.length === 1 ? 'Restored 1 memory.' : `Restored ${gone.length} memories.`);
                await refreshAll();
              } catch (error) {
                showError(error);
                throw error;
              }
            },
          },
    );
    await refreshAll();
  } catch (error) {
    showError(error);
  }
}

async function poll(): Promise<void> {
  if (document.visibilityState !== 'visible') return;
  try {
    const { stamp } = await api.changes();
    const changed = state.stamp !== undefined && stamp !== state.stamp;
    state.stamp = stamp;
    if (changed) await refreshAll();
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401)
      showError('This page’s link expired: run memoram-mcp ui again.');
  }
}

let typing: ReturnType<typeof setTimeout> | undefined;
byId<HTMLFormElement>('search').addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(typing);
  void load();
});
search.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(() => void load(), 250);
});
filters.addEventListener('change', (event) => {
  const target = event.target as HTMLElement;
  if (target.closest('#tags')) return;
  void load();
  if (target.id === 'scope') void loadTags().catch(showError);
});
filters.addEventListener('submit', (event) => event.preventDefault());
filters.addEventListener('reset', () => {
  state.tags.clear();
  setTimeout(() => {
    void load();
    void loadTags();
  });
});
more.addEventListener('click', () => void loadMore());
selectAll.addEventListener('change', () => {
  state.selected = selectAll.checked ? new Set(state.items.map((hit) => hit.id)) : new Set();
  render();
});
deleteSelected.addEventListener('click', () => void removeMemories([...state.selected], ''));
document.addEventListener('keydown', (event) => {
  const typingIn = (event.target as HTMLElement).closest('input, textarea, select, dialog');
  if (event.key === '/' && !typingIn) {
    event.preventDefault();
    search.focus();
  }
});
const sentinel = byId('sentinel');
new IntersectionObserver((entries) => {
  // An entry is delivered a frame or more after it was taken: on a busy machine the first page's
  // rows may have pushed the sentinel out of view since. Load more only if it is in view now.
  const inView = () => sentinel.getBoundingClientRect().top <= window.innerHeight;
  if (entries.some((entry) => entry.isIntersecting) && inView()) void loadMore();
}).observe(sentinel);
if (window.matchMedia('(max-width: 48rem)').matches) byId<HTMLDetailsElement>('filters-box').open = false;

void (async () => {
  await loadFacts().catch(showError);
  // The change stamp first, then the list: a write between the two then moves the stamp past the
  // one taken, and the next poll shows it. Read the other way round it was in the stamp but not in
  // the list, and never shown.
  await poll();
  await Promise.all([load(), loadTags().catch(showError), loadScopes().catch(showError)]);
  setInterval(() => void poll(), POLL_MS);
})();
