/// <reference lib="dom" />
import { api } from '../api.js';
import { field, formValues, h, table } from '../dom.js';
import { errorLine, numOrNull } from './form-errors.js';
import { canEdit, type Page } from './page.js';

interface Model {
  name: string;
  alias_of?: string;
  policy: string;
  targets: Array<{ provider: string; model: string; weight: number; priority: number }>;
  price_input?: number;
  price_output?: number;
}

const price = (m: Model) => (m.price_input === undefined && m.price_output === undefined ? 'unpriced' : `$${m.price_input ?? 0} in / $${m.price_output ?? 0} out per 1M`);

export const modelsPage: Page = async (main, session) => {
  const render = async () => {
    const { items } = await api<{ items: Model[] }>('GET', '/models');
    const err = errorLine();
    const slot = h('div');
    const act = (f: () => Promise<unknown>) => () => {
      err.clear();
      f().then(() => render(), err.show);
    };
    const priceForm = (m: Model) => {
      const f = h(
        'form',
        { class: 'panel', 'aria-label': `Prices of ${m.name}` },
        h('div', { class: 'fields' }, field('Input price (USD per 1M tokens)', 'price_input', { type: 'number', step: 'any', min: 0, value: m.price_input ?? '' }), field('Output price (USD per 1M tokens)', 'price_output', { type: 'number', step: 'any', min: 0, value: m.price_output ?? '' })),
        h('button', { type: 'submit', class: 'primary' }, 'Save'),
      );
      f.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const v = formValues(f);
        api('PATCH', `/models/${encodeURIComponent(m.name)}`, { price_input: numOrNull(v.price_input), price_output: numOrNull(v.price_output) }).then(() => render(), err.show);
      });
      return f;
    };
    const rows = items.map((m) => [
      m.name,
      m.alias_of ? `alias of ${m.alias_of}` : m.targets.map((t) => `${t.provider}/${t.model} (w${t.weight}, p${t.priority})`).join(', '),
      m.alias_of ? '' : m.policy,
      m.alias_of ? '' : price(m),
      canEdit(session)
        ? h(
            'div',
            { class: 'actions' },
            m.alias_of ? '' : h('button', { type: 'button', onclick: () => slot.replaceChildren(priceForm(m)) }, 'Prices'),
            h('button', { type: 'button', class: 'danger', onclick: () => confirm(`Delete model ${m.name}?`) && act(() => api('DELETE', `/models/${encodeURIComponent(m.name)}`))() }, 'Delete'),
          )
        : '',
    ]);
    const bind = h(
      'form',
      { class: 'panel', 'aria-label': 'Bind model' },
      h('div', { class: 'fields' }, field('Model', 'name', { required: true }), field('Provider', 'provider', { required: true }), field('Upstream model', 'model', { placeholder: 'default: the model name' })),
      h('button', { type: 'submit', class: 'primary' }, 'Bind'),
    );
    bind.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = formValues(bind);
      api('POST', `/models/${encodeURIComponent(v.name ?? '')}/targets`, { provider: v.provider, ...(v.model ? { model: v.model } : {}) }).then(() => render(), err.show);
    });
    const alias = h(
      'form',
      { class: 'panel', 'aria-label': 'New alias' },
      h('div', { class: 'fields' }, field('Alias', 'name', { required: true }), field('Alias of', 'alias_of', { required: true })),
      h('button', { type: 'submit' }, 'Add alias'),
    );
    alias.addEventListener('submit', (ev) => {
      ev.preventDefault();
      api('POST', '/aliases', formValues(alias)).then(() => render(), err.show);
    });
    main.replaceChildren(
      h('h2', null, 'Models'),
      err.el,
      table('Public models, aliases, targets and prices', ['model', 'targets', 'policy', 'price', 'actions'], rows),
      slot,
      canEdit(session) ? bind : '',
      canEdit(session) ? alias : '',
    );
  };
  await render();
};
