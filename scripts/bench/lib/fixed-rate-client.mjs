// fixed-rate.mjs (the open-loop load of the "added latency" figures) as a child process, for
// the scripts that drive it: its JSON summary, or an error naming its exit code.
import { runJsonClient } from './proc.mjs';

/**
 * One window of `rate` requests/s against `url` for `durationS` after `warmupS`, over `conns`
 * keep-alive connections, each request `bodyFile` with `headers`. `idsFile`, `keysFile`: see fixed-rate.mjs --ids-file, --keys-file.
 */
export function runFixedRate({ url, rate, durationS, warmupS = 2, conns = 64, bodyFile, headers = {}, idsFile, keysFile }) {
  const args = ['--url', url, '--rate', String(rate), '--duration', String(durationS), '--warmup', String(warmupS), '--conns', String(conns), '--body-file', bodyFile, '--headers', JSON.stringify(headers)];
  if (idsFile) args.push('--ids-file', idsFile);
  if (keysFile) args.push('--keys-file', keysFile);
  return runJsonClient('fixed-rate.mjs', args);
}
