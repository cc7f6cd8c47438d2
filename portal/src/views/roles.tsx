/**
 * The views of the operator, the utility and the regulator: a community to look at, then the
 * role's views as tabs (the market with its clearing and audit first, as every one of them sees it).
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import type { ApiClient, Session } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { GridAlerts } from './alerts';
import { MarketView } from './market';
import { CommunityBalance, DisputeQueue, Lifecycle, MarketParameters, Participants, PeriodFigures } from './operator';
import { AssetQueue } from './regulator';
import { CertificateReport } from './report';
import { Bank, SettlementView } from './utility';

const COMMUNITY_SLOT = 'gridledger.community';

type Props = { api: ApiClient; apiKey: string; session: Session; events: LedgerEvent[] };
type Tab = { id: string; label: string; needsCommunity: boolean; show(p: Props & { communityId: string }): ReactNode };

const market: Tab = { id: 'market', label: 'Market', needsCommunity: false, show: (p) => <MarketView {...p} /> };
const figures = (canEdit: boolean): Tab => ({
  id: 'figures',
  label: canEdit ? 'Parameters and figures' : 'Figures',
  needsCommunity: true,
  show: (p) => (
    <>
      <MarketParameters api={p.api} communityId={p.communityId} canEdit={canEdit} />
      <CertificateReport api={p.api} communityId={p.communityId} />
      <PeriodFigures api={p.api} communityId={p.communityId} />
    </>
  ),
});

const community: Tab = {
  id: 'community',
  label: 'Community',
  needsCommunity: true,
  show: (p) => (
    <>
      <CommunityBalance {...p} />
      <GridAlerts api={p.api} communityId={p.communityId} />
      <Lifecycle {...p} />
    </>
  ),
};

const TABS: Record<string, Tab[]> = {
  operator: [
    market,
    community,
    { id: 'participants', label: 'Participants', needsCommunity: false, show: (p) => <Participants api={p.api} /> },
    { id: 'disputes', label: 'Disputes', needsCommunity: true, show: (p) => <DisputeQueue {...p} /> },
    figures(true),
  ],
  utility: [
    market,
    community,
    { id: 'settlement', label: 'Settlement', needsCommunity: true, show: (p) => <SettlementView {...p} /> },
    { id: 'bank', label: 'Deposits and withdrawals', needsCommunity: true, show: (p) => <Bank {...p} /> },
    figures(false),
  ],
  regulator: [
    { ...market, label: 'Market and audit' },
    community,
    { id: 'assets', label: 'Asset verification', needsCommunity: true, show: (p) => <AssetQueue {...p} /> },
    figures(false),
  ],
};

export function RoleView(props: Props) {
  const tabs = TABS[props.session.role ?? ''] ?? [market];
  const [tab, setTab] = useState(tabs[0].id);
  const [communityId, setCommunityId] = useState(localStorage.getItem(COMMUNITY_SLOT) ?? '');
  const [typed, setTyped] = useState(communityId);
  const choose = (e: FormEvent) => {
    e.preventDefault();
    localStorage.setItem(COMMUNITY_SLOT, typed.trim());
    setCommunityId(typed.trim());
  };
  const current = tabs.find((t) => t.id === tab) ?? tabs[0];
  // Tabs once opened stay mounted (hidden): their lists and their forms survive a switch.
  const [visited, setVisited] = useState([current.id]);
  const pick = (id: string) => {
    setTab(id);
    setVisited((v) => (v.includes(id) ? v : [...v, id]));
  };
  return (
    <>
      <div className="bar">
        <form onSubmit={choose} className="form inline">
          <label>
            Community
            <input value={typed} onChange={(e) => setTyped(e.target.value)} required />
          </label>
          <button type="submit">Show</button>
        </form>
        <nav aria-label="Views" className="tabs">
          {tabs.map((t) => (
            <button key={t.id} type="button" aria-current={t.id === current.id ? 'page' : undefined} onClick={() => pick(t.id)}>
              {t.label}
            </button>
          ))}
        </nav>
      </div>
      {tabs
        .filter((t) => visited.includes(t.id))
        .map((t) => (
          <div className="view" key={t.id} hidden={t.id !== current.id}>
            {t.needsCommunity && !communityId ? (
              <p className="card wide muted">Choose a community above.</p>
            ) : (
              t.show({ ...props, communityId })
            )}
          </div>
        ))}
    </>
  );
}
