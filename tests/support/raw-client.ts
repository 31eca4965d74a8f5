// A raw TCP client for hostile-client tests: write bytes exactly as given, see exactly what
// comes back and when the server closes.
import net from 'node:net';

export interface RawConn {
  socket: net.Socket;
  /** Everything received so far, as text. */
  data(): string;
  closed(): boolean;
  write(text: string): void;
  /** Resolves once the server closed the connection (rejects after `timeoutMs`). */
  waitClosed(timeoutMs?: number): Promise<void>;
  /** Resolves once the received text matches (rejects after `timeoutMs`). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  destroy(): void;
}

export function rawConnect(port: number): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = '';
    let closed = false;
    const waiters = new Set<() => void>();
    const notify = () => {
      for (const w of waiters) w();
    };
    socket.on('data', (d) => {
      buf += d.toString('latin1');
      notify();
    });
    socket.on('close', () => {
      closed = true;
      notify();
    });
    socket.on('error', () => {});
    const until = (check: () => boolean, what: string, timeoutMs: number) =>
      new Promise<void>((res, rej) => {
        if (check()) return res();
        const t = setTimeout(() => {
          waiters.delete(w);
          rej(new Error(`timed out waiting for ${what}; received so far: ${JSON.stringify(buf.slice(0, 500))}`));
        }, timeoutMs);
        const w = () => {
          if (!check()) return;
          clearTimeout(t);
          waiters.delete(w);
          res();
        };
        waiters.add(w);
      });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({
        socket,
        data: () => buf,
        closed: () => closed,
        write: (text) => {
          if (!closed && !socket.destroyed) socket.write(text);
        },
        waitClosed: (timeoutMs = 5000) => until(() => closed, 'the server to close', timeoutMs),
        waitFor: async (re, timeoutMs = 5000) => {
          await until(() => re.test(buf), String(re), timeoutMs);
          return buf;
        },
        destroy: () => socket.destroy(),
      });
    });
  });
}

/** Split a raw HTTP/1.1 byte stream into responses (status line + headers + body by content-length). */
export function parseResponses(text: string): Array<{ status: number; headers: Record<string, string>; body: string }> {
  const out: Array<{ status: number; headers: Record<string, string>; body: string }> = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const len = Number(headers['content-length'] ?? 0);
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + len) });
    rest = rest.slice(end + 4 + len);
  }
  return out;
}
