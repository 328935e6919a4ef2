import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/core/errors.js';
import { loadPolicyFile, parsePolicy } from '../../src/policy/index.js';

function policyError(text: string, file = 'airlock.yaml', baseDir?: string): AirlockError {
  try {
    parsePolicy(text, file, baseDir ? { baseDir } : {});
  } catch (e) {
    expect(e).toBeInstanceOf(AirlockError);
    expect((e as AirlockError).code).toBe('AIRLOCK_ERR_POLICY');
    return e as AirlockError;
  }
  throw new Error('expected a policy error');
}

describe('YAML syntax errors name file:line:column', () => {
  it('an unclosed flow sequence', () => {
    const e = policyError('network:\n  mode: sealed\n  allow: [a.example\n  budgets: {}\n');
    expect(e.message).toMatch(/^airlock\.yaml:\d+:\d+: /);
    expect(e.message).toContain('YAML');
  });
  it('a bad indent, with the key path it sits under', () => {
    const e = policyError('media:\n  location:\n    drone: drop\n     target: drop\n');
    // ExifTool-style oracles do not exist for YAML; the position is where the `yaml` parser
    // finds the nested mapping, the path the keys that enclose it.
    expect(e.message).toMatch(/^airlock\.yaml:3:12: media\.location\.drone/);
  });
  it('a duplicate key (it would otherwise silently override the first)', () => {
    const e = policyError('network:\n  mode: sealed\n  mode: monitor\n');
    expect(e.message).toMatch(/^airlock\.yaml:3:3: /);
    expect(e.message).toMatch(/unique/i);
  });
  it('a second YAML document is named where it starts, in a policy’s words', () => {
    const e = policyError('network:\n  mode: sealed\n---\nnetwork:\n  mode: monitor\n');
    expect(e.message).toMatch(
      /^airlock\.yaml:3:1: YAML: a second document starts here: a policy is one document/,
    );
    expect(e.message).not.toMatch(/parseAllDocuments/);
  });
  it('an unknown YAML tag is an error, not a warning', () => {
    expect(policyError('profile: !weird mapping\n').message).toMatch(/^airlock\.yaml:1:10: /);
  });
  it('does not expand an alias bomb', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) {
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    }
    expect(policyError(`${lines.join('\n')}\n`).message).toMatch(/alias/i);
  });
  it('refuses a policy larger than the limit', () => {
    expect(policyError(`# ${'x'.repeat(2 * 1024 * 1024)}\n`).message).toMatch(/exceeds limit/);
  });
});

