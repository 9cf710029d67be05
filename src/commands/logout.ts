/**
 * `memoram-mcp logout`: forgets the cached Memoram credentials (and any pending access request)
 * for the configured API URL and developer key, and deletes that account's replica. Access itself is revoked in the Memoram dashboard.
 */
import { CredentialStore, profileId } from '../auth/credentials.js';
import type { Config } from '../config.js';
import { deleteReplica } from '../replica/replica-file.js';

export async function logout(config: Readonly<Config>): Promise<string> {
  if (!config.apiKey) {
    return 'No Memoram account is configured (MEMORAM_API_KEY is not set); nothing to forget.\n';
  }
  const store = new CredentialStore(config.configDir, profileId(config.apiUrl, config.apiKey));
  // The replica holds the account's memories decrypted: it goes with the credentials.
  const userId = store.load().credentials?.user_id;
  if (userId) await deleteReplica({ dataDir: config.dataDir, apiUrl: config.apiUrl, userId });
  return store.clear()
    ? 'Forgot the cached Memoram credentials. To cut access entirely, revoke it in the Memoram dashboard.\n'
    : 'No cached Memoram credentials to forget.\n';
}
