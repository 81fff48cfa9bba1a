/**
 * Polls until the assertion passes or the time is up, then throws the last failure. Tests wait
 * with this, never with a bare setTimeout.
 */
export async function eventually<T>(
  assertion: () => T | Promise<T>,
  { timeoutMs = 15000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
