// What a log line costs the process (user + system CPU, the thread pool's writes included) with
// pino's stdout destination written per line (async, today's), in 4 KiB blocks (async), or in
// 4 KiB blocks synchronously; `per` lines a turn (one setImmediate between turns).
//   node scripts/bench/log-write.mjs old|new|syncbuf [per, default 20] | cat > /dev/null
import { pino } from 'pino';
const mode = process.argv[2];
const dest = mode === 'old' ? pino.destination({ sync: false }) : mode === 'syncbuf' ? pino.destination({ sync: true, minLength: 4096, periodicFlush: 50 }) : pino.destination({ sync: false, minLength: 4096, periodicFlush: 50 });
const log = pino({ level: 'info', base: { svc: 'gateway' }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
const N = 100000; const PER = Number(process.argv[3] ?? 20);
const t0 = process.cpuUsage();
let i = 0;
// ~10k lines/s spread over turns, like a loaded gateway: 20 lines per turn
await new Promise((resolve) => {
  const tick = () => {
    for (let k = 0; k < PER && i < N; k++, i++) log.info({ reqId: `req_${i}`, endpoint: '/v1/chat/completions', status: 200, ms: 3.2, key: 'key_abcdef', model: 'gpt-4o-mini' }, 'request');
    if (i < N) setImmediate(tick); else resolve();
  };
  tick();
});
if (mode === 'syncbuf') dest.flushSync(); else await new Promise((r) => dest.flush(() => r()));
const u = process.cpuUsage(t0);
process.stderr.write(`${mode}: ${((u.user + u.system) / N).toFixed(2)} µs/line (user ${(u.user / N).toFixed(2)}, sys ${(u.system / N).toFixed(2)})\n`);
