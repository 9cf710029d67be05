/** Notices at the foot of the page; a deletion's notice carries its undo for as long as the page is open. */
import { byId, el } from './dom.js';

export function notify(text: string, action?: { label: string; run: () => Promise<void> }): void {
  const area = byId('toasts');
  const toast = el('div', { class: 'toast', attrs: { role: 'status' } }, el('span', {}, text));
  if (action) {
    const button = el('button', { attrs: { type: 'button' } }, action.label);
    button.addEventListener('click', () => {
      button.disabled = true;
      action
        .run()
        .then(() => toast.remove())
        .catch(() => {
          button.disabled = false;
        });
    });
    toast.append(button);
  }
  toast.append(
    el(
      'button',
      {
        class: 'dismiss',
        attrs: { type: 'button', 'aria-label': 'Dismiss' },
        on: { click: () => toast.remove() },
      },
      '×',
    ),
  );
  area.append(toast);
  // Plain notices go by themselves; an undo stays until it is used or dismissed.
  if (!action) setTimeout(() => toast.remove(), 6000);
}
