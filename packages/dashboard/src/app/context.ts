import { createContext, useContext } from 'react';
import type { Api } from '../api/client.js';
import type { Role, RuntimeEventRecord, WhoAmI } from '../api/types.js';

/** What every page gets: the signed-in API client, who it is, and the live event feed. */
export interface DashboardContext {
  api: Api;
  whoami: WhoAmI;
  /** Subscribes to runtime events as they happen (`GET /v1/stream`); returns the unsubscribe function. */
  onEvent: (listener: (event: RuntimeEventRecord) => void) => () => void;
  /** Whether the live feed is connected (else pages fall back to polling). */
  live: boolean;
}

export const Dashboard = createContext<DashboardContext | undefined>(undefined);

export function useDashboard(): DashboardContext {
  const context = useContext(Dashboard);
  if (context === undefined) throw new Error('useDashboard outside <Dashboard.Provider>');
  return context;
}

const RANK: Record<string, number> = { discovery: 0, viewer: 1, operator: 2, admin: 3 };

/** Whether `role` may do what `needed` may (the API checks again: the UI only hides what it would refuse). */
export function roleAllows(role: string, needed: Role): boolean {
  return (RANK[role] ?? 0) >= (RANK[needed] ?? Infinity);
}

/** Whether the signed-in token may do what `needed` may. */
export function useCan(needed: Role): boolean {
  return roleAllows(useDashboard().whoami.role, needed);
}