describe('schema errors name line:column of the offending node and its key path', () => {
  it('a wrong enum value', () => {
    const e = policyError('network:\n  mode: open\n');
    expect(e.message).toMatch(/^airlock\.yaml:2:9: network\.mode: /);
  });
  it('a wrong location rule', () => {
    const e = policyError('media:\n  location:\n    drone: blur\n');
    expect(e.message).toMatch(
      /^airlock\.yaml:3:12: media\.location\.drone: expected drop, keep or \{coarsen/,
    );
  });
  it('an unknown key (a typo must not silently weaken the policy), pointing at the key', () => {
    const e = policyError('media:\n  location:\n    operater: keep\n');
    expect(e.message).toBe('airlock.yaml:3:5: media.location.operater: unknown key "operater"');
  });
  it('an unknown top-level key', () => {
    expect(policyError('version: 1\nmdia: {}\n').message).toBe('airlock.yaml:2:1: mdia: unknown key "mdia"');
  });
  it('a negative budget', () => {
    const e = policyError('network:\n  budgets:\n    upstreamBytesPerConnection: -5\n');
    expect(e.message).toMatch(/^airlock\.yaml:3:33: network\.budgets\.upstreamBytesPerConnection: /);
  });
  it('a negative coarsen distance', () => {
    const e = policyError('media:\n  location:\n    drone: {coarsen: -10}\n');
    expect(e.message).toMatch(/^airlock\.yaml:3:\d+: media\.location\.drone/);
  });
  it('every problem, one line each, in file order', () => {
    const e = policyError(
      'gateway:\n  listen: ["0.0.0.0:99999"]\nnetwork:\n  mode: x\n  allow:\n    - host: "*"\n',
    );
    const lines = e.message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^airlock\.yaml:2:\d+: gateway\.listen\[0\]: /);
    expect(lines[1]).toMatch(/^airlock\.yaml:4:9: network\.mode: /);
    expect(lines[2]).toMatch(/^airlock\.yaml:6:\d+: network\.allow\[0\]\.host: /);
  });
  it('host patterns: exact and *.suffix accepted; bare * and *.tld refused', () => {
    const ok = parsePolicy(
      'network:\n  allow:\n    - host: "*.DJICDN.com"\n    - host: bugly.qq.com\n',
      'a.yaml',
    );
    expect(ok.network.allow.map((a) => a.host)).toEqual(['*.djicdn.com', 'bugly.qq.com']);
    policyError('network:\n  allow:\n    - host: "*"\n');
    policyError('network:\n  allow:\n    - host: "*.com"\n');
    policyError('network:\n  allow:\n    - host: "a.*.com"\n');
  });
  it('allow entry ports: TCP ports 1-65535, at least one, each once; absent means the gate default', () => {
    const ok = parsePolicy(
      'network:\n  allow:\n    - host: rtk.caster.example\n      ports: [2101, 443]\n    - host: a.example\n',
      'a.yaml',
    );
    expect(ok.network.allow).toEqual([
      { host: 'rtk.caster.example', ports: [2101, 443] },
      { host: 'a.example' },
    ]);
    const bad = (ports: string) =>
      policyError(`network:\n  allow:\n    - host: a.example\n      ports: ${ports}\n`);
    // The offending element, by line:column and key path.
    expect(bad('[443, 0]').message).toBe(
      'airlock.yaml:4:20: network.allow[0].ports[1]: expected a TCP port from 1 to 65535',
    );
    expect(bad('[65536]').message).toMatch(
      /^airlock\.yaml:4:15: network\.allow\[0\]\.ports\[0\]: expected a TCP port from 1 to 65535$/,
    );
    expect(bad('[443.5]').message).toMatch(
      /^airlock\.yaml:4:15: network\.allow\[0\]\.ports\[0\]: expected a whole TCP port number$/,
    );
    expect(bad("['https']").message).toMatch(
      /^airlock\.yaml:4:15: network\.allow\[0\]\.ports\[0\]: expected a TCP port number$/,
    );
    expect(bad('[]').message).toMatch(
      /^airlock\.yaml:4:14: network\.allow\[0\]\.ports: expected at least one port/,
    );
    expect(bad('[443, 2101, 443]').message).toMatch(
      /^airlock\.yaml:4:26: network\.allow\[0\]\.ports\[2\]: port 443 is listed twice$/,
    );
    expect(bad('443').message).toMatch(/^airlock\.yaml:4:14: network\.allow\[0\]\.ports: /);
  });
  it('a host listed twice in allow (only the first entry would ever judge it)', () => {
    const text = [
      'network:',
      '  mode: one-way',
      '  allow:',
      '    - host: mydjiflight.dji.com',
      '      budget: {upstreamBytesPerConnection: 1000000000}',
      '    - host: MyDJIFlight.dji.com',
      '      budget: {upstreamBytesPerConnection: 65536}',
      '',
    ].join('\n');
    expect(policyError(text).message).toMatch(
      /^airlock\.yaml:6:13: network\.allow\[1\]\.host: mydjiflight\.dji\.com is already entry 1 of allow/,
    );
    // A pattern and a name under it are two entries: the name is the more specific, and wins.
    expect(() =>
      parsePolicy('network:\n  allow:\n    - host: "*.dji.com"\n    - host: mydjiflight.dji.com\n', 'a.yaml'),
    ).not.toThrow();
  });
  it('CIDRs and listen addresses are checked', () => {
    const ok = parsePolicy(
      "network:\n  allowedPrivateCidrs: ['10.0.0.0/8', 'fd00::/8']\ngateway:\n  listen: ['[::1]:8080', 'localhost:1']\n",
      'a.yaml',
    );
    expect(ok.network.allowedPrivateCidrs).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(policyError("network:\n  allowedPrivateCidrs: ['10.0.0.0/33']\n").message).toMatch(
      /:2:\d+: network\.allowedPrivateCidrs\[0\]/,
    );
    policyError("gateway:\n  adminListen: '127.0.0.1'\n");
  });
  it('a zone with two shapes, or none, or no name', () => {
    expect(
      policyError(
        'zones:\n  - name: a\n    circle: {lat: 1, lon: 2, radius: 3}\n    polygon: [[[0,0],[1,0],[1,1]]]\n',
      ).message,
    ).toMatch(/^airlock\.yaml:2:\d+: zones\[0\]: a zone needs exactly one of/);
    expect(policyError('zones:\n  - circle: {lat: 1, lon: 2, radius: 3}\n').message).toMatch(
      /zones\[0\]: a zone needs a name/,
    );
    expect(policyError('zones:\n  - name: a\n    circle: {lat: 91, lon: 2, radius: 3}\n').message).toMatch(
      /^airlock\.yaml:3:\d+: zones\[0\]\.circle\.lat: /,
    );
  });
});

