/**
 * Blob rows as SQL reads them: one statement for a blob with its tag names and ids in order (as
 * JSON arrays), turned into the contract's BlobRow.
 */
import type { BlobRow } from './types.js';

export interface RawBlob extends Omit<BlobRow, 'tags' | 'tag_ids'> {
  fingerprint: string | null;
  tag_names: string | null;
  tag_id_list: string | null;
}

export const SELECT_BLOB = `
  SELECT b.id, b.user_id, b.content, b.fingerprint, b.title, b.summary, b.importance, b.confidence, b.source,
         b.created_at, b.updated_at,
         (SELECT json_group_array(t.name) FROM (SELECT t.name FROM blob_tags bt JOIN tags t ON t.id = bt.tag_id
            WHERE bt.blob_id = b.id ORDER BY bt.position) t) AS tag_names,
         (SELECT json_group_array(bt.tag_id) FROM (SELECT bt.tag_id FROM blob_tags bt
            WHERE bt.blob_id = b.id ORDER BY bt.position) bt) AS tag_id_list
  FROM blobs b`;

export function toBlob(raw: RawBlob): BlobRow {
  const { fingerprint: _fingerprint, tag_names, tag_id_list, ...rest } = raw;
  return {
    ...rest,
    tags: tag_names ? (JSON.parse(tag_names) as string[]) : [],
    tag_ids: tag_id_list ? (JSON.parse(tag_id_list) as string[]) : [],
  };
}
