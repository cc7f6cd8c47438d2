/** The p-th percentile (nearest rank) of latencies in ms. */
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

module.exports = { percentile };
