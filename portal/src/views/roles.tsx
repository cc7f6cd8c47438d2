/**
 * The views of the operator, the utility and the regulator: a community to look at, then the
 * role's views as tabs (the market with its clearing and audit first, as every one of them sees it).
 */
import { lazy, useState, type FormEvent, type ReactNode } from 'react';
import type { ApiClient, Session } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { GridAlerts } from './alerts';
import { MarketView } from './market';
import { CommunityBalance, DisputeQueue, Lifecycle, MarketParameters, Participants, PeriodFigures } from './operator';
import { AssetQueue } from './regulator';
import { CertificateReport } from './report';
import { Bank, SettlementView } from './utility';
import { Tabbed } from '../tabs';

const UtilityFlex = lazy(() => import('./flex').then((m) => ({ default: m.UtilityFlex })));
const CommunityForecast = lazy(() => import('./forecast').then((m) => ({ default: m.CommunityForecast })));
const Batteries = lazy(() => import('./storage').then((m) => ({ default: m.Batteries })));
const StorageSearch = lazy(() => import('./storage-more').then((m) => ({ default: m.StorageSearch })));
const GridTab = lazy(() => import('./grid-more').then((m) => ({ default: m.GridTab })));

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

const flexibility = (canCall: boolean): Tab => ({
  id: 'flex',
  label: 'Flexibility',
  needsCommunity: true,
  show: (p) => <UtilityFlex api={p.api} communityId={p.communityId} events={p.events} canCall={canCall} />,
});
const storage: Tab = {
  id: 'storage',
  label: 'Storage',
  needsCommunity: true,
  show: (p) => (
    <>
      <Batteries api={p.api} communityId={p.communityId} />
      <StorageSearch api={p.api} />
    </>
  ),
};
const forecast: Tab = {
  id: 'forecast',
  label: 'Forecast',
  needsCommunity: true,
  show: (p) => <CommunityForecast api={p.api} communityId={p.communityId} />,
};

/** The regulator's grid tab shows aggregates only: no device (a meter is a household's). */
const grid = (devices: boolean): Tab => ({
  id: 'grid',
  label: 'Grid',
  needsCommunity: true,
  show: (p) => <GridTab api={p.api} communityId={p.communityId} events={p.events} devices={devices} />,
});

const TABS: Record<string, Tab[]> = {
  operator: [
    market,
    community,
    { id: 'participants', label: 'Participants', needsCommunity: true, show: (p) => <Participants {...p} /> },
    { id: 'disputes', label: 'Disputes', needsCommunity: true, show: (p) => <DisputeQueue {...p} /> },
    figures(true),
    flexibility(true),
    storage,
    forecast,
    grid(true),
  ],
  utility: [
    market,
    community,
    { id: 'settlement', label: 'Settlement', needsCommunity: true, show: (p) => <SettlementView {...p} /> },
    { id: 'bank', label: 'Deposits and withdrawals', needsCommunity: true, show: (p) => <Bank {...p} /> },
    figures(false),
    flexibility(true),
    storage,
    forecast,
    grid(true),
  ],
  regulator: [
    { ...market, label: 'Market and audit' },
    community,
    { id: 'assets', label: 'Asset verification', needsCommunity: true, show: (p) => <AssetQueue {...p} /> },
    figures(false),
    flexibility(false),
    storage,
    forecast,
    grid(false),
  ],
};

export function RoleView(props: Props) {
  const tabs = TABS[props.session.role ?? ''] ?? [market];
  const [communityId, setCommunityId] = useState(localStorage.getItem(COMMUNITY_SLOT) ?? '');
  const [typed, setTyped] = useState(communityId);
  const choose = (e: FormEvent) => {
    e.preventDefault();
    localStorage.setItem(COMMUNITY_SLOT, typed.trim());
    setCommunityId(typed.trim());
  };
  return (
    <Tabbed
      bar={
        <form onSubmit={choose} className="form inline">
          <label>
            Community
            <input value={typed} onChange={(e) => setTyped(e.target.value)} required />
          </label>
          <button type="submit">Show</button>
        </form>
      }
      tabs={tabs.map((t) => ({
        id: t.id,
        label: t.label,
        show: () =>
          t.needsCommunity && !communityId ? (
            <p className="card wide muted">Choose a community above.</p>
          ) : (
            t.show({ ...props, communityId })
          ),
      }))}
    />
  );
}
