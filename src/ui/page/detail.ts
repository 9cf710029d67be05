/**
 * A memory's full view, in a modal dialog, and its edit form. Saving sends update_memory's
 * optimistic-concurrency check (the updated_at the edit started from): when the memory changed
 * elsewhere meanwhile, the server refuses and answers the current version, which is shown beside
 * the edit; nothing is overwritten unless the person, having seen it, says so.
 */
import { ApiFailure, api, type Memory } from './api.js';
import { byId, clear, el, formatDate } from './dom.js';
import { notify } from './toasts.js';

export interface DetailHooks {
  readOnly(): boolean;
  /** A save went through: the list shows the new version. */
  changed(): void;
  remove(memory: Memory): void;
}

const TITLE_MAX = '200';
const SUMMARY_MAX = '500';

export class DetailView {
  private memory: Memory | undefined;
  private form: HTMLFormElement | undefined;
  /** The version the edit started from: the patch holds only what the person changed from it. */
  private base: Memory | undefined;
  /** Sent as expected_updated_at: the version the person last saw. */
  private expected = '';

  constructor(
    private readonly dialog: HTMLDialogElement,
    private readonly hooks: DetailHooks,
  ) {
    dialog.addEventListener('close', () => {
      this.memory = undefined;
      this.form = undefined;
    });
  }

  get openId(): string | undefined {
    return this.dialog.open ? this.memory?.id : undefined;
  }

  async open(id: string): Promise<void> {
    this.memory = await api.read(id);
    this.showView();
    if (!this.dialog.open) this.dialog.showModal();
  }

