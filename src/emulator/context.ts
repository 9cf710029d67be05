/**
 * What the emulated API's handlers share: the memory store, the emulator's own state, its clock
 * and the settings the control API may change while it runs.
 */

import type { BlobStore } from '../blob-store/blob-store.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from './clock.js';
import type { OAuthStore } from './oauth-store.js';
import type { EmulatorState } from './state.js';

export const MAX_JWT_LIFETIME_SECONDS = 86_400;

export interface EmulatorSettings {
  /** Consent is given and access requests are approved without asking the user (headless demos). */
  autoApprove: boolean;
  /** Lifetime of a token when the client does not ask for one (`expires_in`). */
  jwtLifetimeSeconds: number;
  /** Set through the control API: the lifetime of every token issued from now on, whatever is asked. */
  forcedJwtLifetimeSeconds: number | undefined;
}

export interface EmulatorContext {
  store: BlobStore;
  state: EmulatorState;
  oauth: OAuthStore;
  clock: Clock;
  settings: EmulatorSettings;
  logger: Logger;
}
