// Building the page without markup strings: every value from the API becomes a text node or an attribute
// set through setAttribute, so nothing it contains is ever parsed as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

function apply(element, props) {
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name === 'style') {
      Object.assign(element.style, value);
    } else if (name === 'class') {
      element.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  return element;
}

/** An HTML element: h('td', { class: 'num' }, text, ...). */
export function h(tag, props, ...children) {
  return append(apply(document.createElement(tag), props), children);
}

/** An SVG element, same shape as h. */
export function s(tag, props, ...children) {
  return append(apply(document.createElementNS(SVG_NS, tag), props), children);
}

/** A link inside the dashboard; the path is built from encoded parts only. */
export function runHref(runId) {
  return `/dashboard/runs/${encodeURIComponent(runId)}`;
}

/**
 * Replaces the content of a slot only when its data changed, so a poll that brings nothing new leaves the
 * DOM (focus, selection, an element a person is about to click) alone; focus is carried over by data-focus.
 */
export function update(slot, data, render) {
  const signature = JSON.stringify(data);
  if (slot.__signature === signature) return false;
  slot.__signature = signature;
  const focused = slot.contains(document.activeElement) ? document.activeElement.dataset.focus : undefined;
  slot.replaceChildren(...[render(data)].flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  if (focused) {
    const again = [...slot.querySelectorAll('[data-focus]')].find((e) => e.dataset.focus === focused);
    again?.focus();
  }
  return true;
}

export function slot(name, tag = 'div') {
  return h(tag, { class: `slot slot-${name}` });
}
