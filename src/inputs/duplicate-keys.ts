/**
 * The first key that one object of a valid JSON text names twice, at any
 * depth; undefined when there is none. JSON.parse keeps the last value of a
 * repeated key without a word, so the text itself is scanned: strings are
 * skipped whole, and a string followed by ':' inside an object is a key.
 */
export function firstDuplicateKey(json: string): string | undefined {
  // One entry per open bracket: the keys seen so far for an object, undefined for an array.
  const open: (Set<string> | undefined)[] = [];
  for (let at = 0; at < json.length; at++) {
    const char = json[at];
    if (char === '{') open.push(new Set());
    else if (char === '[') open.push(undefined);
    else if (char === '}' || char === ']') open.pop();
    else if (char === '"') {
      const end = closingQuote(json, at);
      const keys = open.at(-1);
      if (keys && nextToken(json, end + 1) === ':') {
        const literal = json.slice(at, end + 1);
        const key = literal.includes('\\') ? (JSON.parse(literal) as string) : literal.slice(1, -1);
        if (keys.has(key)) return key;
        keys.add(key);
      }
      at = end;
    }
  }
  return undefined;
}

function closingQuote(json: string, opening: number): number {
  for (let at = opening + 1; at < json.length; at++) {
    if (json[at] === '\\') at++;
    else if (json[at] === '"') return at;
  }
  return json.length;
}

function nextToken(json: string, from: number): string | undefined {
  for (let at = from; at < json.length; at++) {
    const char = json[at];
    if (char !== ' ' && char !== '\t' && char !== '\n' && char !== '\r') return char;
  }
  return undefined;
}
