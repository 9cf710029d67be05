/**
 * The Memoram REST wire format (CONTRACT.md §3–4, openapi.yaml): zod schemas with the contract's
 * exact, inconsistent spellings (`memoryKey` vs `memory_key`, `createdAt` vs `created_at`,
 * `memoryBlobs` + `next_cursor`, `searchQuery` + `user_id`). The client parses every response with
 * these; the emulator builds its responses and parses its request bodies with them. Nothing here
 * is normalised: that happens in the domain types.
 */
import { z } from 'zod';

// §3.1 POST /auth/token
export const AuthTokenRequestSchema = z.object({
  api_key: z.string().min(1),
  expires_in: z.number().int().positive().optional(),
});
export type AuthTokenRequest = z.infer<typeof AuthTokenRequestSchema>;

export const AuthTokenResponseSchema = z.object({
  token: z.string().min(1),
  expires_at: z.string(),
  token_type: z.string(),
});
export type AuthTokenResponse = z.infer<typeof AuthTokenResponseSchema>;

// §4.2 AccessRequest
export const AccessRequestStatusSchema = z.enum(['pending', 'approved', 'rejected', 'revoked']);
export type AccessRequestStatus = z.infer<typeof AccessRequestStatusSchema>;

export const AccessRequestSchema = z.object({
  id: z.string(),
  status: AccessRequestStatusSchema,
  reason: z.string(),
  memoryKey: z.string(),
  user_id: z.string().nullable().optional(),
  aiConnectorId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AccessRequest = z.infer<typeof AccessRequestSchema>;

// §3.4 POST /access-requests
export const CreateAccessRequestSchema = z.object({
  memoryKey: z.string().min(1),
  reason: z.string().min(1).max(255),
});
export type CreateAccessRequest = z.infer<typeof CreateAccessRequestSchema>;

// §4.3
export const AccessRequestListSchema = z.object({
  items: z.array(AccessRequestSchema),
  total: z.number().int(),
  next_cursor: z.string().nullable().optional(),
});
export type AccessRequestList = z.infer<typeof AccessRequestListSchema>;

// §4.4 GET /access-requests/{requestId}/credentials
export const UserCredentialsSchema = z.object({
  user_id: z.string(),
  memory_key: z.string(),
  encryption_key: z.string().regex(/^[0-9a-fA-F]+$/, 'encryption_key must be hex'),
  key_version: z.number().int(),
});
export type UserCredentials = z.infer<typeof UserCredentialsSchema>;

// §4.6 MemoryBlobResponse (write result, no content) and §4.5 MemoryBlob (read model)
export const MemoryBlobResponseSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  title: z.string().nullable().optional(),
  summary: z.string().nullable().optional(),
  tags: z.array(z.string()).nullable().optional(),
  tag_ids: z.array(z.string()).nullable().optional(),
  importance: z.number().nullable().optional(),
  confidence: z.number().nullable().optional(),
  source: z.string().nullable().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type MemoryBlobResponse = z.infer<typeof MemoryBlobResponseSchema>;

export const MemoryBlobSchema = MemoryBlobResponseSchema.extend({ content: z.string() });
export type MemoryBlob = z.infer<typeof MemoryBlobSchema>;

// §4.7 GET /memory-blobs
export const MemoryBlobListSchema = z.object({
  memoryBlobs: z.array(MemoryBlobSchema),
  next_cursor: z.string().nullable(),
});
export type MemoryBlobList = z.infer<typeof MemoryBlobListSchema>;

/** §3.8 query parameters of GET /memory-blobs (all strings on the wire). */
export const ListMemoryBlobsQuerySchema = z.object({
  user_id: z.string().min(1),
  limit: z.coerce.number().int().min(1).optional(),
  cursor: z.string().optional(),
  tags: z.string().optional(),
  searchQuery: z.string().optional(),
  importance: z.coerce.number().optional(),
});

// §3.10 POST /memory-blobs and §3.11 PATCH /memory-blobs/{blobId}
const blobFields = {
  title: z.string().optional(),
  summary: z.string().optional(),
  tags: z.array(z.string()).optional(),
  importance: z.number().optional(),
  confidence: z.number().optional(),
  source: z.string().optional(),
};

export const CreateMemoryBlobRequestSchema = z.object({
  user_id: z.string().min(1),
  memoryKey: z.string().min(1),
  content: z.string(),
  ...blobFields,
});
export type CreateMemoryBlobRequest = z.infer<typeof CreateMemoryBlobRequestSchema>;

export const UpdateMemoryBlobRequestSchema = z.object({
  user_id: z.string().min(1),
  memoryKey: z.string().min(1),
  content: z.string().optional(),
  ...blobFields,
});
export type UpdateMemoryBlobRequest = z.infer<typeof UpdateMemoryBlobRequestSchema>;

// §4.9 Tag and TagList
export const TagSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable().optional(),
  color: z.string().nullable().optional(),
  is_enabled: z.boolean().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type Tag = z.infer<typeof TagSchema>;

export const TagListSchema = z.object({
  items: z.array(TagSchema),
  next_cursor: z.string().nullable().optional(),
});
export type TagList = z.infer<typeof TagListSchema>;

// §3.3 POST /oauth/token [ASSUMED]: standard fields plus memory_key, read tolerantly.
export const OAuthTokenResponseSchema = z
  .object({
    access_token: z.string(),
    token_type: z.string().optional(),
    expires_in: z.number().optional(),
    refresh_token: z.string().optional(),
    scope: z.string().optional(),
    memory_key: z.string().optional(),
    memoryKey: z.string().optional(),
    user_id: z.string().optional(),
  })
  .loose();
export type OAuthTokenResponse = z.infer<typeof OAuthTokenResponseSchema>;
