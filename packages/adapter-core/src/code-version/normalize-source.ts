import { tokenizer, type Token } from 'acorn';

/**
 * Turns function source into a canonical token stream: comments and formatting disappear, quote style
 * is normalised (`'a'` and `"a"` are the same string token) and numbers are compared by value (`1.0` is `1`).
 * Hamilton does this with an AST parse/unparse; a tokenizer gives the same invariance for the things
 * people actually change (comments, whitespace, quotes) without needing the fragment to parse on its own
 * (`Function.prototype.toString()` of a method is not a valid program).
 *
 * Returns `undefined` when the text cannot be tokenized; callers then hash the raw text.
 */
export function normalizeSource(source: string): string | undefined {
  const parts: string[] = [];
  try {
    for (const token of tokenizer(source, {
      ecmaVersion: 'latest',
      allowHashBang: true,
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      allowImportExportEverywhere: true,
      allowReserved: true,
    })) {
      parts.push(tokenText(token as Token & { value?: any }));
    }
  } catch {
    return undefined;
  }
  return parts.join(' ');
}

function tokenText(token: Token & { value?: any }): string {
  const label = token.type.label;
  switch (label) {
    case 'string':
    case 'template':
      return `${label}:${JSON.stringify(token.value)}`;
    case 'num':
      return `num:${typeof token.value === 'bigint' ? `${token.value}n` : String(token.value)}`;
    case 'regexp': {
      const v = token.value as { pattern: string; flags: string };
      return `re:/${v.pattern}/${v.flags}`;
    }
    case 'name':
    case 'privateId':
      return String(token.value);
    default:
      // Keywords and punctuation: the label is the canonical text (`=>`, `{`, `return`…).
      return token.value === undefined ? label : String(token.value);
  }
}
