import { describe, expect, it } from 'vitest';
import { escapeHtml, html, SafeHtml } from '../../src/emulator/html.js';

describe('escapeHtml and the html template', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    expect(escapeHtml('plain text, ünïcode ✓')).toBe('plain text, ünïcode ✓');
  });

  it('escapes every interpolated value unless it is SafeHtml, so data never becomes markup', () => {
    const reason = '<script>alert(1)</script>';
    const item = (text: string) => html`<li>${text}</li>`;
    const page = html`<p title="${'" onmouseover="x'}">${reason}</p><ul>${['<a>', 'b'].map(item)}</ul>`;
    expect(page).toBeInstanceOf(SafeHtml);
    expect(page.value).toBe(
      '<p title="&quot; onmouseover=&quot;x">&lt;script&gt;alert(1)&lt;/script&gt;</p>' +
        '<ul><li>&lt;a&gt;</li><li>b</li></ul>',
    );
    const shown = [1].length > 0;
    expect(html`${null}${undefined}${false}${0}${shown && html`<b>kept</b>`}`.value).toBe('0<b>kept</b>');
    expect(`${html`<i>${'&'}</i>`}`).toBe('<i>&amp;</i>');
  });
});
