/** A number that grows every `ms`: a dependency that makes a read run again on a timer. */
import { useEffect, useState } from 'react';

export function useTick(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return tick;
}
