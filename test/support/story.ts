import { expect as vitestExpect, it } from 'vitest';

type Expect = typeof vitestExpect;

/**
 * An `expect` that checks nothing: any property or call gives itself back, and it is not a
 * promise (so `await expect(…).resolves…` does not wait).
 */
const quiet: Expect = new Proxy(() => undefined, {
  get: (_target, key) => (key === 'then' ? undefined : quiet),
  apply: () => quiet,
}) as unknown as Expect;

/**
 * Steps of one story that build on each other (a ticket reported, then claimed, then resolved …),
 * each checked in a test of its own, with no state shared between tests: the test of a step makes
 * a fresh world with `make`, replays the steps before it with their checks off, then runs its own
 * step with `expect`.
 */
export function story<W>(make: () => W) {
  const steps: ((world: W, expect: Expect) => unknown)[] = [];
  return {
    step(name: string, run: (world: W, expect: Expect) => unknown, timeout?: number): void {
      const before = steps.slice();
      steps.push(run);
      it(
        name,
        async () => {
          const world = make();
          for (const s of before) await s(world, quiet);
          await run(world, vitestExpect);
        },
        timeout,
      );
    },
  };
}
