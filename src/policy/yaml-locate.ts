/**
 * From a key path to a line:column in the YAML source, and back: errors name both, so a user
 * can find the offending node with either.
 */
import { type Document, isMap, isNode, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export type KeyPath = (string | number)[];

/** 'media.location.drone', 'zones[2].circle.radius'. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out || '(top level)';
}

/** The value node at `path`, or the key node of `key` inside it; the nearest existing ancestor otherwise. */
function nodeAt(doc: Document, path: readonly PropertyKey[], key?: string): Node | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as KeyPath, true);
    if (!isNode(node)) continue;
    if (key !== undefined && n === path.length && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      if (pair && isNode(pair.key)) return pair.key;
    }
    return node;
  }
  return undefined;
}

export function lineColOf(
  doc: Document,
  lc: LineCounter,
  path: readonly PropertyKey[],
  key?: string,
): { line: number; col: number } {
  const node = nodeAt(doc, path, key);
  return lc.linePos(node?.range?.[0] ?? 0);
}

/** The key path of the deepest node whose source range holds `offset` (for syntax errors). */
export function keyPathAt(doc: Document, offset: number): KeyPath {
  const path: KeyPath = [];
  let node: unknown = doc.contents;
  for (let depth = 0; depth < 64; depth++) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && spans(p.key, p.value, offset));
      if (!pair || !isScalar(pair.key)) break;
      path.push(String(pair.key.value));
      node = pair.value;
    } else if (isSeq(node)) {
      const i = node.items.findIndex((it) => isNode(it) && within(it, offset));
      if (i < 0) break;
      path.push(i);
      node = node.items[i];
    } else break;
  }
  return path;
}

const within = (n: Node, offset: number): boolean =>
  n.range !== undefined && n.range !== null && offset >= n.range[0] && offset <= n.range[2];

/** A pair spans from its key's start to its value's end. */
function spans(key: unknown, value: unknown, offset: number): boolean {
  const start = isNode(key) && key.range ? key.range[0] : undefined;
  const end =
    isNode(value) && value.range ? value.range[2] : isNode(key) && key.range ? key.range[2] : undefined;
  return start !== undefined && end !== undefined && offset >= start && offset <= end;
}
