/** `npm run openapi`: writes the OpenAPI 3.1 document (bin/openapi/document.ts) to openapi.json, which both functions serve. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiText } from './openapi/document.ts';

const file = fileURLToPath(new URL('../openapi.json', import.meta.url));
writeFileSync(file, openApiText());
process.stdout.write(`wrote ${file}\n`);
