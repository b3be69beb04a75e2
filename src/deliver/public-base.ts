/** The base URL registries see in pushed references: PUBLIC_BASE_URL, else this process's address. */
import type { Config } from '../config';

export function publicBase(cfg: Pick<Config, 'publicBaseUrl' | 'host' | 'port'>): string {
  return (cfg.publicBaseUrl ?? `http://${cfg.host}:${cfg.port}`).replace(/\/+$/, '');
}
