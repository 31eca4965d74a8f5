import { Command } from 'commander';
import { tablePrice, type Model, type Price } from '@llmgw/core';
import type { Context, Runner } from '../../context.js';
import { isDataFormat, outputFormat, REPORT_FORMATS, withOutputFlags, type FormatFlags } from '../../output-format.js';
import { UserError } from '../../errors.js';
import { parseNumber } from '../../parse.js';
import { warnUnpriced } from '../../warn-unpriced.js';
import { mustGetModel } from './show.js';

interface ModelPriceOptions extends Omit<FormatFlags, 'output'> {
  /** `-o, --output-format`: `--output` is the output price here. */
  outputFormat?: FormatFlags['output'];
  name: string;
  /** USD per million tokens; `false` (a --no-… flag) removes the price. */
  input?: number | false;
  output?: number | false;
  cachedInput?: number | false;
  cacheWrite?: number | false;
  cacheWrite1h?: number | false;
}

type Prices = Pick<Model, 'price_input' | 'price_output' | 'price_cached_input' | 'price_cache_write' | 'price_cache_write_1h'>;

const show = (v?: number) => (v === undefined ? '-' : `$${v}/Mtok`);

/** What each target of `m` is billed at when the model has no price of its own: the price table's entry, or none. */
async function tablePrices(ctx: Context, m: Model): Promise<Array<{ target: string; price: Price | null }>> {
  const out: Array<{ target: string; price: Price | null }> = [];
  for (const t of m.targets) {
    const p = await ctx.registry.getProvider(t.provider);
    out.push({ target: `${t.provider}/${t.model}`, price: p ? tablePrice(t.model, p) : null });
  }
  return out;
}

function describeTable(price: Price | null): string {
  if (!price) return 'no price (not in the price table): keys with a budget are refused it';
  const extra = [price.cachedInput !== undefined ? `cached input ${show(price.cachedInput)}` : '', price.cacheWrite !== undefined ? `cache write ${show(price.cacheWrite)}` : '', price.cacheWrite1h !== undefined ? `1h cache write ${show(price.cacheWrite1h)}` : ''].filter(Boolean);
  return `input ${show(price.input)}, output ${show(price.output)}${extra.length ? `, ${extra.join(', ')}` : ''} (price table: ${price.source.slice('table:'.length)})`;
}

async function modelPrice(ctx: Context, o: ModelPriceOptions): Promise<void> {
  const f = outputFormat({ output: o.outputFormat, json: o.json });
  const m = await mustGetModel(ctx, o.name);
  if (m.alias_of) throw new UserError(`"${o.name}" is an alias of "${m.alias_of}"; set the price there`);
  const change: Partial<Prices> = {};
  const set = (field: keyof Prices, v: number | false | undefined, flag: string) => {
    if (v === undefined) return;
    if (v !== false && v < 0) throw new UserError(`${flag} must not be negative`);
    change[field] = v === false ? undefined : v;
  };
  set('price_input', o.input, '--input');
  set('price_output', o.output, '--output');
  set('price_cached_input', o.cachedInput, '--cached-input');
  set('price_cache_write', o.cacheWrite, '--cache-write');
  set('price_cache_write_1h', o.cacheWrite1h, '--cache-write-1h');
  const updated = Object.keys(change).length ? await ctx.registry.updateModel(o.name, () => change) : m;
  const prices = { price_input: updated.price_input, price_output: updated.price_output, price_cached_input: updated.price_cached_input, price_cache_write: updated.price_cache_write, price_cache_write_1h: updated.price_cache_write_1h };
  const own = prices.price_input !== undefined || prices.price_output !== undefined;
  const table = own ? [] : await tablePrices(ctx, updated);
  if (isDataFormat(f)) return ctx.out.data({ name: updated.name, ...prices, table: table.map((t) => ({ target: t.target, ...(t.price ?? { price: null }) })) }, f);
  if (own) {
    ctx.out.line(
      `model ${updated.name}: input ${show(prices.price_input)}, output ${show(prices.price_output)}, cached input ${show(prices.price_cached_input)}, cache write ${show(prices.price_cache_write)}` +
        (prices.price_cache_write_1h !== undefined ? `, 1h cache write ${show(prices.price_cache_write_1h)}` : '') +
        (prices.price_cached_input === undefined ? ' (cached input billed at the input price)' : ''),
    );
  } else {
    ctx.out.line(`model ${updated.name}: no price of its own; each target is billed at:`);
    for (const t of table) ctx.out.line(`  ${t.target}: ${describeTable(t.price)}`);
  }
  if (Object.keys(change).length) await warnUnpriced(ctx, { models: [updated.name] });
}

export function priceCommand(run: Runner): Command {
  const cmd = new Command('price')
    .description("set a model's prices in USD per million tokens (spend and budgets use them); without flags, show what it is billed at")
    .argument('<name>', 'public model name')
    .option('--input <usd>', 'USD per 1M prompt tokens', parseNumber)
    .option('--output <usd>', 'USD per 1M completion tokens', parseNumber)
    .option('--cached-input <usd>', 'USD per 1M prompt tokens read from the provider cache (default: the input price)', parseNumber)
    .option('--cache-write <usd>', 'USD per 1M prompt tokens written to the provider cache, e.g. Anthropic (default: the input price)', parseNumber)
    .option('--cache-write-1h <usd>', 'USD per 1M prompt tokens written to the provider cache with a 1-hour TTL, Anthropic (default: the cache write price)', parseNumber)
    .option('--no-input', 'remove the input price')
    .option('--no-output', 'remove the output price')
    .option('--no-cached-input', 'remove the cached input price')
    .option('--no-cache-write', 'remove the cache write price')
    .option('--no-cache-write-1h', 'remove the 1-hour cache write price');
  return withOutputFlags(cmd, REPORT_FORMATS)
    .addHelpText(
      'after',
      `
A model without prices of its own is billed, per target, at the bundled price table's entry for
its upstream model (@pydantic/genai-prices: OpenAI, Anthropic, Google, Mistral, DeepSeek, …);
prices set here win over the table for every target.

Examples:
  gwctl model price gpt-4o-mini                       (show what it is billed at)
  gwctl model price my-llama --input 0.2 --output 0.6`,
    )
    .action((name: string, opts: Omit<ModelPriceOptions, 'name'>, c: Command) => run(c, (ctx) => modelPrice(ctx, { ...opts, name })));
}
