// The CommonJS build lives in dist/cjs; this package.json makes Node read its .js files as
// CommonJS although the package itself is "type": "module".
import { writeFileSync } from 'node:fs';

writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
