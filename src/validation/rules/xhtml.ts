/**
 * Narrative xhtml safety (https://hl7.org/fhir/R4/narrative.html#xhtml): a well-formed `<div>` in the
 * XHTML namespace holding only the basic formatting elements (HTML 4.0 chapters 7–11 and 15, `<a>`,
 * images, style attributes); no head, body, scripts, forms, frames, objects, stylesheet links or event
 * attributes (`onclick`…), no `javascript:` links. It is XML without a DTD, so the only named entities
 * are the five XML ones (`&nbsp;` is an error; `&#160;` is the way). A single linear scan, no regexes
 * over the text. The element and attribute lists are those the HL7 validator applies.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue, NO_ISSUES } from '../issues';
import type { TypedNode } from './typed-walk';

const XHTML_NS = 'http://www.w3.org/1999/xhtml';
const ELEMENTS = new Set(
  (
    'p br div h1 h2 h3 h4 h5 h6 a span b em i strong small big tt dfn q var abbr acronym cite blockquote ' +
    'hr address bdo kbd sub sup ul ol li dl dt dd pre table caption colgroup col thead tr tfoot tbody th ' +
    'td code samp img map area'
  ).split(' '),
);
const ATTRIBUTES = new Set(
  (
    'title style class id lang xml:lang dir accesskey tabindex span width height align valign char charoff ' +
    'abbr axis headers scope rowspan colspan border cellpadding cellspacing frame rules summary cols rows ' +
    'href name rel rev hreflang type shape coords target src alt longdesc usemap ismap start value compact ' +
    'nowrap bgcolor color size face cite datetime xmlns xmlns:xhtml clear noshade'
  ).split(' '),
);
const XML_ENTITIES = new Set(['lt', 'gt', 'amp', 'quot', 'apos']);

function isNameChar(c: string): boolean {
  return /[A-Za-z0-9_:.-]/.test(c);
}

/** Problems of one xhtml text, as short diagnostics (element/attribute names only, never text). */
export function xhtmlProblems(div: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let sawRoot = false;
  let i = 0;
  const entityAt = (at: number): number => {
    const end = div.indexOf(';', at);
    const name = end < 0 || end - at > 12 ? '' : div.slice(at + 1, end);
    const numeric = /^#([0-9]{1,7}|x[0-9A-Fa-f]{1,6})$/.test(name);
    if (!numeric && !XML_ENTITIES.has(name))
      problems.push(
        'Undeclared or malformed entity (only &lt; &gt; &amp; &quot; &apos; and numeric references)',
      );
    return end < 0 ? at + 1 : end + 1;
  };
  while (i < div.length && problems.length < 10) {
    const c = div[i];
    if (c === '&') {
      i = entityAt(i);
      continue;
    }
    if (c !== '<') {
      if (stack.length === 0 && !/[ \t\r\n]/.test(c)) problems.push('Text outside the root <div>');
      i++;
      continue;
    }
    if (div.startsWith('<!--', i)) {
      const end = div.indexOf('-->', i + 4);
      if (end < 0) problems.push('Unterminated comment');
      i = end < 0 ? div.length : end + 3;
      continue;
    }
    if (div[i + 1] === '!' || div[i + 1] === '?') {
      problems.push('DOCTYPE, CDATA and processing instructions are not allowed');
      break;
    }
    const closing = div[i + 1] === '/';
    let j = i + (closing ? 2 : 1);
    const nameStart = j;
    while (j < div.length && isNameChar(div[j])) j++;
    const name = div.slice(nameStart, j).toLowerCase();
    if (name === '') {
      problems.push('A "<" that does not start a tag (write &lt;)');
      i++;
      continue;
    }
    if (closing) {
      if (stack.pop() !== name) problems.push(`Mismatched end tag </${name.slice(0, 20)}>`);
      const end = div.indexOf('>', j);
      i = end < 0 ? div.length : end + 1;
      continue;
    }
    if (stack.length === 0 && sawRoot) problems.push('Content after the root <div>');
    if (stack.length === 0 && name !== 'div') problems.push('The narrative root must be a <div>');
    if (!ELEMENTS.has(name)) problems.push(`Element <${name.slice(0, 20)}> is not allowed in narrative`);
    // attributes
    let selfClosing = false;
    let xmlns: string | undefined;
    for (;;) {
      while (j < div.length && /[ \t\r\n]/.test(div[j])) j++;
      if (j >= div.length) {
        problems.push('Unterminated tag');
        break;
      }
      if (div[j] === '>' || div.startsWith('/>', j)) {
        selfClosing = div[j] === '/';
        j += selfClosing ? 2 : 1;
        break;
      }
      const attrStart = j;
      while (j < div.length && isNameChar(div[j])) j++;
      const attr = div.slice(attrStart, j).toLowerCase();
      if (attr === '' || div[j] !== '=' || (div[j + 1] !== '"' && div[j + 1] !== "'")) {
        problems.push('Malformed attribute (XML needs name="value")');
        j = div.indexOf('>', j);
        j = j < 0 ? div.length : j + 1;
        break;
      }
      const quote = div[j + 1];
      const valueEnd = div.indexOf(quote, j + 2);
      if (valueEnd < 0) {
        problems.push('Unterminated attribute value');
        j = div.length;
        break;
      }
      const value = div.slice(j + 2, valueEnd);
      for (let k = value.indexOf('&'); k >= 0; k = value.indexOf('&', k + 1)) entityAt(j + 2 + k);
      if (value.includes('<')) problems.push('"<" inside an attribute value');
      if (attr.startsWith('on')) problems.push(`Event attribute ${attr.slice(0, 20)} is not allowed`);
      else if (!ATTRIBUTES.has(attr))
        problems.push(`Attribute ${attr.slice(0, 20)} is not allowed in narrative`);
      if (
        (attr === 'href' || attr === 'src') &&
        /^[ \t\r\n]*(javascript|vbscript):/i.test(value.slice(0, 40))
      ) {
        problems.push(`Script URL in ${attr}`);
      }
      if (attr === 'xmlns') xmlns = value;
      j = valueEnd + 1;
    }
    if (stack.length === 0 && !sawRoot && name === 'div' && xmlns !== XHTML_NS) {
      problems.push('The root <div> must declare xmlns="http://www.w3.org/1999/xhtml"');
    }
    if (stack.length === 0) sawRoot = true;
    if (!selfClosing) stack.push(name);
    i = j;
  }
  if (!sawRoot) problems.push('The narrative must be a <div> element');
  else if (stack.length > 0 && problems.length === 0) problems.push('Unclosed element');
  return [...new Set(problems)];
}

export function narrativeIssues(node: TypedNode): readonly OperationOutcomeIssue[] {
  if (node.type !== 'Narrative' || typeof node.value.div !== 'string') return NO_ISSUES;
  return xhtmlProblems(node.value.div).map((p) =>
    issue('error', 'security', `Narrative: ${p}`, `${node.path}.div`),
  );
}
