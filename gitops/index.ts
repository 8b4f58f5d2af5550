export { readTreeAtRevision, resolveCommit, RevisionError } from './revision.ts';
export type { CommitInfo, ReadTreeOptions, TreeAtRevision } from './revision.ts';
