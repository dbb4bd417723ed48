/**
 * Iterates `source` one item ahead: while the caller works on item N (writes a page to Postgres), item N+1 (the
 * next Halo page) is already being fetched, so a sync takes about max(Halo, database) instead of their sum.
 */
export async function* prefetched<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let next = it.next();
  // Held until awaited below; without a handler its rejection would be reported as unhandled meanwhile.
  next.catch(() => undefined);
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = it.next();
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    // The consumer stopped early (error, abort): close the source so it stops fetching.
    await it.return?.(undefined);
  }
}
