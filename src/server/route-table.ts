/**
 * @module The route table, in the order routes are matched: operators' routes and the dashboard,
 * then each protocol the configuration serves. The order settles the paths two protocols share.
 */

import type { Config } from '../config/resolve.js';
import type { ResourceAffinity } from '../state/affinity.js';
import type { LinkHealth } from '../state/link.js';
import type { UploadSessions } from '../state/uploads.js';
import type { RecoveryProber } from '../upstream/prober.js';
import type { Rotator } from '../upstream/rotator.js';
import type { ClientAuth } from './auth.js';
import type { Metrics } from './metrics.js';
import type { ModelCatalog } from './model-catalog.js';
import type { PipelineDeps } from './pipeline.js';
import type { ModelResolver } from '../protocols/shared/model-name.js';
import type { Route } from './router.js';
import { anthropicRoutes } from './routes/anthropic.js';
import { geminiRoute } from './routes/gemini.js';
import { ollamaRoutes } from './routes/ollama.js';
import { openAiRoutes } from './routes/openai.js';
import { opsRoutes } from './routes/ops.js';
import { sessionRoutes, type SessionRouteDeps } from './routes/session.js';
import { simpleRoutes } from './routes/simple.js';
import { uploadRoute } from './routes/uploads.js';
import { uiRoutes, type UiDeps } from './ui/routes.js';

export interface RouteTableParts {
  readonly config: Config;
  readonly rotator: Rotator;
  /** The dashboard's "probe now". */
  readonly prober: RecoveryProber;
  /** The proxy keys, which the dashboard checks itself. */
  readonly auth: ClientAuth;
  readonly affinity: ResourceAffinity;
  readonly uploads: UploadSessions;
  readonly metrics: Metrics;
  readonly load: () => { inflight: number; streamsOpen: number };
  readonly stateHealth: () => LinkHealth;
  /** The dashboard's last hour of traffic (every worker's under `--workers`). */
  readonly traffic: UiDeps['traffic'];
  readonly pipeline: PipelineDeps;
  readonly catalog: ModelCatalog;
  readonly resolveModel: ModelResolver;
  readonly sessions: Omit<SessionRouteDeps, keyof PipelineDeps | 'resolveModel' | 'defaultModel' | 'maxHistoryBytes' | 'now'>;
  readonly now: () => number;
}

export function routeTable(parts: RouteTableParts): Route[] {
  const { config, pipeline, resolveModel, now } = parts;
  const served = (name: Config['protocols'][number]): boolean => config.protocols.includes(name);
  const { rotator, prober, auth, stateHealth } = parts;
  const routes = opsRoutes({ rotator, metrics: parts.metrics, now, load: parts.load, stateHealth });
  routes.push(...uiRoutes({ rotator, prober, auth, stateHealth, now, traffic: parts.traffic }));
  const translated = { ...pipeline, catalog: parts.catalog, aliases: config.modelAliases, resolveModel, now, searchSources: config.searchSources };
  // Anthropic's first: `/v1/messages` would be taken for Gemini's, and `/v1/models` carrying
  // `anthropic-version` is Anthropic's. Then OpenAI's: other `/v1/models` requests are OpenAI's.
  if (served('anthropic')) routes.push(...anthropicRoutes(translated));
  if (served('openai')) routes.push(...openAiRoutes({ ...translated, imageModel: config.imageModel, speechModel: config.speechModel }));
  if (served('ollama')) routes.push(...ollamaRoutes(translated));
  if (served('session')) {
    const defaultModel = config.sessionModel;
    routes.push(...sessionRoutes({ ...pipeline, ...parts.sessions, resolveModel, defaultModel, maxHistoryBytes: config.maxHistoryBytes, now }));
    // Ahead of the Gemini routes, which would take `/gemini/v1/…` for theirs.
    routes.push(...simpleRoutes({ ...pipeline, resolveModel, defaultModel }));
  }
  if (served('gemini')) {
    const { dispatcher, scrub } = pipeline;
    const { maxBodyBytes, maxUploadBytes, publicUrl } = config;
    routes.push(uploadRoute({ dispatcher, sessions: parts.uploads, affinity: parts.affinity, maxBodyBytes, maxUploadBytes, publicUrl }));
    routes.push(geminiRoute({
      dispatcher, maxBodyBytes, scrub, resolveModel, affinity: parts.affinity,
      keepaliveMs: pipeline.keepaliveMs, geminiKeepAlive: config.geminiKeepAlive, hiddenModels: new Set(config.hiddenModels),
    }));
  }
  return routes;
}
