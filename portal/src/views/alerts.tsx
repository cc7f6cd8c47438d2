/** A community's active grid alerts (frequency, voltage, feeder overload, missing telemetry), read again every 10 s. */
import { data, type ApiClient } from '../api/client';
import { Show, useLoad } from '../load';
import { Table } from '../table';
import { useTick } from '../tick';
import { localDateTime } from '../time';

/** `idPrefix` keeps the heading's id unique when two tabs show the alerts. */
export function GridAlerts({ api, communityId, idPrefix = '' }: { api: ApiClient; communityId: string; idPrefix?: string }) {
  const tick = useTick(10_000);
  const alerts = useLoad(
    () => data(api.GET('/communities/{communityId}/alerts', { params: { path: { communityId } } })),
    [communityId, tick],
  );
  return (
    <section className="card wide" aria-labelledby={`${idPrefix}alerts-h`}>
      <h2 id={`${idPrefix}alerts-h`}>Grid alerts</h2>
      <Show of={alerts} empty={(a) => a.alerts.length === 0} emptyText="No active grid alerts.">
        {(a) => (
          <Table
            columns={[
              { label: 'Raised' },
              { label: 'Kind' },
              { label: 'Zone' },
              { label: 'Subject' },
              { label: 'Value', num: true },
              { label: 'Status' },
            ]}
          >
            {a.alerts.map((x) => (
              <tr key={x.alertId}>
                <td>
                  <time dateTime={x.raisedAt} title={`${x.raisedAt} UTC`}>
                    {localDateTime(x.raisedAt)}
                  </time>
                </td>
                <td>{x.kind}</td>
                <td>{x.zone}</td>
                <td>
                  <code>{x.subject}</code>
                </td>
                <td className="num">{x.value}</td>
                <td>{x.status}</td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
    </section>
  );
}
