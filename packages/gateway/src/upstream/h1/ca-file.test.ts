import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config.js';
import { upstreamCaOptions } from './ca-file.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'llmgw-ca-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('GW_UPSTREAM_CA_FILE', () => {
  it('stops the boot with a message naming the variable when the file cannot be used', () => {
    const missing = path.join(dir, 'missing.pem');
    expect(() => upstreamCaOptions(missing)).toThrow(ConfigError);
    expect(() => upstreamCaOptions(missing)).toThrow(`invalid configuration: GW_UPSTREAM_CA_FILE="${missing}": cannot be read (ENOENT)`);
    expect(() => upstreamCaOptions(file('empty.pem', 'not a certificate\n'))).toThrow(/GW_UPSTREAM_CA_FILE=.*: no PEM certificate in it/);
    const broken = file('broken.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect(() => upstreamCaOptions(broken)).toThrow(/GW_UPSTREAM_CA_FILE=.*: certificate #1 cannot be parsed/);
  });
});
