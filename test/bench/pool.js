/** Bounded concurrency for the benches' set-up and load: work started at most `inFlight` at a time. */

/** Runs fn(i) for every i < count, at most `inFlight` at once; rejects with the first failure. */
async function pool(count, inFlight, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

/** Runs fn(item, k) over items, at most `inFlight` at once. */
const eachLimited = (items, inFlight, fn) => pool(items.length, inFlight, (k) => fn(items[k], k));

module.exports = { pool, eachLimited };
