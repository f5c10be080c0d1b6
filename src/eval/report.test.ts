/** The report's tables go to HTML from their Markdown: text lines become paragraphs, the separator row is dropped, cells are escaped. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownTableHtml } from './report.js';

test('a Markdown table becomes the same table in HTML', () => {
  const md = 'Figures <raw>:\n\n| system | F1 | MSE |\n|---|---:|---:|\n| identity | 0.45 | 0.2 |\n| a&b | 1 | 0 |';
  assert.equal(
    markdownTableHtml(md),
    '<p>Figures &lt;raw&gt;:</p>\n<table><tr><th>system</th><th>F1</th><th>MSE</th></tr>\n<tr><th>identity</th><td>0.45</td><td>0.2</td></tr>\n<tr><th>a&amp;b</th><td>1</td><td>0</td></tr></table>',
  );
  assert.equal(markdownTableHtml('just text'), '<p>just text</p>');
});
