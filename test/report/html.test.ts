import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/html.js';
import { HOSTILE, hostileReport } from './fixture.js';

describe('HTML report', () => {
  const html = renderHtml(hostileReport());

  it('escapes every hostile value: no <script> or <img> survives from a tag value, path or zone name', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
  });

  it('is self-contained: no tag has src=/href=, no CSS fetches, the only http text is escaped data', () => {
    // Escaped data contains no '<', so every '<…>' is real markup.
    const tags = html.match(/<[a-z!/][^>]*>/gi) ?? [];
    expect(tags.length).toBeGreaterThan(10);
    for (const t of tags) expect(t).not.toMatch(/\b(src|href|action|srcset|poster)\s*=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    const markup = html.replace(/>[^<]*</g, '><'); // text between tags removed
    expect(markup).not.toMatch(/https?:/i);
    const urls = html.match(/https?:\/\/[^\s"'<>&]+/g) ?? [];
    expect(urls).toEqual(urls.map(() => 'http://evil.example/a.png'));
  });

  it('states the Airlock version and the policy hash', () => {
    expect(html).toContain('Airlock 0.1.0');
    expect(html).toContain('sha256:abc');
  });

  it('folds 5,000 SRT frames into one row with the count and the first value', () => {
    const section = html.slice(html.indexOf('media/flight.SRT'));
    const rows = section.slice(0, section.indexOf('</section>')).match(/<tr>/g) ?? [];
    expect(rows.length).toBe(2); // header + one group
    expect(section).toContain('<td>5000</td>');
    expect(section).toContain('first: 51.500000, -0.100000');
  });

  it('groups per file: one section per file, in report order', () => {
    expect(html.match(/<section>/g)?.length).toBe(3);
    expect(html.indexOf('flight.SRT')).toBeLessThan(html.indexOf('clip.mp4'));
    expect(html).toContain('ISO-BMFF video (brand &#39;isom&#39;): not yet supported');
  });

  it('escapes the hostile text exactly once (no double escaping)', () => {
    expect(html).not.toContain('&amp;#60;');
    expect(HOSTILE).toContain('<script>');
  });
});
