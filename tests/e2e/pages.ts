/** One page per test: opened by the test, closed (with its browser profile) after it. */
import { afterEach } from 'vitest';
import { openPage, type PageOptions, type Session } from './browser.ts';

export function pagePerTest(): (url: string, options?: PageOptions) => Promise<Session> {
  let current: Session | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (url, options) => (current = await openPage(url, options));
}
