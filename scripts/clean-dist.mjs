// The library's build starts from an empty dist/, so that nothing a moved or deleted source
// left behind is packed.
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
