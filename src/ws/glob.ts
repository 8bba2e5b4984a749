/**
 * Tcl `string match` globs, which the tcllib manual uses for paths, protocols, hosts and ports:
 * `*` any run, `?` one character, `[a-z]` a set or range, `\x` a literal x.
 */

const cache = new Map<string, RegExp>();

function compile(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < glob.length) re += escape(glob[++i]);
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let set = '';
      for (let j = i + 1; j < end; j++) {
        const d = glob[j];
        if (d === '-' && j > i + 1 && j + 1 < end) set += '-';
        else set += escape(d);
      }
      re += `[${set}]`;
      i = end;
    } else re += escape(c);
  }
  return new RegExp(`${re}$`);
}

function escape(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/**
 * True when `text` matches the Tcl-style `glob` (case-sensitive, like `string match`).
 *
 * @example
 * ```ts
 * globMatch('/chat/*', '/chat/room1'); // true
 * globMatch('v[12].chat', 'v2.chat');  // true
 * ```
 */
export function globMatch(glob: string, text: string): boolean {
  if (glob === '*') return true;
  let re = cache.get(glob);
  if (re === undefined) {
    re = compile(glob);
    if (cache.size > 1000) cache.clear();
    cache.set(glob, re);
  }
  return re.test(text);
}
