/** The base URL registries see in pushed references: PUBLIC_BASE_URL, else this process's address. */
import type { Config } from '../config';
import { trimTrailingSlashes } from '../api/base-url';

export function publicBase(cfg: Pick<Config, 'publicBaseUrl' | 'host' | 'port'>): string {
  return trimTrailingSlashes(cfg.publicBaseUrl ?? `http://${cfg.host}:${cfg.port}`);
}
