import type { AttachmentCategory } from '../db/attachments-repo.js';

/** The categories in the order people read them, with their names. */
export const CATEGORY_NAMES: Readonly<Record<AttachmentCategory, string>> = { image: '图片', audio: '录音', video: '视频', file: '文件' };

/** How many files a ticket has in all. */
export function attachmentTotal(counts: Record<AttachmentCategory, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** A ticket's evidence in one phrase, as 查询 shows it (SPEC §7b): `3（图片2，文件1）`; '' for none. */
export function attachmentSummary(counts: Record<AttachmentCategory, number>): string {
  const total = attachmentTotal(counts);
  if (total === 0) return '';
  const parts = (Object.keys(CATEGORY_NAMES) as AttachmentCategory[]).filter((c) => counts[c] > 0).map((c) => `${CATEGORY_NAMES[c]}${counts[c]}`);
  return `${total}（${parts.join('，')}）`;
}
