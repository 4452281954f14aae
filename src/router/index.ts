/** The router's public surface: a pure choice of backends from a fleet snapshot. */
export { DEFAULT_ROUTER_OPTIONS, route } from './route.js';
export type { Candidate, LiveLoad, RouteDecision, RouteJob, RouterOptions } from './route.js';
