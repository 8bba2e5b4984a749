// Type-checks the TypeScript examples of the docs pages that opt in, so that docs cannot drift
// from the types. A page opts in with an HTML comment, invisible when rendered:
//
//   <!-- typecheck-examples
//   import type { HttpContext } from 'connchan/server';
//   declare const ctx: HttpContext;   (the page's prelude: what its snippets take as given)
//   -->
//
// Every ```ts block of the page is then a module of its own: the page's prelude, the prelude of
// a `<!-- typecheck-prelude … -->` comment right before the block (if any), then the block.
// They are compiled together with the project's tsconfig (strict, `connchan/*` mapped to src/),
// as if they sat in docs/, and each error is reported at its line in the page.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

const PAGE_MARK = /<!--\s*typecheck-examples\b([\s\S]*?)-->/;
const BLOCK_PRELUDE = /<!--\s*typecheck-prelude\b((?:(?!-->)[\s\S])*)-->\s*$/;

export interface DocExample {
  page: string;
  /** Line of the block's first code line in the page (1-based). */
  line: number;
  /** The module compiled: prelude lines, then the block. */
  source: string;
  /** How many lines precede the block's code in `source`. */
  preludeLines: number;
}

/** The ```ts blocks of one page, with their preludes, or [] when the page does not opt in. */
export function examplesOf(page: string, text: string): DocExample[] {
  const mark = PAGE_MARK.exec(text);
  if (mark === null) return [];
  const pagePrelude = mark[1].trim();
  const out: DocExample[] = [];
  const fence = /^```(ts|typescript)[^\n]*\n([\s\S]*?)^```/gm;
  for (let m = fence.exec(text); m !== null; m = fence.exec(text)) {
    const before = text.slice(0, m.index);
    const blockPrelude = BLOCK_PRELUDE.exec(before)?.[1].trim() ?? '';
    const prelude = [pagePrelude, blockPrelude].filter((p) => p !== '').join('\n');
    const preludeLines = prelude === '' ? 0 : prelude.split('\n').length + 1;
    out.push({
      page,
      line: before.split('\n').length + 1,
      source: prelude === '' ? m[2] : `${prelude}\n\n${m[2]}`,
      preludeLines,
    });
  }
  return out;
}

/** Every opted-in page's examples under `docsDir` (and the README beside it). */
export function collectExamples(root: string): DocExample[] {
  const pages = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f));
  pages.push('README.md');
  return pages.flatMap((p) => examplesOf(p, readFileSync(join(root, p), 'utf8')));
}

/**
 * Compiles the examples (in memory, as files in docs/) with the project's compiler options and
 * returns the errors as `page:line: message`.
 */
export function typecheckExamples(root: string, examples: DocExample[]): string[] {
  const configPath = join(root, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (parsed === undefined) throw new Error('cannot read tsconfig.json');
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    // A snippet without import or export is still a module of its own.
    moduleDetection: ts.ModuleDetectionKind.Force,
  };
  const virtual = new Map<string, DocExample>();
  examples.forEach((ex, i) => {
    const name = ex.page.replace(/[^A-Za-z0-9]+/g, '-');
    virtual.set(resolve(root, 'docs', `.example-${name}-${i}.ts`), ex);
  });
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => virtual.get(resolve(f))?.source ?? readFile(f);
  host.fileExists = (f) => virtual.has(resolve(f)) || fileExists(f);
  host.getSourceFile = (f, lang, onError, create) => {
    const ex = virtual.get(resolve(f));
    return ex !== undefined
      ? ts.createSourceFile(f, ex.source, lang)
      : getSourceFile(f, lang, onError, create);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const errors: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const ex = d.file === undefined ? undefined : virtual.get(resolve(d.file.fileName));
    if (d.file === undefined || ex === undefined) {
      errors.push(`${d.file?.fileName ?? '(global)'}: TS${d.code}: ${text}`);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const where =
      line < ex.preludeLines
        ? `${ex.page} (prelude of the block at line ${ex.line})`
        : `${ex.page}:${ex.line + line - ex.preludeLines}`;
    errors.push(`${where}: TS${d.code}: ${text}`);
  }
  return errors;
}

/** The repository root (this file is test/helpers/doc-examples.ts). */
export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');
