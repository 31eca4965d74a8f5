import { Command } from 'commander';
import type { Model } from '@llmgw/core';
import type { Context } from '../../context.js';
import { UserError } from '../../errors.js';
import { parseNumber } from '../../parse.js';
import type { Runner } from '../../program.js';
import { mustGetModel } from './show.js';

export interface ModelPriceOptions {
  name: string;
  /** USD per million tokens; `false` (a --no-… flag) removes the price. */
  input?: number | false;
  output?: number | false;
  cachedInput?: number | false;
  json?: boolean;
}

type Prices = Pick<Model, 'price_input' | 'price_output' | 'price_cached_input'>;

const show = (v?: number) => (v === undefined ? '-' : `$${v}/Mtok`);

export async function modelPrice(ctx: Context, o: ModelPriceOptions): Promise<void> {
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
  const updated = Object.keys(change).length ? await ctx.registry.updateModel(o.name, () => change) : m;
  const prices = { price_input: updated.price_input, price_output: updated.price_output, price_cached_input: updated.price_cached_input };
  if (o.json) return ctx.out.json({ name: updated.name, ...prices });
  ctx.out.line(
    `model ${updated.name}: input ${show(prices.price_input)}, output ${show(prices.price_output)}, cached input ${show(prices.price_cached_input)}` +
      (prices.price_cached_input === undefined && prices.price_input !== undefined ? ' (cached input billed at the input price)' : ''),
  );
}

export function priceCommand(run: Runner): Command {
  return new Command('price')
    .description("set a model's prices in USD per million tokens (spend and budgets use them); without flags, show them")
    .argument('<name>', 'public model name')
    .option('--input <usd>', 'USD per 1M prompt tokens', parseNumber)
    .option('--output <usd>', 'USD per 1M completion tokens', parseNumber)
    .option('--cached-input <usd>', 'USD per 1M cached prompt tokens (default: the input price)', parseNumber)
    .option('--no-input', 'remove the input price')
    .option('--no-output', 'remove the output price')
    .option('--no-cached-input', 'remove the cached input price')
    .option('--json', 'machine-readable output')
    .action((name: string, opts: Omit<ModelPriceOptions, 'name'>, c: Command) => run(c, (ctx) => modelPrice(ctx, { ...opts, name })));
}
