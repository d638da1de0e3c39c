/** URL parameters → the page's start-up choices. The URL is the shareable form of a setup. */
import { BACKENDS, configFromParams, DEFAULT_CONFIG, type BackendRequest, type ConfigIssue, type TrainConfig } from '../contract/config.ts';

export interface StartupOptions {
  backend: BackendRequest;
  config: TrainConfig;
  /** True when the URL fixes no size, so the Worker picks one that suits the backend. */
  autoSize: boolean;
  /** A built-in dataset name, or 'none' for an empty start. */
  dataset: string;
  /** Start training as soon as data and model are ready. */
  autostart: boolean;
  /** Problems with the URL, shown to the person rather than silently ignored. */
  issues: string[];
}

export const DEFAULT_DATASET = 'faces';

export function readStartup(search: string): StartupOptions {
  const params = new URLSearchParams(search);
  const { config, issues } = configFromParams(params, DEFAULT_CONFIG);
  const messages = issues.map((i: ConfigIssue) => i.message);
  const rawBackend = params.get('backend') ?? 'auto';
  const backend = (BACKENDS as readonly string[]).includes(rawBackend) ? (rawBackend as BackendRequest) : 'auto';
  if (backend !== rawBackend) messages.push(`unknown backend "${rawBackend}": choosing automatically`);
  return {
    backend,
    config,
    autoSize: !params.has('res') && !params.has('preset') && !params.has('width'),
    dataset: params.get('dataset') ?? DEFAULT_DATASET,
    autostart: params.get('autostart') !== '0',
    issues: messages,
  };
}
