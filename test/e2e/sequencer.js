const Sequencer = require('@jest/test-sequencer').default;

/**
 * Test files in name order: the ones that stop nodes (80-, 90-) and the whole platform (99-) run last. Two run at
 * once; file-lock.js keeps the disruptive ones alone.
 */
class ByName extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
module.exports = ByName;