describe('zone import errors name the policy line, the zone file and what is wrong', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('a missing zone file', () => {
    const e = policyError('zones:\n  - import: nowhere.json\n', 'p.yaml', dir);
    expect(e.message).toMatch(/^p\.yaml:2:13: zones\[0\]\.import: zone file nowhere\.json: ENOENT/);
  });
  it('a zone file that is not JSON', () => {
    writeFileSync(join(dir, 'bad.json'), '{"features": [');
    expect(policyError('zones:\n  - import: bad.json\n', 'p.yaml', dir).message).toMatch(
      /zone file bad\.json: .*not JSON/,
    );
  });
  it('an ED-269 volume of an unknown shape, with its path in the zone file', () => {
    writeFileSync(
      join(dir, 'ed.json'),
      JSON.stringify({
        features: [{ identifier: 'X', name: 'x', geometry: [{ horizontalProjection: { type: 'Ellipse' } }] }],
      }),
    );
    expect(policyError('zones:\n  - import: ed.json\n', 'p.yaml', dir).message).toContain(
      'zone file ed.json: features[0].geometry[0].horizontalProjection.type: expected Polygon or Circle, found "Ellipse"',
    );
  });
  it('coordinates out of range', () => {
    writeFileSync(
      join(dir, 'far.json'),
      JSON.stringify({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [200, 0],
            [0, 1],
          ],
        ],
      }),
    );
    expect(policyError('zones:\n  - import: far.json\n', 'p.yaml', dir).message).toContain(
      'geometry.coordinates[0][1]: position [200, 0]',
    );
  });
  it('a GeoJSON Point with no radius', () => {
    writeFileSync(join(dir, 'pt.json'), JSON.stringify({ type: 'Point', coordinates: [1, 2] }));
    expect(policyError('zones:\n  - import: pt.json\n', 'p.yaml', dir).message).toMatch(/pointRadius/);
    const ok = parsePolicy('zones:\n  - import: pt.json\n    pointRadius: 50\n', 'p.yaml', { baseDir: dir });
    expect(ok.zones[0]?.shapes).toEqual([{ type: 'circle', center: { lat: 2, lon: 1 }, radius: 50 }]);
  });
  it('does not recurse without bound into nested GeometryCollections', () => {
    const open = '{"type":"GeometryCollection","geometries":['.repeat(10_000);
    const inner = '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1]]]}';
    writeFileSync(join(dir, 'deep.json'), open + inner + ']}'.repeat(10_000));
    expect(policyError('zones:\n  - import: deep.json\n', 'p.yaml', dir).message).toMatch(
      /nested too deep|not JSON/,
    );
  });
  it('a zone file that is not UTF-8', () => {
    writeFileSync(join(dir, 'latin1.json'), Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
    expect(policyError('zones:\n  - import: latin1.json\n', 'p.yaml', dir).message).toMatch(/not UTF-8/);
  });
  it('loadPolicyFile reads imports relative to the policy file', () => {
    writeFileSync(
      join(dir, 'c.json'),
      JSON.stringify({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 0],
          ],
        ],
      }),
    );
    writeFileSync(join(dir, 'airlock.yaml'), 'zones:\n  - import: c.json\n    name: site\n');
    const p = loadPolicyFile(join(dir, 'airlock.yaml'));
    expect(p.zones).toEqual([
      {
        name: 'site: c.json #1',
        action: 'withhold',
        roles: ['drone', 'target'],
        shapes: [
          {
            type: 'polygon',
            rings: [
              [
                [0, 0],
                [1, 0],
                [1, 1],
                [0, 0],
              ],
            ],
          },
        ],
        source: 'c.json',
      },
    ]);
  });
  it('a missing policy file is an I/O error naming it', () => {
    expect(() => loadPolicyFile(join(dir, 'none.yaml'))).toThrow(/ENOENT/);
  });
});
