/**
 * Polls until `probe` returns something truthy, or fails naming what it waited for (and, when given, what
 * `diagnose` reports about the state at that moment).
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
  diagnose?: () => Promise<unknown>,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) {
      const state = diagnose ? `: ${JSON.stringify(await diagnose().catch((e) => String(e)))}` : '';
      throw new Error(`timed out waiting for ${what}${state}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
