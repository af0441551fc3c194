/**
 * A deliberately small, strict XML 1.0 reader for checking our JUnit output without a dependency: elements,
 * double- or single-quoted attributes, text, the five named entities and numeric references, an optional
 * declaration. Anything else (unbalanced tags, a bare `&` or `<`, forbidden characters, two roots) throws.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated, unescaped text directly inside the element. */
  text: string;
}

const NAME = /[A-Za-z_][A-Za-z0-9_.:-]*/y;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function unescape(raw: string, at: number): string {
  if (raw.includes('<')) throw new Error(`bare '<' at ${at}`);
  return raw.replace(/&([^;]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new Error(`unterminated entity near ${at}`);
    if (body in ENTITIES) return ENTITIES[body] as string;
    const num = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(body);
    if (num) return String.fromCodePoint(Number(body[1] === 'x' ? `0${body.slice(1)}` : body.slice(1)));
    throw new Error(`unknown entity &${body}; near ${at}`);
  });
}

/** Parses `xml` or throws with the first well-formedness error; returns the root element. */
export function assertWellFormedXml(xml: string): XmlElement {
  if (FORBIDDEN.test(xml)) throw new Error('character not allowed in XML 1.0');
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const skipSpace = (): void => {
    while (i < xml.length && /\s/.test(xml[i] as string)) i++;
  };
  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(xml);
    if (!m) throw new Error(`expected a name at ${i}`);
    i += m[0].length;
    return m[0];
  };
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  while (i < xml.length) {
    if (xml[i] === '<') {
      if (xml.startsWith('<!--', i)) {
        const end = xml.indexOf('-->', i);
        if (end < 0) throw new Error('unterminated comment');
        i = end + 3;
        continue;
      }
      if (xml[i + 1] === '/') {
        i += 2;
        const name = readName();
        skipSpace();
        if (xml[i] !== '>') throw new Error(`expected '>' at ${i}`);
        i++;
        const open = stack.pop();
        if (!open || open.name !== name) throw new Error(`closing </${name}> does not match <${open?.name ?? '(none)'}>`);
        continue;
      }
      i++;
      const el: XmlElement = { name: readName(), attrs: {}, children: [], text: '' };
      for (;;) {
        const before = i;
        skipSpace();
        if (xml.startsWith('/>', i) || xml[i] === '>') break;
        if (i === before) throw new Error(`expected whitespace before attribute at ${i}`);
        const attr = readName();
        if (attr in el.attrs) throw new Error(`duplicate attribute ${attr}`);
        if (xml[i] !== '=') throw new Error(`expected '=' at ${i}`);
        const quote = xml[i + 1];
        if (quote !== '"' && quote !== "'") throw new Error(`expected a quoted value at ${i + 1}`);
        const end = xml.indexOf(quote, i + 2);
        if (end < 0) throw new Error('unterminated attribute value');
        el.attrs[attr] = unescape(xml.slice(i + 2, end), i);
        i = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) throw new Error('more than one root element');
      else root = el;
      if (xml.startsWith('/>', i)) i += 2;
      else {
        i++;
        stack.push(el);
      }
      continue;
    }
    const next = xml.indexOf('<', i);
    const raw = xml.slice(i, next < 0 ? xml.length : next);
    const parent = stack[stack.length - 1];
    if (parent) parent.text += unescape(raw, i);
    else if (raw.trim() !== '') throw new Error(`text outside the root element at ${i}`);
    if (raw.includes('>') && raw.includes(']]>')) throw new Error("']]>' in text");
    i = next < 0 ? xml.length : next;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}
