// Transactions commit in about a second; restarts of nodes take several.
jest.setTimeout(180_000);
