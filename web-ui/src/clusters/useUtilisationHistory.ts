import { useEffect, useRef, useState } from "react";
import type { FleetUsage } from "./useLiveClusters";

export interface UsageSample extends FleetUsage {
  at: number;
}

/**
 * Fleet utilisation over time while the page is open: samples the live (subscription-fed) usage
 * every `intervalMs` — no extra requests — and keeps the last `limit` samples.
 */
export function useUtilisationHistory(
  usage: FleetUsage | null,
  intervalMs = 5000,
  limit = 360,
): UsageSample[] {
  const latest = useRef(usage);
  const [samples, setSamples] = useState<UsageSample[]>([]);
  useEffect(() => {
    latest.current = usage;
  }, [usage]);
  useEffect(() => {
    const take = () => {
      const u = latest.current;
      if (u) setSamples((s) => [...s.slice(-(limit - 1)), { ...u, at: Date.now() }]);
    };
    const first = setTimeout(take, 0);
    const timer = setInterval(take, intervalMs);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [intervalMs, limit]);
  return samples;
}
