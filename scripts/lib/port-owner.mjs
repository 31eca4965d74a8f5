// Is a TCP port free to listen on, and if not, which process holds it: for `npm run dev`,
// which must refuse (naming the port and the process) before it touches anything.
// Linux: /proc/net/tcp{,6} gives the listening socket's inode, /proc/<pid>/fd the process that
// holds it; elsewhere (or for another user's process) `lsof` when installed; else the port alone.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';

/**
 * Resolves null when `host:port` can be listened on now, else the error code (`EADDRINUSE`,
 * `EACCES`, …). A plain listen, without SO_REUSEPORT: it fails even where the holder (uWS)
 * set SO_REUSEPORT, which would let a second gateway share the port silently.
 */
export function probePort(port, host) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (e) => resolve(e.code ?? e.message));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(null)));
  });
}

/** Inodes of the sockets listening on `port` (state 0A in /proc/net/tcp and tcp6). */
function listeningInodes(port) {
  const inodes = new Set();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (f.length > 9 && f[1].endsWith(`:${hexPort}`) && f[3] === '0A' && f[9] !== '0') inodes.add(f[9]);
    }
  }
  return inodes;
}

/** `pid N (command line)` of a process, its command line cut to 120 characters. */
function describe(pid, cmdline) {
  const cmd = cmdline.replace(/\s+/g, ' ').trim();
  return cmd ? `pid ${pid} (${cmd.length > 120 ? `${cmd.slice(0, 119)}…` : cmd})` : `pid ${pid}`;
}

/** The process holding one of these socket inodes, from /proc/<pid>/fd; null when none is visible. */
function procOwner(inodes) {
  if (inodes.size === 0) return null;
  let pids;
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds;
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      let link;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1])) {
        let cmdline = '';
        try {
          cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        } catch {
          /* exited meanwhile */
        }
        return describe(pid, cmdline);
      }
    }
  }
  return null;
}

/** The listener of `port` according to lsof (`-F pc`: p<pid>, c<command>); null when lsof is missing or says nothing. */
function lsofOwner(port) {
  const r = spawnSync('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], { encoding: 'utf8', timeout: 5_000 });
  if (r.status !== 0 || !r.stdout) return null;
  const pid = /^p(\d+)$/m.exec(r.stdout)?.[1];
  const cmd = /^c(.+)$/m.exec(r.stdout)?.[1] ?? '';
  return pid ? describe(pid, cmd) : null;
}

/** Who listens on `port`: `pid 1234 (node packages/gateway/dist/main.js)`, or null when it cannot be told. */
export function portOwner(port) {
  return procOwner(listeningInodes(port)) ?? lsofOwner(port);
}
