/** A tiny HTTP server answering the two ledger routes HttpLedgerCheck asks, from maps the test fills (offers as P2pOffer). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LedgerServer {
  url: string;
  offers: Map<string, Record<string, unknown>>;
  /** meterId → agentId */
  agents: Map<string, string>;
  /** Requests seen, with their authorization header. */
  requests: { path: string; authorization?: string }[];
  /** When set, every answer is this HTTP status. */
  failWith?: number;
  close(): Promise<void>;
}

export async function startLedgerServer(): Promise<LedgerServer> {
  const state = { offers: new Map<string, Record<string, unknown>>(), agents: new Map<string, string>(), requests: [] } as Omit<
    LedgerServer,
    'url' | 'close'
  >;
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    state.requests.push({ path, authorization: req.headers.authorization });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (state.failWith !== undefined) return send(state.failWith, { code: 'TEST_FAILURE' });
    const offer = /^\/api\/v1\/p2p\/offers\/([^/]+)$/.exec(path);
    if (offer) {
      const found = state.offers.get(decodeURIComponent(offer[1]));
      return found ? send(200, found) : send(404, { code: 'OFFER_NOT_FOUND' });
    }
    const agent = /^\/api\/v1\/p2p\/meters\/([^/]+)\/agent$/.exec(path);
    if (agent) {
      const meterId = decodeURIComponent(agent[1]);
      const agentId = state.agents.get(meterId);
      return agentId ? send(200, { meterId, agentId }) : send(404, { code: 'METER_NOT_FOUND' });
    }
    send(404, { code: 'NOT_FOUND' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
