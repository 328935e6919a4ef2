/**
 * Results of work that finishes out of order, given back in the order it was started, with at
 * most `window` started and not yet given back — so a consumer that takes one at a time (the
 * streaming report writers) sees the walk order, and memory stays flat however many inputs.
 */
export async function* inOrder<T, R>(
  items: Iterable<T>,
  start: (item: T, index: number) => Promise<R>,
  window: number,
): AsyncGenerator<R, void, undefined> {
  const pending: Promise<R>[] = [];
  let i = 0;
  for (const item of items) {
    const p = start(item, i++);
    // Handled here so a consumer that stops early leaves no unhandled rejection; awaited below.
    p.catch(() => {});
    pending.push(p);
    if (pending.length >= window) yield await (pending.shift() as Promise<R>);
  }
  while (pending.length > 0) yield await (pending.shift() as Promise<R>);
}
