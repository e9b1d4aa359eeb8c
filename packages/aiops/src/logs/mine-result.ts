import { extractParameters } from './parameters.js';

export type TemplateChange = 'none' | 'created' | 'updated';

export interface MineResult {
  readonly templateId: string;
  readonly template: string;
  /** The values of the line at the template's wildcards, in order. */
  readonly parameters: readonly string[];
  /** `created`: a new template; `updated`: this line generalised its template (or merged others into it). */
  readonly change: TemplateChange;
  /** Ids of templates that this line's arrival merged into `templateId` (they are aliases of it from now on). */
  readonly mergedIds: readonly string[];
}

/** A mine result whose parameters are computed on first read: most callers only count templates. */
export class Mined implements MineResult {
  readonly templateId: string;
  readonly template: string;
  readonly change: TemplateChange;
  readonly mergedIds: readonly string[];
  readonly #shown: readonly string[];
  readonly #content: string;
  #parameters: readonly string[] | undefined;

  constructor(
    templateId: string,
    template: string,
    change: TemplateChange,
    mergedIds: readonly string[],
    shown: readonly string[],
    content: string,
  ) {
    this.templateId = templateId;
    this.template = template;
    this.change = change;
    this.mergedIds = mergedIds;
    this.#shown = shown;
    this.#content = content;
  }

  get parameters(): readonly string[] {
    this.#parameters ??= extractParameters(this.#shown, this.#content);
    return this.#parameters;
  }
}
