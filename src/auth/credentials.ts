/**
 * The cached Memoram credentials: `credentials.json` in the config directory (file 0600, folder
 * 0700), written with conf and checked with zod on every read. One profile per Memoram API URL and
 * developer key, so switching to the emulator never reuses a production account. Holds the
 * approved credentials, the pending access request (so a restart resumes polling) and OAuth
 * tokens. conf's own `encryptionKey` is obfuscation, not security, so it is not used: file
 * permissions are the protection.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import Conf from 'conf';
import { z } from 'zod';
import { MemoramError } from '../memory/errors.js';

export const CredentialsSchema = z.object({
  user_id: z.string().min(1),
  memory_key: z.string().min(1),
  encryption_key: z.string().regex(/^[0-9a-fA-F]{64}$/),
  key_version: z.number().int(),
  access_request_id: z.string().min(1),
});
export type Credentials = z.infer<typeof CredentialsSchema>;

export const ProfileSchema = z.object({
  credentials: CredentialsSchema.optional(),
  pending: z
    .object({ access_request_id: z.string().min(1), memory_key: z.string().min(1), created_at: z.string() })
    .optional(),
  oauth: z
    .object({
      access_token: z.string().min(1),
      refresh_token: z.string().min(1).optional(),
      expires_at: z.string().optional(),
    })
    .optional(),
});
export type Profile = z.infer<typeof ProfileSchema>;

const FileSchema = z.object({ profiles: z.record(z.string(), ProfileSchema) });
type CredentialsFile = z.infer<typeof FileSchema>;

export const CREDENTIALS_FILE = 'credentials.json';

/** A profile id that names the account without revealing the key. */
export function profileId(apiUrl: string, apiKey: string): string {
  return createHash('sha256').update(`${apiUrl}\n${apiKey}`).digest('hex').slice(0, 16);
}

export class CredentialStore {
  private readonly conf: Conf<CredentialsFile>;

  constructor(
    configDir: string,
    private readonly id: string,
  ) {
    mkdirSync(configDir, { recursive: true, mode: 0o700 });
    chmodSync(configDir, 0o700);
    this.conf = new Conf<CredentialsFile>({
      cwd: configDir,
      configName: 'credentials',
      configFileMode: 0o600,
      clearInvalidConfig: false,
      defaults: { profiles: {} },
    });
  }

  get path(): string {
    return this.conf.path;
  }

  private readAll(): CredentialsFile {
    const parsed = FileSchema.safeParse(this.conf.store);
    if (!parsed.success) {
      throw new MemoramError('BAD_CONFIG', `The cached credentials file ${this.conf.path} is damaged.`, {
        hint: 'Run `memoram-mcp logout` to remove it, then authorize again.',
      });
    }
    return parsed.data;
  }

  load(): Profile {
    return this.readAll().profiles[this.id] ?? {};
  }

  save(profile: Profile): void {
    const all = this.readAll();
    this.conf.set('profiles', { ...all.profiles, [this.id]: ProfileSchema.parse(profile) });
  }

  update(change: (profile: Profile) => Profile): Profile {
    const next = change(this.load());
    this.save(next);
    return next;
  }

  /** Forgets this profile; true when there was something to forget. */
  clear(): boolean {
    const all = this.readAll();
    if (!(this.id in all.profiles)) return false;
    const { [this.id]: _gone, ...rest } = all.profiles;
    this.conf.set('profiles', rest);
    return true;
  }
}
