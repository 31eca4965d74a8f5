import { UserError } from './errors.js';

/**
 * The one place that asks the user anything. Interactive only when a terminal is attached,
 * CI is not set and `--yes` was not given; otherwise every question answers its default
 * or fails with a user error that names the flag to pass instead.
 */
export interface Prompt {
  readonly interactive: boolean;
  /**
   * A yes/no confirmation of a destructive step; `action` names it for the error
   * (`delete provider x`). Non-interactive: true with `--yes`, else a user error.
   */
  confirm(question: string, action: string): Promise<boolean>;
  /** A text value for a missing flag. */
  input(message: string, o: { flag: string; default?: string; validate?: (v: string) => string | true }): Promise<string>;
  /** A secret (input hidden); same rules as `input`. */
  secret(message: string, o: { flag: string; default?: string }): Promise<string>;
  /** One of `choices` for a missing flag. */
  select(message: string, choices: readonly string[], o: { flag: string; default?: string }): Promise<string>;
}

/** The questions a Prompt can put to a person; inquirer in production, a script in tests. */
export interface Asker {
  input(q: { message: string; default?: string; validate?: (v: string) => string | true }): Promise<string>;
  password(q: { message: string }): Promise<string>;
  confirm(q: { message: string; default: boolean }): Promise<boolean>;
  select(q: { message: string; choices: readonly string[]; default?: string }): Promise<string>;
}

export interface PromptOptions {
  /** `--yes`: assume yes to confirmations and never ask. */
  yes?: boolean;
  /** Whether a person can answer; defaults to `isInteractiveSession(env)`. */
  interactive?: boolean;
  /** Where CI is read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  asker?: Asker;
}

/** True when stdin and stdout are terminals and CI is not set. */
export function isInteractiveSession(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !ci;
}

export function createPrompt(o: PromptOptions = {}): Prompt {
  const interactive = !o.yes && (o.interactive ?? isInteractiveSession(o.env));
  const asker = o.asker ?? inquirerAsker;
  const missing = (flag: string) => new UserError(`missing ${flag} (no terminal to ask on)`, `pass ${flag}`);
  return {
    interactive,
    async confirm(question, action) {
      if (o.yes) return true;
      if (!interactive) throw new UserError(`refusing to ${action} without confirmation (no terminal to ask on)`, 'pass --yes');
      return asker.confirm({ message: question, default: false });
    },
    async input(message, q) {
      if (!interactive) {
        if (q.default !== undefined) return q.default;
        throw missing(q.flag);
      }
      return asker.input({ message, ...(q.default !== undefined ? { default: q.default } : {}), ...(q.validate ? { validate: q.validate } : {}) });
    },
    async secret(message, q) {
      if (!interactive) {
        if (q.default !== undefined) return q.default;
        throw missing(q.flag);
      }
      return asker.password({ message });
    },
    async select(message, choices, q) {
      if (!interactive) {
        if (q.default !== undefined) return q.default;
        throw missing(q.flag);
      }
      if (choices.length === 0) throw missing(q.flag);
      return asker.select({ message, choices, ...(q.default !== undefined ? { default: q.default } : {}) });
    },
  };
}

// inquirer is loaded only when a question is actually asked: most runs never need it.
async function ask<T>(question: Record<string, unknown>): Promise<T> {
  const { default: inquirer } = await import('inquirer');
  const answers = (await inquirer.prompt([{ ...question, name: 'value' } as never])) as { value: T };
  return answers.value;
}

const inquirerAsker: Asker = {
  input: (q) => ask<string>({ type: 'input', ...q }),
  password: (q) => ask<string>({ type: 'password', mask: '*', ...q }),
  confirm: (q) => ask<boolean>({ type: 'confirm', ...q }),
  select: (q) => ask<string>({ type: 'select', message: q.message, choices: [...q.choices], default: q.default }),
};
