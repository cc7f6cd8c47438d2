/**
 * A row of views as tabs (a `nav` of buttons, the current one marked aria-current). A tab once opened
 * stays mounted, hidden, so that its lists and its forms survive a switch; a tab never opened costs nothing (its
 * code may come as a chunk of its own, loaded when it is opened).
 */
import { Suspense, useState, type ReactNode } from 'react';

export interface TabOf {
  id: string;
  label: string;
  show(): ReactNode;
}

export function Tabbed({ tabs, bar }: { tabs: TabOf[]; bar?: ReactNode }) {
  const [tab, setTab] = useState(tabs[0].id);
  const current = tabs.find((t) => t.id === tab) ?? tabs[0];
  const [visited, setVisited] = useState([current.id]);
  const pick = (id: string) => {
    setTab(id);
    setVisited((v) => (v.includes(id) ? v : [...v, id]));
  };
  return (
    <>
      <div className="bar">
        {bar}
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
            <Suspense
              fallback={
                <p className="muted" aria-busy="true">
                  Loading…
                </p>
              }
            >
              {t.show()}
            </Suspense>
          </div>
        ))}
    </>
  );
}
