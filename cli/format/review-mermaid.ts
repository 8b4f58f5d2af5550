import type { ServiceDiff, ShareChange } from '../../compiler/diff/index.ts';
import { percentText } from '../../compiler/diff/index.ts';

/** More nodes than this make GitHub's renderer unreadable; the table above lists every service. */
export const DIAGRAM_SERVICES = 12;

/**
 * Text inside a quoted Mermaid label. Mermaid decodes `#name;` entities and renders HTML in
 * labels, so `#` goes first, then quotes, angle brackets and backticks become entities.
 */
export function mermaidLabel(value: string): string {
  return value
    .replace(/[\r\n]+/g, ' ')
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;');
}

function edge(share: ShareChange): string {
  const before = share.before.num === 0;
  const after = share.after.num === 0;
  const label = share.before.percent === share.after.percent ? percentText(share.after) : `${percentText(share.before)} → ${percentText(share.after)}`;
  // a destination that stops getting traffic is dotted, one that starts getting it is thick
  const arrow = after ? '-.->' : before ? '==>' : '-->';
  return `${arrow}|"${mermaidLabel(label)}"|`;
}

/**
 * A flowchart of the traffic split per service, before → after on each edge:
 *
 *     flowchart LR
 *       s0["reviews.default.svc.cluster.local:9080"]
 *       s0 -->|"90% → 50%"| s0d0["v1"]
 *       s0 -.->|"10% → 0%"| s0d1["v2"]
 *       s0 ==>|"0% → 50%"| s0d2["v3"]
 *
 * Undefined when no service's traffic changed.
 */
export function trafficDiagram(services: readonly ServiceDiff[]): string | undefined {
  const changed = services.filter((s) => s.traffic);
  if (changed.length === 0) return undefined;
  const lines = ['```mermaid', 'flowchart LR'];
  changed.slice(0, DIAGRAM_SERVICES).forEach((service, i) => {
    lines.push(`  s${i}["${mermaidLabel(service.title)}"]`);
    service.traffic?.shares.forEach((share, j) => {
      lines.push(`  s${i} ${edge(share)} s${i}d${j}["${mermaidLabel(share.label)}"]`);
    });
  });
  lines.push('```');
  if (changed.length > DIAGRAM_SERVICES) lines.push(`_The diagram shows the first ${DIAGRAM_SERVICES} of ${changed.length} services; the table lists them all._`);
  return lines.join('\n');
}
