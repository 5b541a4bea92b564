/**
 * Small helpers over real parsers for the export tests: parse5 (the WHATWG HTML parsing
 * algorithm browsers use) for HTML, @xmldom/xmldom for XML (SVG, word/document.xml), set to throw
 * on any well-formedness error so a malformed file fails the test.
 */
import { DOMParser, type Document as XmlDocument, type Element as XmlElement } from '@xmldom/xmldom';
import { parse } from 'parse5';
import type { DefaultTreeAdapterMap } from 'parse5';

export type HtmlNode = DefaultTreeAdapterMap['node'];
export type HtmlElement = DefaultTreeAdapterMap['element'];

export function parseHtml(html: string): HtmlNode {
  const errors: string[] = [];
  const document = parse(html, { onParseError: (e) => errors.push(e.code) });
  if (errors.length > 0) throw new Error(`HTML parse errors: ${errors.join(', ')}`);
  return document;
}

function children(node: HtmlNode): HtmlNode[] {
  const own = 'childNodes' in node ? (node.childNodes as HtmlNode[]) : [];
  const template = 'content' in node && node.content ? [node.content as unknown as HtmlNode] : [];
  return [...own, ...template];
}

/** Every element below `node` (depth first) that satisfies `match`. */
export function findAll(node: HtmlNode, match: (el: HtmlElement) => boolean): HtmlElement[] {
  const out: HtmlElement[] = [];
  const walk = (n: HtmlNode) => {
    for (const c of children(n)) {
      if ('tagName' in c && match(c as HtmlElement)) out.push(c as HtmlElement);
      walk(c);
    }
  };
  walk(node);
  return out;
}

export const byTag = (node: HtmlNode, tag: string) => findAll(node, (el) => el.tagName === tag);
export const attr = (el: HtmlElement, name: string) => el.attrs.find((a) => a.name === name)?.value;
export const hasClass = (el: HtmlElement, cls: string) => (attr(el, 'class') ?? '').split(/\s+/).includes(cls);

export function textOf(node: HtmlNode): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterMap['textNode']).value;
  return children(node).map(textOf).join('');
}

export function parseXml(xml: string, mimeType: 'image/svg+xml' | 'text/xml' = 'text/xml'): XmlDocument {
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw new Error(`XML ${level}: ${message}`);
    },
  });
  return parser.parseFromString(xml, mimeType);
}

export function xmlElements(doc: XmlDocument | XmlElement, tag: string): XmlElement[] {
  return Array.from(doc.getElementsByTagName(tag));
}
