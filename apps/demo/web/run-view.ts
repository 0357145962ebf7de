import { type EngineEvent, type EngineResult, optionIndex, type Question } from '@litestage/core';
import { METHOD_TITLES, type Method } from '../src/compared-profiles.js';
import { stageFigures } from '../src/stage-figures.js';
import { h } from './dom.js';

/** One run's column: its stages' texts as they stream, their figures, and the answer. */
export class RunView {
  private readonly stages = new Map<
    string,
    { box: HTMLElement; text: HTMLElement; figures: HTMLElement }
  >();
  private readonly answer: HTMLElement;
  private readonly total: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly method: Method,
    stageNames: readonly string[],
  ) {
    this.total = h('span', { class: 'muted' });
    this.answer = h('div', { class: 'answer' });
    root.replaceChildren(h('h3', {}, METHOD_TITLES[method], ' ', this.total));
    for (const name of stageNames) {
      const text = h('div', { class: 'text', 'data-testid': `stage-${method}-${name}` });
      const figures = h('div', { class: 'figures', 'data-testid': `figures-${method}-${name}` });
      const box = h('div', { class: 'stage' }, h('div', { class: 'name' }, name), text, figures);
      this.stages.set(name, { box, text, figures });
      root.append(box);
    }
    root.append(this.answer);
    this.clear();
  }

  clear(): void {
    for (const { box, text, figures } of this.stages.values()) {
      box.classList.remove('active');
      text.textContent = '';
      figures.replaceChildren();
    }
    this.total.textContent = '';
    this.answer.replaceChildren(
      'answer: ',
      h('strong', { 'data-testid': `answer-${this.method}` }, '…'),
    );
  }

  show(event: EngineEvent, question: Question): void {
    if (event.type === 'stage-start') {
      const stage = this.stages.get(event.stage);
      stage?.box.classList.add('active');
      stage?.figures.replaceChildren(
        h('span', {}, `${event.skipped.length} sub-layers skipped`),
        h('span', {}, `${event.prefillTokens} prompt tokens`),
      );
    } else if (event.type === 'token') {
      this.stages.get(event.stage)?.text.append(event.text);
    } else if (event.type === 'stage-end') {
      const stage = this.stages.get(event.stage);
      if (!stage) return;
      const figures = stageFigures(event.result);
      stage.box.classList.remove('active');
      // The streamed pieces hold the stop string's lead-in at times; the result is the text.
      stage.text.textContent = event.result.text;
      stage.figures.replaceChildren(
        h('span', {}, `${figures.tokens} tokens`),
        h('span', {}, `${figures.ms.toFixed(0)} ms`),
        h('span', {}, `${figures.tokensPerSecond.toFixed(1)} tokens/s`),
        h('span', {}, `${event.result.skipped.length} sub-layers skipped`),
        h(
          'span',
          {
            class: figures.earlyExit ? 'exit-early' : '',
            'data-testid': `exit-${this.method}-${event.stage}`,
          },
          figures.exit,
        ),
      );
    } else if (event.type === 'done') {
      this.showResult(event.result, question);
    }
  }

  private showResult(result: EngineResult, question: Question): void {
    this.total.textContent = `${result.ms.toFixed(0)} ms`;
    const label = result.answer.ok ? result.answer.answer : null;
    const option = label === null ? undefined : question.options[optionIndex(label)];
    const verdict =
      result.correct === undefined
        ? h('span', { class: 'muted' }, '(no gold answer to compare with)')
        : result.correct
          ? h('span', { class: 'right', 'data-testid': `verdict-${this.method}` }, 'right')
          : h(
              'span',
              { class: 'wrong', 'data-testid': `verdict-${this.method}` },
              `wrong (gold: ${question.answer})`,
            );
    this.answer.replaceChildren(
      'answer: ',
      h('strong', { 'data-testid': `answer-${this.method}` }, label ?? 'none'),
      option === undefined ? '' : ` (${option}) `,
      ' ',
      verdict,
    );
  }
}
