/** Who is signed in, as GET /api/v1/session says. */
export interface Session {
  name: string;
  role: 'viewer' | 'editor' | 'admin';
  csrf: string | null;
}

/** A page renders itself into `main`. */
export type Page = (main: HTMLElement, session: Session) => Promise<void>;

export const canEdit = (s: Session) => s.role !== 'viewer';
