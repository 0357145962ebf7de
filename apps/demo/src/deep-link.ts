import type { Question } from '@litestage/core';

/** The devices a link or the device menu can ask for (`@litestage/backend-web`'s). */
export const DEMO_DEVICES = ['auto', 'webgpu', 'wasm'] as const;
export type DemoDevice = (typeof DEMO_DEVICES)[number];

/** What a shared link asks the page to do. */
export interface DeepLink {
  /** The question to show, when the link names one with its options. */
  readonly question: Question | null;
  /** Run it as soon as the model is loaded. */
  readonly autorun: boolean;
  readonly device: DemoDevice;
  /** Why parts of the link were ignored, to show on the page. */
  readonly problems: readonly string[];
}

/** Options in a link are separated by `|`: `options=desert|forest|swamp|cave`. */
export const OPTION_SEPARATOR = '|';

/**
 * Reads `?question=...&options=a|b|c|d&answer=B&autorun=1&device=wasm`. A question needs at
 * least two options; `answer` (the gold option's letter) is optional and lets the page say
 * whether each run was right.
 */
export function parseDeepLink(search: string): DeepLink {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const device = params.get('device') ?? 'auto';
  const knownDevice = (DEMO_DEVICES as readonly string[]).includes(device);
  if (!knownDevice) {
    problems.push(`device "${device}" is not one of ${DEMO_DEVICES.join(', ')}: using auto`);
  }
  const text = params.get('question')?.trim() ?? '';
  const options = (params.get('options') ?? '')
    .split(OPTION_SEPARATOR)
    .map((option) => option.trim())
    .filter((option) => option !== '');
  let question: Question | null = null;
  if (text !== '' && options.length < 2) {
    problems.push('a question needs at least two options (options=a|b|c|d): not run');
  } else if (text !== '') {
    const answer = params.get('answer')?.trim().toUpperCase();
    const label = answer && /^[A-Z]$/.test(answer) && answer.charCodeAt(0) - 65 < options.length;
    if (answer && !label) problems.push(`answer "${answer}" names none of the options: ignored`);
    question = { id: 'link', question: text, options, ...(label ? { answer } : {}) };
  }
  return {
    question,
    autorun: question !== null && ['1', 'true', 'yes'].includes(params.get('autorun') ?? ''),
    device: knownDevice ? (device as DemoDevice) : 'auto',
    problems,
  };
}

/** The link's query string for a question (and a device other than auto). */
export function deepLinkSearch(
  question: Question,
  options: { autorun?: boolean; device?: DemoDevice } = {},
): string {
  const params = new URLSearchParams({
    question: question.question,
    options: question.options.join(OPTION_SEPARATOR),
  });
  if (question.answer) params.set('answer', question.answer);
  if (options.autorun) params.set('autorun', '1');
  if (options.device && options.device !== 'auto') params.set('device', options.device);
  return `?${params}`;
}
