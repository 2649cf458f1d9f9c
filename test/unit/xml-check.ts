// A small strict XML reader for tests: the project has no XML parser dependency, and the SVG the
// CLI writes must be well-formed for browsers and image tools to open it. It accepts the subset
// the CLI writes (declaration, comments, elements, quoted attributes, text, the five named
// entities and numeric references) and throws, with the offset, on anything not well-formed.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed XML at offset ${i}: ${why} (near ${JSON.stringify(src.slice(i, i + 30))})`);
  };
  const skipSpace = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) return fail('expected a name');
    i += m[0].length;
    return m[0];
  };
  const decode = (raw: string, where: string): string =>
    raw.replace(/&([^;]*);|&/g, (_whole, ref: string | undefined) => {
      if (ref === undefined) return fail(`bare & in ${where}`);
      if (/^#x[0-9a-fA-F]+$/.test(ref)) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
      if (/^#[0-9]+$/.test(ref)) return String.fromCodePoint(Number(ref.slice(1)));
      const named = NAMED[ref];
      return named ?? fail(`unknown entity &${ref}; in ${where}`);
    });
  const comment = (): boolean => {
    if (!src.startsWith('<!--', i)) return false;
    const end = src.indexOf('-->', i + 4);
    if (end < 0) fail('unterminated comment');
    if (src.slice(i + 4, end).includes('--')) fail('-- inside a comment');
    i = end + 3;
    return true;
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [] };
    for (;;) {
      const before = i;
      skipSpace();
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected whitespace before an attribute');
      const attr = name();
      skipSpace();
      if (src[i] !== '=') fail(`attribute ${attr} without =`);
      i++;
      skipSpace();
      const q = src[i];
      if (q !== '"' && q !== "'") return fail(`attribute ${attr} value not quoted`);
      const end = src.indexOf(q, i + 1);
      if (end < 0) fail('unterminated attribute value');
      const raw = src.slice(i + 1, end);
      if (raw.includes('<')) fail(`< in attribute ${attr}`);
      if (attr in el.attrs) fail(`duplicate attribute ${attr}`);
      el.attrs[attr] = decode(raw, `attribute ${attr}`);
      i = end + 1;
    }
    for (;;) {
      if (i >= src.length) fail(`<${el.name}> not closed`);
      if (src.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        skipSpace();
        if (src[i] !== '>') fail('expected > after the closing tag');
        i++;
        return el;
      }
      if (comment()) continue;
      if (src.startsWith('<![CDATA[', i) || src.startsWith('<!', i) || src.startsWith('<?', i)) fail('unsupported markup inside an element');
      if (src[i] === '<') {
        el.children.push(element());
        continue;
      }
      const next = src.indexOf('<', i);
      const raw = src.slice(i, next < 0 ? src.length : next);
      if (raw.includes(']]>')) fail(']]> in text');
      el.children.push(decode(raw, `<${el.name}> text`));
      i += raw.length;
    }
  };

  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  }
  const misc = () => {
    for (;;) {
      skipSpace();
      if (!comment()) return;
    }
  };
  misc();
  const root = element();
  misc();
  if (i !== src.length) fail('content after the root element');
  return root;
}

/** Every element below (and including) `el`, in document order. */
export function allElements(el: XmlElement): XmlElement[] {
  return [el, ...el.children.flatMap((c) => (typeof c === 'string' ? [] : allElements(c)))];
}

/** The text of an element and its descendants. */
export function textOf(el: XmlNode): string {
  return typeof el === 'string' ? el : el.children.map(textOf).join('');
}

/** Elements whose class attribute lists `cls`. */
export function byClass(root: XmlElement, cls: string): XmlElement[] {
  return allElements(root).filter((e) => (e.attrs.class ?? '').split(/\s+/).includes(cls));
}
