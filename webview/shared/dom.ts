// The one way panels build DOM: data only ever reaches the page as textContent or attribute values, never as markup.

export interface Props {
  className?: string;
  text?: string;
  attrs?: Record<string, string>;
}

export type Child = Node | string;

export function h(doc: Document, tag: string, props: Props = {}, ...children: Child[]): HTMLElement {
  const node = doc.createElement(tag);
  if (props.className) node.className = props.className;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  if (props.text !== undefined) node.textContent = props.text;
  if (children.length) node.append(...children);
  return node;
}
