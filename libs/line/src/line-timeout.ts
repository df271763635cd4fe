import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * @line/bot-sdk v11 calls the global `fetch` with no signal and offers no timeout. Rather than
 * fork it, the global fetch is wrapped once: inside {@link withLineTimeout} every fetch made by
 * the SDK (or by us) gets an AbortSignal that fires after the deadline, so a hung LINE request is
 * really cancelled, not merely abandoned. Outside it, fetch is untouched.
 */
const deadline = new AsyncLocalStorage<AbortSignal>();
const WRAPPED = Symbol.for('lse.line.fetch-timeout');

type Fetch = typeof globalThis.fetch;

function installFetchWrapper(): void {
  const current = globalThis.fetch as Fetch & { [WRAPPED]?: true };
  if (current[WRAPPED]) return;
  const original = current;
  const wrapped = ((input: Parameters<Fetch>[0], init?: Parameters<Fetch>[1]) => {
    const signal = deadline.getStore();
    if (signal === undefined) return original(input, init);
    const combined = init?.signal ? AbortSignal.any([init.signal, signal]) : signal;
    return original(input, { ...init, signal: combined });
  }) as Fetch & { [WRAPPED]?: true };
  wrapped[WRAPPED] = true;
  globalThis.fetch = wrapped;
}

/** Runs `fn` with every fetch inside it aborted after `timeoutMs`. */
export function withLineTimeout<T>(timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  installFetchWrapper();
  return deadline.run(AbortSignal.timeout(timeoutMs), fn);
}
