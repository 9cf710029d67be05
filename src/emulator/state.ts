/**
 * The emulator's own state beside the memory store, in `emu_` tables of the same SQLite file:
 * developer applications (API key, OAuth client id), users (memory key, encryption key and its
 * version), access requests and their lifecycle (CONTRACT.md §5), and the JWT signing secret.
 * With a database file all of it survives a restart, so the same API key and demo user come back.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3-multiple-ciphers';
import type { AccessRequest } from '../memoram/schemas.js';
import type { Clock } from './clock.js';
import { migrateEmulatorSchema, PRIMARY_APP_NAME } from './state-schema.js';
import {
  type AccessRequestRow,
  type DemoUser,
  type Developer,
  type DeveloperRow,
  type NewDeveloper,
  type StoredAccessRequest,
  sha256Hex,
  TRANSITIONS,
  type TransitionAction,
  type TransitionOutcome,
  toAccessRequest,
  toDeveloper,
} from './state-types.js';

export type {
  DemoUser,
  Developer,
  NewDeveloper,
  StoredAccessRequest,
  TransitionAction,
  TransitionOutcome,
} from './state-types.js';

const newApiKey = () => `mem_${randomBytes(24).toString('hex')}`;
const newMemoryKey = () => `mk_${randomBytes(24).toString('base64url')}`;
const newEncryptionKey = () => randomBytes(32).toString('hex');

export class EmulatorState {
  readonly jwtSecret: Buffer;
  private counter = 0;

  private constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {
    migrateEmulatorSchema(db);
    this.jwtSecret = this.loadSecret();
  }

  /** Creates the tables if needed and makes sure the primary developer app and demo user exist. */
  static open(db: Database.Database, clock: Clock, apiKey?: string): EmulatorState {
    const state = new EmulatorState(db, clock);
    db.transaction(() => {
      const primary = state.primaryDeveloper();
      if (!primary) state.insertDeveloper(true, apiKey);
      else if (apiKey !== undefined && apiKey !== primary.api_key) {
        db.prepare('UPDATE emu_developers SET api_key = ? WHERE id = ?').run(apiKey, primary.id);
      }
      if (!state.demoUser()) state.insertUser(true);
    }).immediate();
    return state;
  }

  private loadSecret(): Buffer {
    const row = this.db.prepare(`SELECT value FROM emu_meta WHERE key = 'jwt_secret'`).get() as
      | { value: string }
      | undefined;
    if (row) return Buffer.from(row.value, 'hex');
    const secret = randomBytes(32);
    this.db.prepare(`INSERT INTO emu_meta (key, value) VALUES ('jwt_secret', ?)`).run(secret.toString('hex'));
    return secret;
  }

  /** A cuid-like id (`c` + time + counter + random, 25 lowercase base-36 characters). */
  private cuid(): string {
    this.counter = (this.counter + 1) % 36 ** 4;
    const time = this.clock.now().getTime().toString(36).padStart(8, '0').slice(-8);
    const random = [...randomBytes(12)].map((byte) => (byte % 36).toString(36)).join('');
    return `c${time}${this.counter.toString(36).padStart(4, '0')}${random}`;
  }

  private stamp(): string {
    return this.clock.now().toISOString();
  }

  // Developer applications

  private insertDeveloper(primary: boolean, apiKey = newApiKey(), options: NewDeveloper = {}) {
    const clientSecret = options.confidential ? `mcs_${randomBytes(24).toString('base64url')}` : undefined;
    const row: DeveloperRow = {
      id: this.cuid(),
      api_key: apiKey,
      client_id: `client_${randomBytes(12).toString('hex')}`,
      name: options.name ?? (primary ? PRIMARY_APP_NAME : 'Test app (emulator)'),
      client_secret_hash: clientSecret === undefined ? null : sha256Hex(clientSecret),
      redirect_uris: JSON.stringify(options.redirectUris ?? []),
    };
    this.db
      .prepare(
        `INSERT INTO emu_developers (id, api_key, client_id, name, client_secret_hash, redirect_uris, is_primary,
           created_at)
         VALUES (@id, @api_key, @client_id, @name, @client_secret_hash, @redirect_uris, @is_primary, @created_at)`,
      )
      .run({ ...row, is_primary: primary ? 1 : 0, created_at: this.stamp() });
    return { developer: toDeveloper(row), clientSecret };
  }

  /** A further developer app; its client secret (if any) is returned here once and never again. */
  createDeveloper(options: NewDeveloper = {}): { developer: Developer; clientSecret: string | undefined } {
    return this.insertDeveloper(false, undefined, options);
  }

  private selectDeveloper(where: string, value: string | number): Developer | undefined {
    const row = this.db
      .prepare(
        `SELECT id, api_key, client_id, name, client_secret_hash, redirect_uris FROM emu_developers WHERE ${where}`,
      )
      .get(value) as DeveloperRow | undefined;
    return row && toDeveloper(row);
  }

  primaryDeveloper(): Developer | undefined {
    return this.selectDeveloper('is_primary = ?', 1);
  }

  developerById(id: string): Developer | undefined {
    return this.selectDeveloper('id = ?', id);
  }

  developerByApiKey(apiKey: string): Developer | undefined {
    return this.selectDeveloper('api_key = ?', apiKey);
  }

  developerByClientId(clientId: string): Developer | undefined {
    return this.selectDeveloper('client_id = ?', clientId);
  }

  // Users

  private insertUser(demo: boolean, encryptionKey = newEncryptionKey()): DemoUser {
    const user = {
      user_id: randomUUID(),
      memory_key: newMemoryKey(),
      encryption_key: encryptionKey,
      key_version: 1,
    };
    this.db
      .prepare(
        `INSERT INTO emu_users (user_id, memory_key, encryption_key, key_version, is_demo, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(user.user_id, user.memory_key, user.encryption_key, user.key_version, demo ? 1 : 0, this.stamp());
    return user;
  }

  /** A further user; tests may give the encryption key (say, one of the wrong length). */
  createUser(encryptionKey?: string): DemoUser {
    return this.insertUser(false, encryptionKey);
  }

  private selectUser(where: string, value: string): DemoUser | undefined {
    return this.db
      .prepare(`SELECT user_id, memory_key, encryption_key, key_version FROM emu_users WHERE ${where}`)
      .get(value) as DemoUser | undefined;
  }

  demoUser(): DemoUser | undefined {
    return this.selectUser('is_demo = ?', '1');
  }

  userById(userId: string): DemoUser | undefined {
    return this.selectUser('user_id = ?', userId);
  }

  userByMemoryKey(memoryKey: string): DemoUser | undefined {
    return this.selectUser('memory_key = ?', memoryKey);
  }

  /** A new encryption key, `key_version` + 1. The stored blobs are left as they are. */
  rotateKey(userId: string): DemoUser | undefined {
    this.db
      .prepare('UPDATE emu_users SET encryption_key = ?, key_version = key_version + 1 WHERE user_id = ?')
      .run(newEncryptionKey(), userId);
    return this.userById(userId);
  }

  listUsers(): { user_id: string; key_version: number }[] {
    return this.db
      .prepare('SELECT user_id, key_version FROM emu_users ORDER BY created_at, user_id')
      .all() as {
      user_id: string;
      key_version: number;
    }[];
  }

  // Access requests

  createAccessRequest(
    developerId: string,
    subject: DemoUser,
    reason: string,
    approved: boolean,
  ): AccessRequest {
    const now = this.stamp();
    const row: AccessRequestRow = {
      id: this.cuid(),
      developer_id: developerId,
      subject_user_id: subject.user_id,
      memory_key: subject.memory_key,
      reason,
      status: approved ? 'approved' : 'pending',
      user_id: approved ? subject.user_id : null,
      created_at: now,
      updated_at: now,
    };
    this.db
      .prepare(
        `INSERT INTO emu_access_requests (id, developer_id, subject_user_id, memory_key, reason, status, user_id,
           created_at, updated_at)
         VALUES (@id, @developer_id, @subject_user_id, @memory_key, @reason, @status, @user_id, @created_at, @updated_at)`,
      )
      .run(row);
    return toAccessRequest(row);
  }

  accessRequest(id: string): StoredAccessRequest | undefined {
    const row = this.db.prepare('SELECT * FROM emu_access_requests WHERE id = ?').get(id) as
      | AccessRequestRow
      | undefined;
    return row && { request: toAccessRequest(row), subjectUserId: row.subject_user_id };
  }

  /** Newest first: one developer's or everyone's, and optionally only those naming one user. */
  listAccessRequests(developerId?: string, subjectUserId?: string): AccessRequest[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM emu_access_requests
         WHERE (@developerId IS NULL OR developer_id = @developerId)
           AND (@subjectUserId IS NULL OR subject_user_id = @subjectUserId)
         ORDER BY created_at DESC, id DESC`,
      )
      .all({ developerId: developerId ?? null, subjectUserId: subjectUserId ?? null }) as AccessRequestRow[];
    return rows.map(toAccessRequest);
  }

  /** The user's decision in the dashboard: pending → approved | rejected, approved → revoked. */
  transition(id: string, action: TransitionAction): TransitionOutcome {
    const { from, to } = TRANSITIONS[action];
    const stored = this.accessRequest(id);
    if (!stored) return { status: 'not_found' };
    if (stored.request.status !== from) return { status: 'conflict', request: stored.request };
    this.db
      .prepare(
        `UPDATE emu_access_requests SET status = ?, updated_at = ?,
           user_id = CASE WHEN ? = 'approved' THEN subject_user_id ELSE user_id END WHERE id = ?`,
      )
      .run(to, this.stamp(), to, id);
    return { status: 'ok', request: this.accessRequest(id)!.request };
  }

  /** Whether this developer holds an approved access request for this user right now. */
  hasApprovedAccess(developerId: string, userId: string): boolean {
    const row = this.db
      .prepare(
        `SELECT 1 FROM emu_access_requests WHERE developer_id = ? AND subject_user_id = ? AND status = 'approved'
         LIMIT 1`,
      )
      .get(developerId, userId);
    return row !== undefined;
  }
}
