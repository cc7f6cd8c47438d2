/**
 * What a buyer asks the ledger before it trusts a DHT record (docs/agents.md, "Discovery (DHT)"):
 * is the offer open, with the announced price and energy, and of the announced meter
 * (OfferCheck); which agent speaks for a meter (AgentBinding). HttpLedgerCheck asks a gateway.
 */

/** An offer as the ledger has it. */
export interface LedgerOffer {
  offerId: string;
  sellerMeterId: string;
  /** Energy not yet taken, Wh. */
  energyWh: number;
  priceMicrosPerKwh: number;
  status: string;
}

/** Reads one offer from the ledger; undefined when the ledger has no such offer. */
export interface OfferCheck {
  offer(offerId: string): Promise<LedgerOffer | undefined>;
}

/** The peer id of the agent the ledger binds to a meter (with the owner's mandate); undefined when none. */
export interface AgentBinding {
  agentOf(meterId: string): Promise<string | undefined>;
}

/** Answered when the gateway cannot say (network, 5xx, an answer of the wrong form): the record is not judged. */
export class LedgerUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LedgerUnavailable';
  }
}

export interface HttpLedgerCheckOptions {
  /** The gateway's base URL, e.g. `http://127.0.0.1:8081`. */
  baseUrl: string;
  /** A bearer API key of the buyer's identity, when the gateway asks for one. */
  apiKey?: string;
  timeoutMs?: number;
}

/**
 * OfferCheck and AgentBinding over a gateway's REST API: `GET /api/v1/p2p/offers/{offerId}` and
 * `GET /api/v1/p2p/meters/{meterId}/agent` (`{ meterId, agentId }`). 404 means "none".
 */
export class HttpLedgerCheck implements OfferCheck, AgentBinding {
  private readonly baseUrl: string;

  constructor(private readonly options: HttpLedgerCheckOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** The gateway answers the ledger's offer (`P2pOffer`, docs/p2p.md): energy left is energyWh − acceptedWh, open while its phase is. */
  async offer(offerId: string): Promise<LedgerOffer | undefined> {
    const body = await this.get(`/api/v1/p2p/offers/${encodeURIComponent(offerId)}`);
    if (body === undefined) return undefined;
    const o = body as { offerId?: unknown; meterId?: unknown; energyWh?: unknown; acceptedWh?: unknown; priceMicrosPerKwh?: unknown };
    const { phase, status } = body as { phase?: unknown; status?: unknown };
    const state = phase ?? status;
    if (
      o.offerId !== offerId ||
      typeof o.meterId !== 'string' ||
      !Number.isSafeInteger(o.energyWh) ||
      !Number.isSafeInteger(o.acceptedWh) ||
      !Number.isSafeInteger(o.priceMicrosPerKwh) ||
      typeof state !== 'string'
    ) {
      throw new LedgerUnavailable(`offer ${offerId}: the gateway's answer is not an offer`);
    }
    const energyWh = (o.energyWh as number) - (o.acceptedWh as number);
    return { offerId, sellerMeterId: o.meterId, energyWh, priceMicrosPerKwh: o.priceMicrosPerKwh as number, status: state };
  }

  async agentOf(meterId: string): Promise<string | undefined> {
    const body = await this.get(`/api/v1/p2p/meters/${encodeURIComponent(meterId)}/agent`);
    if (body === undefined) return undefined;
    const b = body as { meterId?: unknown; agentId?: unknown };
    if (b.meterId !== meterId || typeof b.agentId !== 'string')
      throw new LedgerUnavailable(`meter ${meterId}: the answer is not a binding`);
    return b.agentId;
  }

  private async get(path: string): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey !== undefined) headers.authorization = `Bearer ${this.options.apiKey}`;
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, { headers, signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) });
    } catch (e) {
      throw new LedgerUnavailable(`GET ${path}: ${(e as Error).message}`);
    }
    if (response.status === 404) return undefined;
    if (!response.ok) throw new LedgerUnavailable(`GET ${path}: HTTP ${response.status}`);
    try {
      return await response.json();
    } catch {
      throw new LedgerUnavailable(`GET ${path}: the answer is not JSON`);
    }
  }
}
