// Preloaded into the gateway by gc-survivors.mjs (`node --import`): samples allocations with
// V8's sampling heap profiler, dropping objects that die in a scavenge, so what is left after
// the window is what survived one: the objects whose promotion makes scavenges long. Starts
// after GW_SURVIVORS_DELAY_MS, samples for GW_SURVIVORS_MS, writes GW_SURVIVORS_OUT. With
// GW_SURVIVORS_ALL=1 every allocation is sampled, those that die young included; with
// GW_SURVIVORS_LIVE=1 only what is still alive when the window ends (read under load: the
// objects that outlive scavenges by far, which is what gets promoted).
import { writeFileSync } from 'node:fs';
import inspector from 'node:inspector';

const session = new inspector.Session();
session.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));

async function start() {
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: process.env.GW_SURVIVORS_LIVE !== '1', includeObjectsCollectedByMinorGC: process.env.GW_SURVIVORS_ALL === '1' });
  setTimeout(() => void stop(), Number(process.env.GW_SURVIVORS_MS)).unref();
}

async function stop() {
  const { profile } = await post('HeapProfiler.getSamplingProfile');
  await post('HeapProfiler.stopSampling');
  writeFileSync(process.env.GW_SURVIVORS_OUT, JSON.stringify(profile));
}

setTimeout(() => void start(), Number(process.env.GW_SURVIVORS_DELAY_MS)).unref();
