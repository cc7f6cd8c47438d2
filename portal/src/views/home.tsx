/**
 * A household's views as tabs: the overview of today (live readings, money, orders, statement and the
 * rest), its history, P2P trading with its agent's mandate, demand response, storage and forecasts.
 */
import { lazy, useState } from 'react';
import { data, type ApiClient, type Session } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { Show, useLoad } from '../load';
import { Tabbed } from '../tabs';
import { ProsumerView } from './prosumer';

// Opened tabs load their code then: the first view (today) stays as small as it was.
const FlexResources = lazy(() => import('./charging').then((m) => ({ default: m.FlexResources })));
const FlexDispatches = lazy(() => import('./dispatches').then((m) => ({ default: m.FlexDispatches })));
const HouseholdFlex = lazy(() => import('./flex').then((m) => ({ default: m.HouseholdFlex })));
const MeterForecasts = lazy(() => import('./forecast').then((m) => ({ default: m.MeterForecasts })));
const History = lazy(() => import('./history').then((m) => ({ default: m.History })));
const MandateEditor = lazy(() => import('./p2p').then((m) => ({ default: m.MandateEditor })));
const P2pOffers = lazy(() => import('./p2p').then((m) => ({ default: m.P2pOffers })));
const Batteries = lazy(() => import('./storage').then((m) => ({ default: m.Batteries })));
const RegisterBattery = lazy(() => import('./storage-more').then((m) => ({ default: m.RegisterBattery })));
const StorageSearch = lazy(() => import('./storage-more').then((m) => ({ default: m.StorageSearch })));
const StorageContracts = lazy(() => import('./storage').then((m) => ({ default: m.StorageContracts })));

type Props = { api: ApiClient; session: Session; events: LedgerEvent[]; resumes: number };

/** The household's meters and its community (that of its first meter). */
function useMeters(api: ApiClient, participantId: string) {
  return useLoad(async () => {
    const meters = await data(api.GET('/participants/{participantId}/meters', { params: { path: { participantId } } }));
    return { meterIds: meters.map((m) => m.meterId), communityId: meters[0]?.communityId, meters };
  }, [participantId]);
}

function P2pTab({ api, participantId, events }: { api: ApiClient; participantId: string; events: LedgerEvent[] }) {
  const meters = useMeters(api, participantId);
  const communityId = meters.data?.communityId;
  const market = useLoad(
    () =>
      communityId ? data(api.GET('/markets/{communityId}/params', { params: { path: { communityId } } })) : Promise.resolve(undefined),
    [communityId],
  );
  return (
    <>
      <MandateEditor api={api} participantId={participantId} />
      <Show of={meters}>
        {(m) =>
          m.communityId === undefined ? (
            <p className="card wide muted">Register a meter to trade with your neighbours.</p>
          ) : (
            <Show of={market}>
              {(p) =>
                p ? (
                  <P2pOffers
                    api={api}
                    participantId={participantId}
                    communityId={m.communityId!}
                    meterIds={m.meterIds}
                    params={p.params}
                    events={events}
                  />
                ) : null
              }
            </Show>
          )
        }
      </Show>
    </>
  );
}

function StorageTab({ api, session }: { api: ApiClient; session: Session }) {
  const participantId = session.participantId ?? '';
  const meters = useMeters(api, participantId);
  const [registered, setRegistered] = useState(0);
  const provider = session.role === 'battery-provider';
  return (
    <>
      <Show of={meters}>
        {(m) =>
          m.communityId === undefined ? (
            <p className="card wide muted">Register a meter to see the batteries of your community.</p>
          ) : (
            <>
              {provider && <RegisterBattery api={api} meters={m.meters} onRegistered={() => setRegistered((n) => n + 1)} />}
              {provider && <Batteries api={api} communityId={m.communityId} providerId={participantId} changes={registered} />}
              <Batteries api={api} communityId={m.communityId} changes={registered} />
            </>
          )
        }
      </Show>
      <StorageSearch api={api} />
      {/* a battery provider does not reserve storage (confirmStorage: a prosumer or consumer) */}
      <StorageContracts
        api={api}
        participantId={participantId}
        communityId={session.role === 'battery-provider' ? undefined : meters.data?.communityId}
      />
    </>
  );
}

function FlexTab({ api, participantId, events }: { api: ApiClient; participantId: string; events: LedgerEvent[] }) {
  const meters = useMeters(api, participantId);
  return (
    <>
      <HouseholdFlex api={api} participantId={participantId} events={events} communityId={meters.data?.communityId} />
      <FlexResources api={api} events={events} />
      <FlexDispatches api={api} events={events} />
    </>
  );
}

function ForecastTab({ api, participantId }: { api: ApiClient; participantId: string }) {
  const meters = useMeters(api, participantId);
  return <Show of={meters}>{(m) => <MeterForecasts api={api} meterIds={m.meterIds} />}</Show>;
}

export function HouseholdView(props: Props) {
  const { api, session, events } = props;
  const participantId = session.participantId ?? '';
  return (
    <Tabbed
      tabs={[
        { id: 'today', label: 'Today', show: () => <ProsumerView {...props} /> },
        { id: 'history', label: 'History', show: () => <History api={api} participantId={participantId} /> },
        { id: 'p2p', label: 'P2P', show: () => <P2pTab api={api} participantId={participantId} events={events} /> },
        { id: 'flex', label: 'Flexibility', show: () => <FlexTab api={api} participantId={participantId} events={events} /> },
        { id: 'storage', label: 'Storage', show: () => <StorageTab api={api} session={session} /> },
        { id: 'forecast', label: 'Forecast', show: () => <ForecastTab api={api} participantId={participantId} /> },
      ]}
    />
  );
}
