// `npm run gen:docs`: regenerates the docs derived from code — the spec's JSON Schema and the problem-type
// catalogue. Tests fail when the checked-in files drift from what this writes.
import { writeFileSync } from 'node:fs';
import { listProblemTypes, renderErrorsDoc } from '@opsloop/contracts';
import { specJsonSchema } from '@opsloop/runtime';

const root = new URL('../', import.meta.url);
writeFileSync(new URL('docs/opsloop.schema.json', root), `${JSON.stringify(specJsonSchema(), null, 2)}\n`);
writeFileSync(new URL('docs/errors.md', root), renderErrorsDoc(listProblemTypes()));
console.log('wrote docs/opsloop.schema.json and docs/errors.md');