  /** After a change made elsewhere: the view follows; an edit in progress is told. */
  async refresh(): Promise<void> {
    const id = this.openId;
    if (!id) return;
    let current: Memory;
    try {
      current = await api.read(id);
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 404)
        this.banner('This memory was deleted elsewhere.');
      return;
    }
    if (current.updated_at === this.memory?.updated_at) return;
    if (this.form) {
      this.banner('This memory changed elsewhere while you edit it: saving will show you both versions.');
      return;
    }
    this.memory = current;
    this.showView();
  }

  private banner(text: string): void {
    const existing = this.dialog.querySelector('.banner');
    if (existing) existing.textContent = text;
    else
      this.dialog
        .querySelector('header')
        ?.after(el('p', { class: 'banner', attrs: { role: 'alert' } }, text));
  }

  private header(): HTMLElement {
    return el(
      'header',
      { class: 'dialog-head' },
      el('h2', { attrs: { id: 'detail-title' } }, this.memory?.title || '(untitled)'),
      el(
        'button',
        {
          class: 'close',
          attrs: { type: 'button', 'aria-label': 'Close' },
          on: { click: () => this.dialog.close() },
        },
        '×',
      ),
    );
  }

  private showView(): void {
    const memory = this.memory!;
    this.form = undefined;
    clear(this.dialog);
    const facts = el('dl', { class: 'facts' });
    const row = (label: string, value: string) => facts.append(el('dt', {}, label), el('dd', {}, value));
    if (memory.summary) row('Summary', memory.summary);
    row('Tags', memory.tags.join(', ') || '—');
    row('Scope', memory.scope ?? 'global (no scope)');
    row('Importance', memory.importance === null ? '—' : String(memory.importance));
    if (memory.confidence !== null) row('Confidence', String(memory.confidence));
    if (memory.source) row('Source', memory.source);
    row('Created', formatDate(memory.created_at));
    row('Updated', formatDate(memory.updated_at));
    row('Id', memory.id);
    const content = memory.unreadable
      ? el('p', { class: 'muted' }, 'The content could not be decrypted (written with another key).')
      : el('div', { class: 'content', attrs: { 'aria-label': 'Content' } }, memory.content);
    const actions = el('div', { class: 'actions' });
    if (!this.hooks.readOnly()) {
      actions.append(
        el(
          'button',
          { class: 'primary', attrs: { type: 'button' }, on: { click: () => this.showEdit(memory) } },
          'Edit',
        ),
        el(
          'button',
          { class: 'danger', attrs: { type: 'button' }, on: { click: () => this.hooks.remove(memory) } },
          'Delete',
        ),
      );
    }
    this.dialog.append(this.header(), content, facts, actions);
  }

  private showEdit(memory: Memory): void {
    this.base = memory;
    this.expected = memory.updated_at;
    clear(this.dialog);
    const field = (id: string, label: string, control: HTMLElement, hint?: string) =>
      el(
        'div',
        { class: 'field' },
        el('label', { attrs: { for: id } }, label),
        control,
        hint ? el('p', { class: 'muted small', attrs: { id: `${id}-hint` } }, hint) : null,
      );
    const title = el('input', { attrs: { id: 'edit-title', name: 'title', maxlength: TITLE_MAX } });
    title.value = memory.title;
    const summary = el('textarea', {
      attrs: { id: 'edit-summary', name: 'summary', maxlength: SUMMARY_MAX, rows: '2' },
    });
    summary.value = memory.summary;
    const tags = el('input', {
      attrs: { id: 'edit-tags', name: 'tags', 'aria-describedby': 'edit-tags-hint' },
    });
    tags.value = memory.tags.join(', ');
    const importance = el('input', {
      attrs: { id: 'edit-importance', name: 'importance', type: 'number', min: '0', max: '1', step: '0.05' },
    });
    importance.value = memory.importance === null ? '' : String(memory.importance);
    const content = el('textarea', {
      attrs: { id: 'edit-content', name: 'content', rows: '10', required: '' },
    });
    content.value = memory.content;
    const error = el('p', { class: 'error', attrs: { role: 'alert' } });
    error.hidden = true;
    const form = el(
      'form',
      { class: 'edit' },
      field('edit-title', 'Title', title),
      field('edit-summary', 'Summary', summary),
      field('edit-tags', 'Tags', tags, 'Separated by commas; up to 20.'),
      field('edit-importance', 'Importance (0 to 1)', importance),
      field('edit-content', 'Content', content),
      error,
      el(
        'div',
        { class: 'actions' },
        el('button', { class: 'primary', attrs: { type: 'submit' } }, 'Save'),
        el('button', { attrs: { type: 'button' }, on: { click: () => this.showView() } }, 'Cancel'),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.save(form, error);
    });
    this.form = form;
    this.dialog.append(this.header(), form);
    title.focus();
  }

  private patch(form: HTMLFormElement): Record<string, unknown> {
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    const base = this.base!;
    const patch: Record<string, unknown> = { expected_updated_at: this.expected };
    if (value('title') !== base.title) patch['title'] = value('title');
    if (value('summary') !== base.summary) patch['summary'] = value('summary');
    const tags = value('tags')
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean);
    if (tags.join(',') !== base.tags.join(',')) patch['tags'] = tags;
    const importance = value('importance');
    if (importance !== '' && Number(importance) !== base.importance) patch['importance'] = Number(importance);
    if (value('content') !== base.content) patch['content'] = value('content');
    return patch;
  }

  private async save(form: HTMLFormElement, error: HTMLElement): Promise<void> {
    const patch = this.patch(form);
    if (Object.keys(patch).length === 1) {
      this.showView();
      return;
    }
    try {
      this.memory = await api.update(this.base!.id, patch);
      this.showView();
      this.hooks.changed();
      notify('Saved.');
    } catch (failure) {
      if (failure instanceof ApiFailure && failure.status === 409 && failure.body['current']) {
        this.showConflict(form, failure.body['current'] as Memory);
        return;
      }
      error.textContent = failure instanceof Error ? failure.message : String(failure);
      error.hidden = false;
    }
  }

  /** Their version beside the edit, which stays as typed. */
  private showConflict(form: HTMLFormElement, current: Memory): void {
    this.dialog.querySelector('.conflict')?.remove();
    const theirs = el('dl', { class: 'facts' });
    const row = (label: string, value: string) => theirs.append(el('dt', {}, label), el('dd', {}, value));
    row('Title', current.title || '—');
    row('Summary', current.summary || '—');
    row('Tags', current.tags.join(', ') || '—');
    row('Importance', current.importance === null ? '—' : String(current.importance));
    row('Updated', formatDate(current.updated_at));
    const panel = el(
      'section',
      { class: 'conflict', attrs: { 'aria-labelledby': 'conflict-title', role: 'alert' } },
      el('h3', { attrs: { id: 'conflict-title' } }, 'Changed elsewhere while you were editing'),
      el('p', {}, 'Nothing was saved. This is the version stored now; your edit is still in the form above.'),
      theirs,
      el('div', { class: 'content' }, current.content),
      el(
        'div',
        { class: 'actions' },
        el(
          'button',
          {
            attrs: { type: 'button' },
            on: {
              click: () => {
                this.memory = current;
                this.showView();
              },
            },
          },
          'Keep their version',
        ),
        el(
          'button',
          {
            class: 'danger',
            attrs: { type: 'button' },
            on: {
              click: () => {
                // Having seen theirs, the person chose: what they changed applies to the version shown.
                this.expected = current.updated_at;
                panel.remove();
                form.requestSubmit();
              },
            },
          },
          'Save mine over theirs',
        ),
      ),
    );
    form.after(panel);
    byId('conflict-title').scrollIntoView({ block: 'nearest' });
  }
}
